"""The reviewer's side: the inbox (待办) of stage tasks."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
