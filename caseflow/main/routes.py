"""Home page, language switch and health check."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import text

from caseflow.extensions import db
from caseflow.navigation import CAPABILITIES
from caseflow.security import public

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    roles = sorted(current_user.roles, key=lambda r: r.role)
    capabilities = {r.role: CAPABILITIES.get(r.role, ()) for r in roles}
    return render_template("main/home.html", roles=roles, capabilities=capabilities)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only same-site relative paths are followed after a redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback  # browsers read "/\host" as "//host"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


@bp.get("/lang/<code>")
@public
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
        else:
            session["lang_chosen"] = True
    referrer = request.referrer
    target = "/"
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc == request.host:
            target = safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    return redirect(target)


@public
def healthz():
    from caseflow.jobs import jobs_health

    body = {"status": "ok", "version": current_app.config["VERSION"]}
    try:
        db.session.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception:  # any driver error means the database is unusable
        db.session.rollback()
        body["database"] = "down"
    body["jobs"] = jobs_health()
    if body["database"] == "down":
        body["status"] = "degraded"
        return jsonify(body), 503
    if body["jobs"] == "down":
        body["status"] = "degraded"
    return jsonify(body)


bp.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
