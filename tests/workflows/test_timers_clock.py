"""Timers and the licensing clock, in working days."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import Task, Timer
from caseflow.workdays import local_end_of_day_utc
from caseflow.workflows.clock import clock_status, fire_due_timers
from caseflow.workflows.errors import ActionRefused
from tests.workflows.conftest import act, drive, new_case

pytestmark = pytest.mark.usefixtures("ctx")


def at(day: date, hour=10) -> datetime:
    """``hour`` o'clock Asia/Shanghai on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)


def test_stage_deadline_counts_working_days_across_national_day():
    with time_machine.travel(at(date(2025, 9, 26)), tick=False):
        case = drive(new_case(), "intake")
    task = db.session.scalar(select(Task).where(Task.case_id == case.id, Task.status == "open"))
    # 5 working days after Fri 26 Sep 2025: Sun 28 (adjusted), Mon 29, Tue 30, Thu 9, Fri 10 Oct.
    assert task.due_on == date(2025, 10, 10)
    assert not task.due_provisional


def test_deadline_in_2027_is_provisional():
    with time_machine.travel(at(date(2026, 12, 28)), tick=False):
        case = drive(new_case(), "intake")
    task = db.session.scalar(select(Task).where(Task.case_id == case.id, Task.status == "open"))
    assert task.due_on.year == 2027 and task.due_provisional
    timer = db.session.scalar(select(Timer).where(Timer.case_id == case.id,
                                                  Timer.kind == "overdue"))  # fmt: skip
    assert timer.provisional


def test_supplement_lapses_when_its_period_ends_and_firing_twice_changes_nothing():
    start = date(2025, 3, 3)
    with time_machine.travel(at(start), tick=False):
        case = drive(new_case(), "intake")
        act(case, "return_for_supplement", "chengdu_reviewer", {"items": ["缺营业执照"]},
            comment="请补正")  # fmt: skip
    timer = db.session.scalar(select(Timer).where(Timer.case_id == case.id,
                                                  Timer.kind == "timeout"))  # fmt: skip
    due_day = date(2025, 3, 17)  # 10 working days after Mon 3 March 2025
    assert timer.due_at == local_end_of_day_utc(due_day)
    assert fire_due_timers(at(due_day, 23)).applied == 0  # not before the day has ended
    assert case.state == "supplement"
    result = fire_due_timers(at(due_day + timedelta(days=1), 9))
    assert result.applied == 1
    db.session.expire_all()
    assert case.state == "lapsed"
    seq = case.last_event_seq
    again = fire_due_timers(at(due_day + timedelta(days=2), 9))
    assert again.fired == 0 and case.last_event_seq == seq


def test_timer_for_a_state_the_case_has_left_is_skipped():
    start = date(2025, 3, 3)
    with time_machine.travel(at(start), tick=False):
        case = drive(new_case(), "intake")
        act(case, "return_for_supplement", "chengdu_reviewer", {"items": ["缺营业执照"]},
            comment="请补正")  # fmt: skip
    from caseflow.workflows import engine
    from tests.workflows.conftest import user

    with time_machine.travel(at(start + timedelta(days=1)), tick=False):
        item = engine.open_supplement_items(case)[0]
        engine.answer_supplement_item(case, user("school_clerk"), item.id, "已补")
        act(case, "resubmit", "school_clerk")
    result = fire_due_timers(at(date(2025, 3, 30)))
    assert result.applied == 0 and result.skipped >= 1
    assert case.state == "intake"


def test_licensing_clock_runs_pauses_and_extends_once():
    d0 = date(2025, 9, 22)  # Monday
    with time_machine.travel(at(d0), tick=False):
        case = drive(new_case(), "review")  # recommend starts the clock on d0
    status = clock_status(case, d0)
    assert (status.status, status.elapsed, status.limit) == ("running", 0, 20)
    # 4 working days later (23, 24, 25, 26 Sept) the province returns it for supplements.
    with time_machine.travel(at(date(2025, 9, 26)), tick=False):
        act(case, "return_for_supplement", "province_reviewer", {"items": ["补充材料"]},
            comment="请补正")  # fmt: skip
    paused = clock_status(case, date(2025, 10, 20))
    assert (paused.status, paused.elapsed) == ("paused", 4)  # the holiday does not matter
    from caseflow.workflows import engine
    from tests.workflows.conftest import assign_panels, user

    with time_machine.travel(at(date(2025, 10, 20)), tick=False):
        item = engine.open_supplement_items(case)[0]
        engine.answer_supplement_item(case, user("school_clerk"), item.id, "已补充")
        act(case, "resubmit", "school_clerk")
    running = clock_status(case, date(2025, 10, 22))
    assert (running.status, running.elapsed, running.remaining) == ("running", 6, 14)
    with time_machine.travel(at(date(2025, 10, 22)), tick=False):
        assign_panels(case)
        act(case, "send_to_panel", "province_reviewer")
        for who in ("expert1", "expert2", "expert3"):
            act(case, "score", who, {"score": 80})
        act(case, "extend", "leader", comment="需要补充调查")
        with pytest.raises(ActionRefused) as info:
            act(case, "extend", "leader", comment="再延长")
    assert info.value.code == "clock_already_extended"
    extended = clock_status(case, date(2025, 10, 22))
    assert (extended.limit, extended.extended) == (30, True)
