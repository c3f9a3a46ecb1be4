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
    from sqlalchemy.orm import joinedload

    from caseflow.models import Case, Organisation, Region
    from caseflow.workflows import registry

    q = (request.args.get("q") or "").strip()
    workflow = request.args.get("workflow") or ""
    state = request.args.get("state") or ""
    region = request.args.get("region") or ""
    stmt = select(Case).options(joinedload(Case.applicant_org), joinedload(Case.region))
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.join(Organisation, Organisation.id == Case.applicant_org_id).where(
            Case.reference.ilike(like, escape="\\") | Organisation.name.ilike(like, escape="\\")
        )
    if workflow in registry.WORKFLOWS:
        stmt = stmt.where(Case.workflow == workflow)
        if state:
            stmt = stmt.where(Case.state == state)
    if region:
        stmt = stmt.where(Case.region_code == region)
    page = db.paginate(stmt.order_by(Case.updated_at.desc(), Case.id.desc()), per_page=50,
                       error_out=False)  # fmt: skip
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return render_template(
        "audit/cases.html", page=page, q=q, workflow=workflow, state=state, region=region,
        workflows=registry.WORKFLOWS, regions=regions,
    )  # fmt: skip
