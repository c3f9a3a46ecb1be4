"""The JSON API (``/api/v1``): a thin door to the same engine as the web pages — same
permissions, guards, separation of duties, version checks and audit events.

Authentication is by personal access token only (``Authorization: Bearer …``, see ``tokens.py``);
session cookies never authenticate an API request, so the API needs no CSRF token.
Errors are RFC 9457 problem bodies in the language of ``Accept-Language``.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
