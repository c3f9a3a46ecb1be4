"""Reminders (催办): the applicant, or the stage's supervisor, nudges whoever holds a waiting task
— at most once per working day per task. A reminder is an event in the case's history and a
notification to the holders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.audit.chain import append_event
from caseflow.authz import assignment_covers
from caseflow.extensions import db
from caseflow.models import Case, Reminder, Task
from caseflow.timeutil import utcnow
from caseflow.workdays import current_calendar, to_local_date
from caseflow.workflows import registry
from caseflow.workflows.errors import refused

ALREADY = (
    "already_reminded",
    "今天已经催办过该待办，请下一个工作日再催办。",
    "This task was already reminded today; you can remind again on the next working day.",
)


def reminder_day(now: datetime):
    """The working day a reminder sent at ``now`` counts for (a weekend counts for Monday)."""
    cal = current_calendar()
    day = to_local_date(now)
    if cal.is_workday(day)[0]:
        return day
    return cal.add_workdays(day, 1).day


def reminder_role(task: Task, user, case: Case) -> str | None:
    """``applicant`` or ``supervisor`` when ``user`` may remind on ``task``, else None."""
    if not getattr(user, "is_authenticated", False) or user.id in (
        task.assignee_id,
        task.claimed_by_id,
    ):
        return None
    state = registry.get(case.workflow).state(case.state)
    for a in user.roles:
        if a.role == "applicant" and assignment_covers(a, case, user.id):
            return "applicant"
        if state.supervisor and a.role == state.supervisor and assignment_covers(a, case, user.id):
            return "supervisor"
    return None


def can_remind(task: Task, user, *, now: datetime | None = None) -> bool:
    case = db.session.get(Case, task.case_id)
    if task.status != "open" or task.kind != "stage" or case.state != task.stage:
        return False
    if reminder_role(task, user, case) is None:
        return False
    day = reminder_day(now or utcnow())
    sent = db.session.scalar(select(Reminder.id).where(Reminder.task_id == task.id,
                                                        Reminder.day == day))  # fmt: skip
    return sent is None


def send_reminder(task: Task, user, *, now: datetime | None = None) -> Reminder:
    from caseflow.workflows.engine import lock_case, write_outbox

    now = now or utcnow()
    case = db.session.get(Case, task.case_id)
    if task.status != "open" or task.kind != "stage" or case.state != task.stage:
        raise refused("task_closed", "该待办已办结。", "This task is no longer open.")
    role = reminder_role(task, user, case)
    if role is None:
        raise refused(
            "not_allowed_to_remind",
            "只有申报单位或该环节的督办人可以催办。",
            "Only the applicant or the stage's supervisor may send a reminder.",
        )
    day = reminder_day(now)
    try:
        reminder = Reminder(task_id=task.id, day=day, by_user_id=user.id, created_at=now)
        db.session.add(reminder)
        db.session.flush()
        lock_case(case, None)
        event = append_event(case, action="remind", occurred_at=now, actor=user, actor_role=role,
                             from_state=case.state, to_state=case.state,
                             details={"task_id": task.id, "sent_by": role},
                             policy_version=case.policy_version)  # fmt: skip
        db.session.flush()
        write_outbox(case, event, "notify_assignees",
                {"to": "reminder", "task_ids": [task.id], "by": user.display_name})  # fmt: skip
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise refused(*ALREADY) from None
    except Exception:
        db.session.rollback()
        raise
    return reminder
