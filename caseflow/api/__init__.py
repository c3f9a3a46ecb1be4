"""The JSON API (``/api/v1``): a thin door to the same engine as the web pages — same
permissions, guards, separation of duties, version checks and audit events.

Authentication is by personal access token only (``Authorization: Bearer …``, see ``tokens.py``);
session cookies never authenticate an API request, so the API needs no CSRF token.
Errors are RFC 9457 problem bodies in the language of ``Accept-Language``.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_request
def _language(response):
    """Labels and messages follow ``Accept-Language``; say which language was used."""
    from caseflow.labels import is_english

    response.headers["Content-Language"] = "en" if is_english() else "zh-CN"
    response.vary.add("Accept-Language")
    return response


# Error handlers, rate limits and the operations (each declared once, see spec.py).
from caseflow.api import (  # noqa: E402, F401
    case_routes,
    file_routes,
    inbox_routes,
    limits,
    meta_routes,
    problems,
)
