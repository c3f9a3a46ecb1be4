"""Stage deadlines, durable timers and the licensing clock, in Chinese working days.

Dates are Asia/Shanghai calendar dates; the start day is not counted (民法典 第201条). A deadline
falling in a year the holiday calendar does not cover yet is *provisional*.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from caseflow.extensions import db
from caseflow.models import Case, CaseClock, Task, Timer
from caseflow.timeutil import utcnow
from caseflow.workdays import Deadline, current_calendar, local_end_of_day_utc, to_local_date
from caseflow.workflows.definition import number_on

log = logging.getLogger("caseflow.timers")


def local_date(value: datetime) -> date:
    return to_local_date(value)


def stage_deadline(state, today: date) -> Deadline | None:
    """The deadline of a state entered on ``today``; a time limit given as policy data is the
    value in effect on that day."""
    limit = number_on(state, "time_limit", today)
    if not limit:
        return None
    cal = current_calendar()
    if state.time_unit in ("months", "years"):
        day = cal.add_months(today, limit * 12 if state.time_unit == "years" else limit)
        return Deadline(day, cal.is_workday(day)[1], cal.version)
    return cal.add_workdays(today, limit)


def reminder_day(due: date, days: int) -> date | None:
    """The working day ``days`` working days before ``due`` (None if that is not in the future)."""
    cal = current_calendar()
    day = due
    for _ in range(days * 7 + 30):
        day -= timedelta(days=1)
        if cal.is_workday(day)[0] and cal.workdays_between(day, due)[0] >= days:
            return day
    return None


def set_state_timers(case: Case, state, due: Deadline | None, now: datetime) -> None:
    """Timers for a state just entered: its time-out action, or reminder and overdue notices."""
    if due is None:
        return
    common = {"case_id": case.id, "state": state.key, "visit": case.entered_seq,
              "provisional": due.provisional, "calendar_version": due.calendar_version}  # fmt: skip
    end = local_end_of_day_utc(due.day)
    if state.on_timeout:
        db.session.add(Timer(kind="timeout", action=state.on_timeout, due_at=end, **common))
        return
    if state.is_stage or state.kind == "applicant":
        db.session.add(Timer(kind="overdue", due_at=end, **common))
        remind_on = reminder_day(due.day, state.reminder_days)
        if remind_on is not None and remind_on > local_date(now):
            start = local_end_of_day_utc(remind_on - timedelta(days=1))
            db.session.add(Timer(kind="reminder", due_at=start, **common))


# ---------------------------------------------------------------------------------------------
# The licensing clock


def on_transition(ctx, old, new, moved: bool, op: str | None, details: dict) -> None:
    """Move the case's licensing clock for a transition from ``old`` to ``new``."""
    wf_clock = ctx.workflow.clock
    if wf_clock is None:
        return
    case, today = ctx.case, ctx.today
    clock = case.clock
    cal = current_calendar()
    if op == "start" and clock is None:
        limit = number_on(wf_clock, "limit_days", today)  # policy data: the figure of the day
        clock = CaseClock(case=case, limit_days=limit, started_on=today,
                          calendar_version=cal.version)  # fmt: skip
        db.session.add(clock)
        if new.clock == "runs":
            clock.running_since = today
        details["clock"] = {"started_on": today.isoformat(), "limit_days": limit}
        return
    if clock is None or clock.started_on is None or clock.stopped_on is not None:
        return
    if op == "extend":
        extension = number_on(wf_clock, "extension_days", today)
        clock.extended_days += extension
        details["clock"] = {"extended_by": extension}
    if moved or op == "stop":
        if clock.running_since is not None:
            clock.elapsed_days += cal.workdays_between(clock.running_since, today)[0]
            clock.running_since = None
        if op == "stop" or new.is_terminal:
            clock.stopped_on = today
        elif new.clock == "runs":
            clock.running_since = today
        clock.calendar_version = cal.version


@dataclass(frozen=True)
class ClockStatus:
    status: str  # not_started | running | paused | stopped
    elapsed: int
    limit: int
    remaining: int
    deadline: date | None
    provisional: bool
    extended: bool
    calendar_version: str


