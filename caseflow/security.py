"""Request-wide security: deny by default, forced password change, headers, no-store caching.

Every endpoint requires a logged-in user unless its view is decorated with :func:`public`.
The test suite takes a census of ``app.url_map`` against this rule.
"""

from flask import current_app, g, redirect, request, url_for
from flask_login import current_user

from caseflow.auth.service import must_change_password

# Endpoints a logged-in user may reach while a password change is pending.
ALLOWED_DURING_PASSWORD_CHANGE = frozenset(
    {"auth.change_password", "auth.logout", "main.set_language", "static", "main.healthz"}
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def public(view):
    """Mark a view as reachable without logging in."""
    view.caseflow_public = True
    return view


def is_public_endpoint(endpoint: str | None) -> bool:
    if endpoint is None or endpoint == "static":
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "caseflow_public", False))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def enforce_login():
    if is_public_endpoint(request.endpoint):
        return None
    if not current_user.is_authenticated:
        if wants_json():
            from caseflow.errors import problem

            return problem(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    g.authenticated = True
    if must_change_password(current_user) and request.endpoint not in (
        ALLOWED_DURING_PASSWORD_CHANGE
    ):
        return redirect(url_for("auth.change_password"))
    return None


def security_headers(response):
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "same-origin"
    h["X-Frame-Options"] = "DENY"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS"):
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static" and (g.get("authenticated") or current_user.is_authenticated):
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    return response
