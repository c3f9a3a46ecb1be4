"""The reviewer's inbox (待办) and the task operations: claim, release, hand over.

The inbox runs the page's queries (``caseflow.review.queries``: the same tabs, filters and
counts); the operations are the engine's (``engine.claim`` / ``release`` / ``handover``).
A task of a case the caller may not see is a 404.
"""

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from caseflow.api import present
from caseflow.api import resources as r
from caseflow.api.problems import invalid
from caseflow.api.schemas import Handover, InboxQuery
from caseflow.api.spec import operation
from caseflow.cases.access import can_view
from caseflow.extensions import db
from caseflow.models import Task, User
from caseflow.review import colleagues, queries
from caseflow.timeutil import utcnow
from caseflow.workdays import to_local_date
from caseflow.workflows import engine

TASK = {"task_id": "The task's id (inbox items, or a case's tasks)."}


@operation(
    "GET",
    "/inbox",
    tag="inbox",
    permission="review.inbox",
    answer=r.Inbox,
    query=InboxQuery,
    summary="Your tasks: the inbox's tabs and filters",
)
def inbox(query):
    """``mine`` (assigned to or claimed by you), ``unclaimed`` (in your scope), ``overdue``,
    ``done``; filtered by workflow, kind, region, due (soon | overdue) and task kind."""
    today = to_local_date(utcnow())
    filters = queries.InboxFilters(query.workflow, query.kind, query.region, query.due, query.task)
    page, counts = queries.inbox_page(
        query.tab, current_user, filters, today, page=query.page, per_page=query.per_page
    )
    total = counts[query.tab] or 0
    return r.Inbox(
        tab=query.tab,
        counts=r.TabCounts(**counts),
        items=[present.inbox_item(t, current_user, today) for t in page.items],
        page=page.page,
        per_page=page.per_page,
        total=total,
        pages=max(1, -(-total // page.per_page)),
    )


def task_or_404(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not can_view(current_user, task.case):
        abort(404)
    return task


def task_answer(task: Task):
    return present.task_out(task, current_user, to_local_date(utcnow()))


@operation(
    "POST",
    "/tasks/<int:task_id>/claim",
    tag="inbox",
    permission="review.inbox",
    answer=r.TaskOut,
    params=TASK,
    summary="Claim an unclaimed task (认领)",
)
def claim_task(task_id):
    task = task_or_404(task_id)
    engine.claim(task, current_user)
    return task_answer(task)


@operation(
    "POST",
    "/tasks/<int:task_id>/release",
    tag="inbox",
    permission="review.inbox",
    answer=r.TaskOut,
    params=TASK,
    summary="Release a task you claimed",
)
def release_task(task_id):
    task = task_or_404(task_id)
    engine.release(task, current_user)
    return task_answer(task)


@operation(
    "GET",
    "/tasks/<int:task_id>/colleagues",
    tag="inbox",
    permission="review.inbox",
    answer=r.ColleagueList,
    params=TASK,
    summary="The colleagues you may hand this task over to",
)
def handover_colleagues(task_id):
    task = task_or_404(task_id)
    people = colleagues.handover_candidates(task, current_user)
    return r.ColleagueList(
        items=[r.Colleague(username=u.username, display_name=u.display_name) for u in people]
    )


@operation(
    "POST",
    "/tasks/<int:task_id>/handover",
    tag="inbox",
    permission="review.inbox",
    answer=r.TaskOut,
    body=Handover,
    params=TASK,
    summary="Hand a task over to a colleague (转交)",
)
def handover_task(task_id, body):
    task = task_or_404(task_id)
    to_user = db.session.scalar(select(User).where(User.username == body.to))
    if to_user is None:
        raise invalid({"to": _("Choose the colleague to hand the task to.")})
    engine.handover(task, current_user, to_user, body.note)
    return task_answer(task)
