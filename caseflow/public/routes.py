"""Pages anyone may read without logging in: public notices (公示) and objections."""

from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/public")
