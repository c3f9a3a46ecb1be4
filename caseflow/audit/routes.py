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


@bp.get("/cases")
@permission_required("audit.cases")
def cases():
    """Every case, to trace its full history on the case page: search by reference or
    organisation, filter by workflow, state and region."""
    from types import SimpleNamespace

    from flask_login import current_user

    from caseflow.api.queries import case_page
    from caseflow.models import Region
    from caseflow.workflows import registry

    q = (request.args.get("q") or "").strip()
    workflow = request.args.get("workflow") or ""
    state = request.args.get("state") or ""
    region = request.args.get("region") or ""
    # The same search as the API's case list (for an auditor every case is visible).
    page = case_page(current_user, SimpleNamespace(
        q=q or None, region=region or None, page=request.args.get("page", 1, type=int),
        per_page=50, workflow=workflow if workflow in registry.WORKFLOWS else None,
        state=state if workflow in registry.WORKFLOWS and state else None,
    ))  # fmt: skip
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return render_template(
        "audit/cases.html", page=page, q=q, workflow=workflow, state=state, region=region,
        workflows=registry.WORKFLOWS, regions=regions,
    )  # fmt: skip
