"""The auditor's read-only pages. This blueprint never changes anything (GET only)."""

from flask import Blueprint, render_template, request
from sqlalchemy import select

from caseflow.authz import permission_required
from caseflow.extensions import db
from caseflow.labels import auth_detail
from caseflow.models import AuthEvent
from caseflow.models.auth_events import AUTH_EVENT_KINDS

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/auth-events")
@permission_required("audit.auth_events")
def auth_events():
    kind = request.args.get("kind") or ""
    outcome = request.args.get("outcome") or ""
    username = (request.args.get("username") or "").strip()
    stmt = select(AuthEvent).order_by(AuthEvent.id.desc())
    if kind:
        stmt = stmt.where(AuthEvent.kind == kind)
    if outcome:
        stmt = stmt.where(AuthEvent.outcome == outcome)
    if username:
        stmt = stmt.where(AuthEvent.username == username)
    page = db.paginate(stmt, per_page=100, error_out=False)
    return render_template(
        "audit/auth_events.html",
        page=page,
        kinds=AUTH_EVENT_KINDS,
        kind=kind,
        outcome=outcome,
        username=username,
        auth_detail=auth_detail,
    )
