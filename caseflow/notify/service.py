"""Turning outbox rows into notifications: one row → the people it concerns, each told once.

Who is told what (issue 4 §3):
* a task opens → its holder, or everyone holding the task's role in its scope;
* the applicant organisation → on returns, decisions and notices (the definition's effects);
* two working days before a deadline → the holders (``remind`` timers);
* a task is overdue → the holders, and the stage's supervisor (督办);
* a reminder (催办) → the holders of the task.

Handlers are idempotent: a notification is unique per (outbox row, user).
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.authz import assignment_covers
from caseflow.extensions import db
from caseflow.models import Case, CaseEvent, Notification, RoleAssignment, Task, User

# Outbox payload ``to`` → notification kind (the template in templates/emails/<kind>.txt).
KIND_BY_TARGET = {
    "tasks": "task_opened",
    "remind": "deadline_soon",
    "overdue": "overdue",
    "reminder": "reminder",
    "role": "supervise",
    "applicant_org": "case_update",
    "assignees": "case_update",
}


def users_holding(role: str, region_code: str | None, organisation_id: int | None = None):
    """Active users with ``role`` whose scope covers the region (or the organisation)."""
    target = SimpleNamespace(region_code=region_code, organisation_id=organisation_id)
    rows = db.session.execute(
        select(User, RoleAssignment)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == role, User.disabled.is_(False))
    ).all()
    found = {}
    for user, assignment in rows:
        if assignment_covers(assignment, target, user.id):
            found[user.id] = user
    return list(found.values())


def task_recipients(task: Task) -> list[User]:
    holder_id = task.assignee_id or task.claimed_by_id
    if holder_id:
        user = db.session.get(User, holder_id)
        return [user] if user is not None and not user.disabled else []
    return users_holding(task.role, task.region_code, task.organisation_id)


def recipients(row, case: Case | None) -> list[tuple[User, Task | None]]:
    payload = row.payload or {}
    to = payload.get("to")
    if to in ("tasks", "remind", "overdue", "reminder"):
        tasks = db.session.scalars(select(Task).where(Task.id.in_(payload.get("task_ids") or [])))
        return [(u, t) for t in tasks if t.status == "open" for u in task_recipients(t)]
    if to == "assignees" and case is not None:
        tasks = db.session.scalars(
            select(Task).where(Task.case_id == case.id, Task.status == "open")
        )
        return [(u, t) for t in tasks for u in task_recipients(t)]
    if to == "role":
        return [(u, None) for u in users_holding(payload["role"], payload.get("region_code"))]
    if to == "applicant_org":
        org_id = payload.get("organisation_id") or (case.applicant_org_id if case else None)
        return [(u, None) for u in users_holding("applicant", None, org_id)]
    return []


def params_for(row, case: Case | None, task: Task | None) -> dict:
    params: dict = {"to": row.payload.get("to")}
    if case is not None:
        params.update(reference=case.reference, workflow=case.workflow, state=case.state)
    if row.event_id:
        ev = db.session.get(CaseEvent, row.event_id)
        params.update(action=ev.action, from_state=ev.from_state, to_state=ev.to_state,
                      comment=ev.comment)  # fmt: skip
    if task is not None:
        params.update(task_kind=task.kind, stage=task.stage,
                      due_on=task.due_on.isoformat() if task.due_on else None)  # fmt: skip
    if row.payload.get("by"):
        params["by"] = row.payload["by"]
    return params


def notify(row) -> str:
    from caseflow.notify import mail

    case = db.session.get(Case, row.case_id) if row.case_id else None
    kind = KIND_BY_TARGET.get((row.payload or {}).get("to"), "case_update")
    already = set(db.session.scalars(
        select(Notification.user_id).where(Notification.outbox_id == row.id)
    ))  # fmt: skip
    created = []
    for user, task in recipients(row, case):
        if user.id in already:
            continue
        already.add(user.id)
        this_kind = "objection_opened" if task is not None and task.kind == "objection" and \
            kind == "task_opened" else kind  # fmt: skip
        note = Notification(user_id=user.id, outbox_id=row.id, case_id=row.case_id,
                            task_id=task.id if task else None, kind=this_kind,
                            params=params_for(row, case, task))  # fmt: skip
        db.session.add(note)
        created.append(note)
    try:
        db.session.commit()  # the in-app notifications stand before any mail goes out
    except IntegrityError:  # another runner wrote them first: that run did the work
        db.session.rollback()
        return "already notified by a concurrent run"
    # Mail after the commit: no transaction is held open during SMTP, and a retry of this row
    # finds the notifications written and sends nothing twice (at most once per recipient).
    statuses = [mail.deliver(note) for note in created]
    summary = f"notified {len(created)}"
    if statuses:
        counts = {s: statuses.count(s) for s in sorted(set(statuses))}
        summary += "; e-mail: " + ", ".join(f"{k} ×{v}" for k, v in counts.items())
    return summary


HANDLERS = {
    "notify_assignees": notify,
    "notify_applicant": notify,
    "notify_supervisor": notify,
}
