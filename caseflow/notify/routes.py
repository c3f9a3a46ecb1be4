"""In-app notifications: the bell, the list, mark as read."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