def clock_status(case: Case, today: date | None = None) -> ClockStatus | None:
    clock = case.clock
    if clock is None:
        return None
    cal = current_calendar()
    today = today or local_date(utcnow())
    elapsed, provisional = clock.elapsed_days, False
    if clock.running_since is not None:
        running, provisional = cal.workdays_between(clock.running_since, today)
        elapsed += running
    limit = clock.limit_days + clock.extended_days
    remaining = limit - elapsed
    deadline = None
    if clock.running_since is not None and remaining > 0:
        d = cal.add_workdays(today, remaining)
        deadline, provisional = d.day, provisional or d.provisional
    if clock.stopped_on is not None:
        status = "stopped"
    elif clock.running_since is not None:
        status = "running"
    else:
        status = "paused"
    return ClockStatus(status, elapsed, limit, remaining, deadline, provisional,
                       clock.extended_days > 0, cal.version)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Firing timers


@dataclass
class FireResult:
    fired: int = 0
    applied: int = 0
    skipped: int = 0
    notified: int = 0
    refused: int = 0
    failed: int = 0


def fire_due_timers(now: datetime | None = None, limit: int = 500) -> FireResult:
    """Fire every timer due by ``now``. Idempotent: a timer fires once, whoever calls first;
    a timer whose case has left the state (or the visit) it was set for is skipped."""
    from caseflow.workflows import engine
    from caseflow.workflows.errors import WorkflowError

    now = now or utcnow()
    result = FireResult()
    ids = list(
        db.session.scalars(
            select(Timer.id)
            .where(Timer.fired_at.is_(None), Timer.due_at <= now)
            .order_by(Timer.due_at, Timer.id)
            .limit(limit)
        )
    )
    db.session.rollback()
    for timer_id in ids:
        claimed = db.session.execute(
            update(Timer)
            .where(Timer.id == timer_id, Timer.fired_at.is_(None))
            .values(fired_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            db.session.rollback()
            continue
        timer = db.session.get(Timer, timer_id)
        case = db.session.get(Case, timer.case_id)
        result.fired += 1
        if case.state != timer.state or case.entered_seq != timer.visit:
            timer.outcome = "skipped: case moved on"
            result.skipped += 1
            db.session.commit()
            continue
        try:
            if timer.action:
                timer.outcome = "applied"
                engine.apply(case, timer.action, engine.SYSTEM, now=now)
                result.applied += 1
            else:
                _notify_for_timer(case, timer, now)
                timer.outcome = "notified"
                db.session.commit()
                result.notified += 1
        except Exception as exc:  # one bad timer must not hold back the ones behind it
            db.session.rollback()
            if isinstance(exc, WorkflowError):
                outcome, result.refused = f"refused: {exc.code}", result.refused + 1
            else:
                log.exception("timer %s on case %s failed", timer_id, case.reference)
                outcome, result.failed = f"error: {exc.__class__.__name__}", result.failed + 1
            db.session.execute(
                update(Timer).where(Timer.id == timer_id).values(fired_at=now, outcome=outcome)
            )
            db.session.commit()
    return result


def _notify_for_timer(case: Case, timer: Timer, now: datetime) -> None:
    """A reminder before a deadline, or an overdue notice to the stage's supervisor (督办);
    both are recorded in the case's history."""
    from caseflow.audit.chain import append_event
    from caseflow.workflows import registry
    from caseflow.workflows.engine import lock_case, write_outbox

    state = registry.get(case.workflow).state(case.state)
    open_ids = list(
        db.session.scalars(
            select(Task.id).where(
                Task.case_id == case.id, Task.status == "open", Task.visit == timer.visit
            )
        )
    )
    lock_case(case, None)
    kind = "overdue" if timer.kind == "overdue" else "remind"
    event = append_event(case, action=kind, occurred_at=now, from_state=case.state,
                         to_state=case.state, details={"task_ids": open_ids, "timer_id": timer.id},
                         policy_version=case.policy_version)  # fmt: skip
    db.session.flush()
    write_outbox(case, event, "notify_assignees", {"to": kind, "task_ids": open_ids})
    if kind == "overdue" and state.supervisor:
        write_outbox(case, event, "notify_supervisor",
                {"to": "role", "role": state.supervisor, "region_code": case.region_code,
                 "task_ids": open_ids})  # fmt: skip
