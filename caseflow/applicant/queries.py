"""The organisation's cases as the applicant sees them: state groups from the workflow tables,
what each case waits for and until when, and the open supplement notices (补正).

A page is a fixed number of queries whatever its length: the group counts (one grouped query),
the page of cases with their clocks, the open tasks of the page, their timers, the regions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from caseflow.extensions import db
from caseflow.labels import region_name
from caseflow.models import Case, Region, SupplementItem, Task, Timer
from caseflow.review import display
from caseflow.workdays import to_local_date
from caseflow.workflows import registry
from caseflow.workflows.clock import ClockStatus, clock_status

GROUPS = ("draft", "in_progress", "waiting", "closed")
PER_PAGE = 25
NOTICES_SHOWN = 50
# Timers that carry the deadline of an applicant or public state (not reminders).
DEADLINE_TIMERS = ("timeout", "overdue")


def state_group(wf, state_key: str) -> str:
    """draft (not filed yet) · waiting (on the applicant: supplements) · in progress · closed."""
    state = wf.state(state_key)
    if state.is_terminal:
        return "closed"
    if state.kind == "applicant":
        return "draft" if state.key == wf.initial else "waiting"
    return "in_progress"


def group_condition(group: str):
    clauses = []
    for key, wf in sorted(registry.WORKFLOWS.items()):
        states = [s.key for s in wf.states if state_group(wf, s.key) == group]
        if states:
            clauses.append(and_(Case.workflow == key, Case.state.in_(states)))
    return or_(*clauses) if clauses else false()


def applicant_org_ids(user) -> list[int]:
    """The organisations the user files for (their ``applicant`` role assignments)."""
    return sorted(
        {a.organisation_id for a in user.roles if a.role == "applicant" and a.organisation_id}
    )


def group_counts(org_ids: list[int]) -> dict[str, int]:
    counts = dict.fromkeys(GROUPS, 0)
    rows = db.session.execute(
        select(Case.workflow, Case.state, func.count())
        .where(Case.applicant_org_id.in_(org_ids))
        .group_by(Case.workflow, Case.state)
    ).all()
    for workflow, state, n in rows:
        wf = registry.WORKFLOWS.get(workflow)
        if wf is not None and wf.has_state(state):
            counts[state_group(wf, state)] += n
    return counts


def cases_page(org_ids: list[int], group: str | None, total: int, page: int):
    stmt = (
        select(Case)
        .where(Case.applicant_org_id.in_(org_ids))
        .options(selectinload(Case.clock))
        .order_by(Case.updated_at.desc(), Case.id.desc())
    )
    if group:
        stmt = stmt.where(group_condition(group))
    pages = max(1, -(-total // PER_PAGE))
    pagination = db.paginate(stmt, page=max(1, min(page, pages)), per_page=PER_PAGE,
                             error_out=False, count=False)  # fmt: skip
    pagination.total = total
    return pagination


@dataclass
class Waiting:
    label: str  # a stage, an objection, "public notice"
    who: list[str] = field(default_factory=list)  # "City reviewer · 成都市 ×1"


@dataclass
class CaseRow:
    case: Case
    group: str
    waiting: list[Waiting]
    due: display.Due | None
    clock: ClockStatus | None


def case_rows(cases: list[Case], today: date) -> list[CaseRow]:
    """What each case waits for, its next deadline and its licensing clock (3 queries)."""
    ids = [c.id for c in cases]
    tasks: dict[int, list[Task]] = defaultdict(list)
    timers: dict[int, list[Timer]] = defaultdict(list)
    regions: dict[str, Region] = {}
    if ids:
        for task in db.session.scalars(
            select(Task)
            .where(Task.case_id.in_(ids), Task.status == "open")
            .order_by(Task.case_id, Task.position, Task.id)
        ):
            tasks[task.case_id].append(task)
        for timer in db.session.scalars(
            select(Timer).where(
                Timer.case_id.in_(ids),
                Timer.fired_at.is_(None),
                Timer.kind.in_(DEADLINE_TIMERS),
            )
        ):
            timers[timer.case_id].append(timer)
        regions = {r.code: r for r in db.session.scalars(select(Region))}
    rows = []
    for case in cases:
        wf = registry.WORKFLOWS.get(case.workflow)
        if wf is None or not wf.has_state(case.state):
            continue
        current = [t for t in tasks[case.id] if t.visit == case.entered_seq]
        rows.append(
            CaseRow(
                case=case,
                group=state_group(wf, case.state),
                waiting=_waiting(case, current, regions),
                due=_deadline(case, current, timers[case.id], today),
                clock=_clock(case, today),
            )
        )
    return rows


def _waiting(case: Case, tasks: list[Task], regions: dict[str, Region]) -> list[Waiting]:
    """The open tasks by stage, and by role and region: never people's names, so a panel
    stays anonymous to the applicant."""
    by_label: dict[str, dict[str, int]] = {}
    for task in tasks:
        label = (
            str(display.OBJECTION)
            if task.kind == "objection"
            else display.state_label(case.workflow, task.stage)
        )
        # A single task's scope: the city, the province or a department; panels have none.
        where = ""
        if task.mode == "single":
            where = (task.department.name if task.organisation_id is not None
                     else region_name(regions.get(task.region_code)))  # fmt: skip
        who = display.role_label(task.role) + (f" · {where}" if where else "")
        by_label.setdefault(label, {})
        by_label[label][who] = by_label[label].get(who, 0) + 1
    return [
        Waiting(label, [f"{who} ×{n}" if n > 1 else who for who, n in people.items()])
        for label, people in by_label.items()
    ]


def _deadline(case, tasks, timers, today) -> display.Due | None:
    dated = [t for t in tasks if t.due_on is not None]
    if dated:
        first = min(dated, key=lambda t: t.due_on)
        return display.due(first.due_on, first.due_provisional, today)
    current = [t for t in timers if t.state == case.state and t.visit == case.entered_seq]
    if not current:
        return None
    first = min(current, key=lambda t: t.due_at)
    return display.due(to_local_date(first.due_at), first.provisional, today)


def _clock(case: Case, today: date) -> ClockStatus | None:
    if case.clock is None:
        return None
    status = clock_status(case, today)
    return status if status and status.status in ("running", "paused") else None


def supplement_notices(org_ids: list[int]) -> list[tuple[Case, list[SupplementItem]]]:
    """Cases waiting on the applicant with a supplement notice, and the items of their latest
    notice (the items ``engine.open_supplement_items`` returns): 2 queries."""
    cases = list(
        db.session.scalars(
            select(Case)
            .where(
                Case.applicant_org_id.in_(org_ids),
                Case.returned_from.is_not(None),
                group_condition("waiting"),
            )
            .options(joinedload(Case.applicant_org))
            .order_by(Case.updated_at.desc(), Case.id.desc())
            .limit(NOTICES_SHOWN)
        )
    )
    if not cases:
        return []
    latest = (
        select(SupplementItem.case_id, func.max(SupplementItem.notice_seq).label("seq"))
        .where(SupplementItem.case_id.in_([c.id for c in cases]))
        .group_by(SupplementItem.case_id)
        .subquery()
    )
    items: dict[int, list[SupplementItem]] = defaultdict(list)
    for item in db.session.scalars(
        select(SupplementItem)
        .join(
            latest,
            and_(
                SupplementItem.case_id == latest.c.case_id,
                SupplementItem.notice_seq == latest.c.seq,
            ),
        )
        .order_by(SupplementItem.case_id, SupplementItem.position)
    ):
        items[item.case_id].append(item)
    return [(case, items[case.id]) for case in cases if items[case.id]]
