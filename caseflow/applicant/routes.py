"""The applicant's side: my organisation's cases and supplement notices."""

from flask import Blueprint

bp = Blueprint("applicant", __name__, url_prefix="/apply")
