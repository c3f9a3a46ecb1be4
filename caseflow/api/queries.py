"""The cases a caller may see, as one SQL condition: the list form of
``caseflow.cases.access.can_view`` (a test checks that both agree for every demo user).

``can_view`` grants a case when ``authz.can(user, "case.view", case)`` — a role of the
permission whose scope covers the case (the auditor: every case) — or when the user is assigned
to it (a panel member) or holds, held or completed one of its tasks.
"""

from __future__ import annotations

from sqlalchemy import exists, false, or_, select, true
from sqlalchemy.orm import joinedload

from caseflow.authz import PERMISSIONS
from caseflow.extensions import db
from caseflow.models import Case, CaseParticipant, Organisation, Task
from caseflow.models.regions import PROVINCE_CODE
from caseflow.roles import ROLES


def _scope_condition(assignment):
    """``authz.assignment_covers`` for cases, as SQL."""
    kind = assignment.scope_kind
    if kind == "province":
        return or_(Case.region_code == PROVINCE_CODE, Case.region_code.like("51%"))
    if kind == "region":
        return Case.region_code == assignment.region_code
    if kind == "organisation":
        own = Case.applicant_org_id == assignment.organisation_id
        if not ROLES[assignment.role].department:
            return own
        supervised = select(Organisation.id).where(
            Organisation.supervising_department_id == assignment.organisation_id
        )
        return or_(own, Case.applicant_org_id.in_(supervised))  # authz.supervises, as SQL
    return None  # assigned: through the rows below; system: never case data


def visible(user):
    """A WHERE clause on ``cases``: the cases ``user`` may see."""
    if user is None or not getattr(user, "is_authenticated", False) or user.disabled:
        return false()
    rule = PERMISSIONS["case.view"]
    held = [a for a in user.roles if a.role in rule.roles]
    if any(a.role == "auditor" for a in held):
        return true()
    conditions = [c for a in held if (c := _scope_condition(a)) is not None]
    conditions.append(
        exists().where(CaseParticipant.case_id == Case.id, CaseParticipant.user_id == user.id)
    )
    conditions.append(
        exists().where(
            Task.case_id == Case.id,
            or_(
                Task.assignee_id == user.id,
                Task.claimed_by_id == user.id,
                Task.completed_by_id == user.id,
            ),
        )
    )
    return or_(*conditions)


def case_page(user, query):
    """One page of the caller's visible cases, newest activity first, filtered."""
    stmt = (
        select(Case)
        .join(Organisation, Organisation.id == Case.applicant_org_id)
        .options(joinedload(Case.applicant_org), joinedload(Case.region))
        .where(visible(user))
    )
    if query.workflow:
        stmt = stmt.where(Case.workflow == query.workflow)
    if query.state:
        stmt = stmt.where(Case.state == query.state)
    if query.region:
        stmt = stmt.where(Case.region_code == query.region)
    if query.q:
        text = query.q.strip()
        stmt = stmt.where(
            or_(
                Case.reference.icontains(text, autoescape=True),
                Organisation.name.icontains(text, autoescape=True),
            )
        )
    stmt = stmt.order_by(Case.updated_at.desc(), Case.id.desc())
    return db.paginate(
        stmt, page=query.page, per_page=query.per_page, max_per_page=100, error_out=False
    )
