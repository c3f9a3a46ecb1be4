"""Cases: list, file, read, edit, act. Every change is one engine call — the same call the
pages make — so permissions, guards, separation of duties, version checks and audit events are
the pages' own. A case the caller may not see is a 404 (``case_or_404``), never a 403.
"""

from contextlib import contextmanager

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from caseflow.api import present, queries
from caseflow.api import resources as r
from caseflow.api.problems import ApiError, invalid
from caseflow.api.schemas import (
    ActionRequest,
    CaseCreate,
    CaseListQuery,
    CaseUpdate,
    ItemAnswer,
    PanelAssignment,
    action_names,
    panel_stages,
)
from caseflow.api.spec import operation
from caseflow.cases.access import case_or_404
from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.models import User
from caseflow.timeutil import utcnow
from caseflow.workdays import to_local_date
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import STALE, StaleCase

REF = {"ref": "The case reference, e.g. TP-2026-510100-0001."}


def today():
    return to_local_date(utcnow())


def answer(case):
    return present.case_out(case, current_user, today())


@contextmanager
def versioned(case):
    """A stale version is a 409 that tells the case's version now."""
    try:
        yield
    except StaleCase as exc:
        db.session.rollback()
        db.session.refresh(case)
        raise ApiError(
            409, exc.message(is_english()), code=exc.code, current_version=case.version
        ) from None


def check_version(case, version: int) -> None:
    with versioned(case):
        if version != case.version:
            raise StaleCase(STALE)


@operation(
    "GET",
    "/cases",
    tag="cases",
    permission="case.view",
    answer=r.CasePage,
    query=CaseListQuery,
    summary="The cases you may see, newest activity first",
)
def list_cases(query):
    """Filter by workflow, state, region (code) and ``q`` (part of the reference or of the
    applicant organisation's name)."""
    page = queries.case_page(current_user, query)
    return r.CasePage(
        items=[present.case_summary(c) for c in page.items],
        page=page.page,
        per_page=page.per_page,
        total=page.total or 0,
        pages=page.pages,
    )


@operation(
    "POST",
    "/cases",
    tag="cases",
    permission="case.create",
    answer=r.CaseOut,
    status=201,
    body=CaseCreate,
    summary="File a new case (a draft)",
    headers={"Location": "The new case's URL."},
)
def create_case(body):
    """The case belongs to your organisation and region; its state, version and reference are
    the engine's. ``data`` may be incomplete: required fields are checked at submission."""
    wf = registry.WORKFLOWS.get(body.workflow)
    if wf is None:
        raise invalid({"workflow": _("Unknown workflow.")})
    case = engine.create_case(wf.key, body.kind, current_user, body.data)
    return answer(case), {"Location": url_for("api.get_case", ref=case.reference)}


@operation(
    "GET",
    "/cases/<ref>",
    tag="cases",
    permission="case.view",
    answer=r.CaseOut,
    params=REF,
    summary="A case with its version, state, actions, deadlines and clock",
)
def get_case(ref):
    return answer(case_or_404(ref, current_user))


@operation(
    "PATCH",
    "/cases/<ref>",
    tag="cases",
    permission="case.view",
    answer=r.CaseOut,
    body=CaseUpdate,
    params=REF,
    summary="Edit the application data",
)
def update_case(ref, body):
    """Only while the case is with the applicant (draft, supplement), by an applicant of the
    filing organisation. Keys not given keep their values; ``null`` clears one."""
    case = case_or_404(ref, current_user)
    check_version(case, body.version)
    with versioned(case):
        engine.update_data(case, current_user, body.data, expected_version=body.version)
    return answer(case)


@operation(
    "POST",
    "/cases/<ref>/actions/<action>",
    tag="cases",
    permission="case.view",
    answer=r.CaseOut,
    body=ActionRequest,
    summary="Take a workflow action",
    params={**REF, "action": "An action of the case's available_actions."},
    choices={"action": action_names},
)
def take_action(ref, action, body):
    """The answer is the case in its new state. 403 names the rule that refused (``code``),
    409 means your ``version`` is stale, 422 lists what is wrong with each field."""
    case = case_or_404(ref, current_user)
    check_version(case, body.version)
    with versioned(case):
        engine.apply(
            case,
            action,
            current_user,
            body.data,
            comment=body.comment,
            expected_version=body.version,
        )
    return answer(case)


@operation(
    "POST",
    "/cases/<ref>/supplement-items/<int:item_id>",
    tag="cases",
    permission="case.view",
    answer=r.CaseOut,
    body=ItemAnswer,
    params={**REF, "item_id": "A supplement item's id (supplement_items)."},
    summary="Answer one item of a supplement notice (补正)",
)
def answer_item(ref, item_id, body):
    case = case_or_404(ref, current_user)
    engine.answer_supplement_item(case, current_user, item_id, body.answer)
    return answer(case)


@operation(
    "POST",
    "/cases/<ref>/panels/<stage>",
    tag="cases",
    permission="case.view",
    answer=r.CaseOut,
    body=PanelAssignment,
    summary="Assign people to a panel stage",
    params={**REF, "stage": "A panel stage of the workflow, e.g. panel."},
    choices={"stage": panel_stages},
)
def assign_panel(ref, stage, body):
    """E.g. the experts of an expert panel, by user name; conflicted people are refused."""
    case = case_or_404(ref, current_user)
    wf = registry.get(case.workflow)
    target = wf.state(stage) if wf.has_state(stage) else None
    if target is None or target.assign is None or target.assign.scope != "panel":
        raise invalid({"stage": _("Not a panel stage of this workflow.")})
    names = list(dict.fromkeys(body.usernames))
    people = {
        u.username: u for u in db.session.scalars(select(User).where(User.username.in_(names)))
    }
    unknown = [n for n in names if n not in people]
    if unknown:
        raise invalid({"usernames": _("No such user: %(names)s", names=", ".join(unknown))})
    engine.assign_panel(case, stage, [people[n] for n in names], current_user, target.assign.role)
    return answer(case)
