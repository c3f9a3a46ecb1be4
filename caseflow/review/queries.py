"""The inbox (待办) queries: one statement per tab, the tab counts in one statement.

Each tab is a ``WHERE`` clause on ``tasks`` that one of its indexes answers:

* ``mine`` — open tasks assigned to or claimed by the user: ``ix_tasks_assignee`` and
  ``ix_tasks_claimed`` (a bitmap OR on PostgreSQL);
* ``unclaimed`` — open ``single`` tasks nobody holds, whose (role, region) is one of the user's
  scopes: ``ix_tasks_queue (status, role, region_code, due_on)``, already in due-date order;
* ``overdue`` — the open tasks of the first two with ``due_on`` before today (Asia/Shanghai);
* ``done`` — tasks the user completed, newest first: ``ix_tasks_done``.

Who may claim is decided by the engine (``engine.covers``): a ``single`` task carries the role
of its stage and the region of its scope — the case's city for ``applicant_region`` stages, the
province code for ``province`` stages. A region assignment therefore matches tasks of its own
city, a province assignment the tasks carrying the province code, which is what
:func:`scope_pairs` returns. A ``supervisor_or_region`` stage of a case whose applicant is
supervised by a provincial industry department carries that department instead
(``organisation_id``): officials holding the role there (``ROLE:org``) claim it
(:func:`department_pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from caseflow.extensions import db
from caseflow.models import PROVINCE_CODE, Case, Task
from caseflow.roles import NON_ACTING_ROLES, ROLES
from caseflow.workdays import current_calendar

TABS = ("mine", "unclaimed", "overdue", "done")
OPEN_TABS = ("mine", "unclaimed", "overdue")
DUE_FILTERS = ("soon", "overdue")
TASK_KINDS = ("stage", "objection")
# "Due soon": due today or within this many working days (a display choice, not policy).
DUE_SOON_WORKDAYS = 3
PER_PAGE = 25
COUNT_CAP = 10_000
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class InboxFilters:
    workflow: str | None = None
    kind: str | None = None  # the case's kind within its workflow (e.g. new school, upgrade)
    region: str | None = None  # the case's region (the applicant's city)
    due: str | None = None  # soon | overdue
    task: str | None = None  # stage | objection

    @property
    def joins_case(self) -> bool:
        return bool(self.workflow or self.kind or self.region)

    @property
    def active(self) -> bool:
        return bool(self.joins_case or self.due or self.task)


def scope_pairs(user) -> list[tuple[str, str]]:
    """The (role, region_code) pairs of unclaimed ``single`` tasks the user may claim."""
    pairs = set()
    for a in user.roles:
        if a.role in NON_ACTING_ROLES:
            continue
        if a.scope_kind == "province":
            pairs.add((a.role, PROVINCE_CODE))
        elif a.scope_kind == "region" and a.region_code and a.region_code != PROVINCE_CODE:
            pairs.add((a.role, a.region_code))
    return sorted(pairs)


def department_pairs(user) -> list[tuple[str, int]]:
    """The (role, department id) pairs of unclaimed ``single`` tasks routed to the user's
    department (a department role held with ``organisation`` scope)."""
    return sorted(
        {(a.role, a.organisation_id) for a in user.roles
         if a.scope_kind == "organisation" and a.organisation_id is not None
         and ROLES[a.role].department}
    )  # fmt: skip


def _mine(user_id: int):
    return and_(
        Task.status == "open", or_(Task.assignee_id == user_id, Task.claimed_by_id == user_id)
    )


def _unclaimed(pairs: list[tuple[str, str]], departments: list[tuple[str, int]] = ()):
    if not pairs and not departments:
        return false()
    return and_(
        Task.status == "open",
        or_(
            *(and_(Task.role == role, Task.region_code == region) for role, region in pairs),
            *(and_(Task.role == role, Task.organisation_id == org) for role, org in departments),
        ),
        Task.mode == "single",
        Task.assignee_id.is_(None),
        Task.claimed_by_id.is_(None),
    )


def due_soon_until(today: date) -> date:
    return current_calendar().add_workdays(today, DUE_SOON_WORKDAYS).day


def tab_condition(tab: str, user, today: date):
    if tab == "mine":
        return _mine(user.id)
    if tab == "unclaimed":
        return _unclaimed(scope_pairs(user), department_pairs(user))
    if tab == "overdue":
        unclaimed = _unclaimed(scope_pairs(user), department_pairs(user))
        return and_(or_(_mine(user.id), unclaimed), Task.due_on < today)
    if tab == "done":
        return Task.completed_by_id == user.id
    raise ValueError(f"unknown tab {tab!r}")


def _filtered(stmt, tab: str, filters: InboxFilters, today: date):
    if filters.workflow:
        stmt = stmt.where(Case.workflow == filters.workflow)
    if filters.kind:
        stmt = stmt.where(Case.kind == filters.kind)
    if filters.region:
        stmt = stmt.where(Case.region_code == filters.region)
    if filters.task:
        stmt = stmt.where(Task.kind == filters.task)
    if tab != "done":  # a due date says nothing about work already done
        if filters.due == "overdue":
            stmt = stmt.where(Task.due_on < today)
        elif filters.due == "soon":
            stmt = stmt.where(Task.due_on >= today, Task.due_on <= due_soon_until(today))
    return stmt


def tab_query(tab: str, user, filters: InboxFilters, today: date):
    """The rows of one tab with their case, applicant organisation, region and holders."""
    stmt = (
        select(Task)
        .join(Case, Case.id == Task.case_id)
        .where(tab_condition(tab, user, today))
        .options(
            contains_eager(Task.case).joinedload(Case.applicant_org),
            contains_eager(Task.case).joinedload(Case.region),
            joinedload(Task.claimed_by),
            joinedload(Task.assignee),
        )
    )
    stmt = _filtered(stmt, tab, filters, today)
    if tab == "done":
        return stmt.order_by(Task.completed_at.desc(), Task.id.desc())
    return stmt.order_by(Task.due_on.asc().nulls_last(), Task.id.asc())


def count_query(user, filters: InboxFilters, today: date, tabs=TABS):
    """One statement: a scalar subquery per tab, each answered by the tab's own index.

    A count stops at ``COUNT_CAP + 1`` rows, so a reviewer's years of done tasks filtered by a
    case column cost a bounded number of rows; the page shows "10000+"."""

    def count(tab):
        stmt = select(Task.id)
        if filters.joins_case:
            stmt = stmt.join(Case, Case.id == Task.case_id)
        stmt = _filtered(stmt.where(tab_condition(tab, user, today)), tab, filters, today)
        capped = stmt.limit(COUNT_CAP + 1).subquery()
        return select(func.count()).select_from(capped).scalar_subquery().label(tab)

    return select(*(count(tab) for tab in tabs))


def counted_tabs(tab: str, filters: InboxFilters) -> tuple[str, ...]:
    """The tabs whose count the page shows. Filtering years of done tasks by a case column
    reads every one of them (the matches may be few, so the cap does not help): that count is
    made only on the done tab itself."""
    if filters.joins_case and tab != "done":
        return OPEN_TABS
    return TABS


def tab_counts(user, filters: InboxFilters, today: date, tabs=TABS) -> dict[str, int | None]:
    row = db.session.execute(count_query(user, filters, today, tabs)).one()
    return {tab: dict(zip(tabs, row, strict=True)).get(tab) for tab in TABS}


def inbox_page(tab: str, user, filters: InboxFilters, today: date, page: int, per_page: int):
    """(pagination of the tab's tasks, counts of every tab): two statements.

    The tab's count doubles as the pagination's total, so no separate count query is run.
    """
    counts = tab_counts(user, filters, today, counted_tabs(tab, filters))
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    pages = max(1, -(-counts[tab] // per_page))
    pagination = db.paginate(
        tab_query(tab, user, filters, today),
        page=max(1, min(page, pages)),
        per_page=per_page,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
        count=False,
    )
    pagination.total = counts[tab]
    return pagination, counts
