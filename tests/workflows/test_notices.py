"""Public notices (公示) and objections (异议) at engine level, on the sample workflow."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from caseflow.audit.verify import verify_case
from caseflow.extensions import db
from caseflow.models import CaseEvent, Objection, OutboxMessage, Task, Timer
from caseflow.workflows import engine, notices, registry
from caseflow.workflows.clock import fire_due_timers
from caseflow.workflows.errors import ActionRefused, InvalidInput
from tests.workflows.conftest import drive, user

pytestmark = pytest.mark.usefixtures("ctx")

START = date(2025, 3, 3)  # a Monday; the 5-working-day notice ends on Monday 10 March
ENDS_ON = date(2025, 3, 10)


def at(day: date, hour=10) -> datetime:
    """``hour`` o'clock Asia/Shanghai on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)


def case_in_notice(amount=1000):
    with time_machine.travel(at(START), tick=False):
        data = {"amount": amount, "project": "数控实训基地", "contact_name": "张小三"}
        case = engine.create_case("test_permit", "standard", user("school_clerk"), data)
        drive(case, "notice")
    return case, notices.current_notice(case)


def file(notice, day=START, name="李四", contact="13800000000", text="申报材料与实际不符。"):
    return notices.file_objection(notice, name, contact, text, now=at(day, 11))


def events(case):
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.seq)))  # fmt: skip


def test_entering_notice_opens_a_masked_notice_for_the_period():
    _case, notice = case_in_notice()
    assert notice.status == "open" and notice.state == "notice"
    assert (notice.starts_on, notice.ends_on) == (START, ENDS_ON)
    values = {f["key"]: f["value"] for f in notice.content["fields"]}
    assert values == {"project": "数控实训基地", "contact_name": "张*三", "amount": 1000}
    assert "张小三" not in str(notice.content)


def test_an_objection_opens_a_task_for_province_reviewers_and_is_recorded():
    case, notice = case_in_notice()
    objection = file(notice)
    task = db.session.get(Task, objection.task_id)
    assert (task.kind, task.role, task.region_code, task.mode) == (
        "objection", "province_reviewer", "510000", "single")  # fmt: skip
    assert (task.stage, task.visit, task.status) == ("notice", case.entered_seq, "open")
    assert task.due_on == ENDS_ON  # 5 working days after Monday 3 March
    event = events(case)[-1]
    assert (event.action, event.actor_id, event.actor_role) == ("file_objection", None, "public")
    assert event.details["objection_id"] == objection.id and event.details["name"] == "李*"
    assert "13800000000" not in str(event.details) and "李四" not in str(event.details)
    outbox = db.session.scalar(select(OutboxMessage).where(OutboxMessage.event_id == event.id))
    assert outbox.effect == "notify_assignees"
    assert outbox.payload == {"to": "tasks", "task_ids": [task.id]}
    assert verify_case(case.reference).ok


def test_objection_input_is_checked_and_nothing_is_stored_on_error():
    _case, notice = case_in_notice()
    with pytest.raises(InvalidInput) as info:
        notices.file_objection(notice, " ", "", "x" * 5001, now=at(START, 11))
    assert set(info.value.errors) == {"name", "contact", "text"}
    assert info.value.errors["text"].code == "too_long"
    assert db.session.scalar(select(Objection.id)) is None


def test_filing_after_the_period_is_refused():
    case, notice = case_in_notice()
    seq = case.last_event_seq
    with pytest.raises(ActionRefused) as info:
        file(notice, day=ENDS_ON + timedelta(days=1))
    assert info.value.code == "notice_period_over"
    assert "2025-03-10" in info.value.message(False) and "ended" in info.value.message(True)
    file(notice, day=ENDS_ON)  # the last day itself is within the period
    db.session.expire_all()
    assert case.last_event_seq == seq + 1


def test_the_notice_end_waits_for_open_objections_then_a_dismissal_moves_the_case_on():
    case, notice = case_in_notice()
    objection = file(notice)
    result = fire_due_timers(at(ENDS_ON + timedelta(days=1), 9))
    assert result.refused == 1
    timer = db.session.scalar(select(Timer).where(Timer.case_id == case.id,
                                                  Timer.action == "notice_ends"))  # fmt: skip
    assert timer.outcome == "refused: objections_open"
    db.session.expire_all()
    assert case.state == "notice" and notice.status == "open"
    notices.resolve_objection(objection, user("province_reviewer"), False, "异议人未提供依据。",
                              now=at(ENDS_ON + timedelta(days=2)))  # fmt: skip
    db.session.expire_all()
    assert case.state == "approved" and notice.status == "closed"
    assert objection.status == "dismissed" and objection.resolution == "异议人未提供依据。"
    assert db.session.get(Task, objection.task_id).status == "done"
    assert [e.action for e in events(case)][-3:] == [
        "file_objection", "dismiss_objection", "notice_ends"]  # fmt: skip
    assert verify_case(case.reference).ok


def test_a_dismissal_during_the_period_lets_the_notice_continue_to_its_end():
    case, notice = case_in_notice()
    objection = file(notice)
    notices.resolve_objection(objection, user("province_reviewer2"), False, "无事实依据",
                              now=at(START + timedelta(days=1)))  # fmt: skip
    db.session.expire_all()
    assert case.state == "notice" and notice.status == "open"
    assert fire_due_timers(at(ENDS_ON + timedelta(days=1), 9)).applied == 1
    db.session.expire_all()
    assert case.state == "approved"


def test_uphold_sends_the_case_to_the_board_and_closes_every_objection():
    case, notice = case_in_notice()
    first, second = file(notice), file(notice, name="王五", text="场地为租赁。")
    notices.resolve_objection(first, user("province_reviewer"), True, "经核实，异议成立。",
                              now=at(START + timedelta(days=2)))  # fmt: skip
    db.session.expire_all()
    assert case.state == "board" and notice.status == "closed"
    assert (first.status, second.status) == ("upheld", "upheld")
    tasks = {o.id: db.session.get(Task, o.task_id) for o in (first, second)}
    assert (tasks[first.id].status, tasks[second.id].status) == ("done", "cancelled")
    last = events(case)[-1]
    assert (last.action, last.to_state, last.comment) == (
        "uphold_objection", "board", "经核实，异议成立。")  # fmt: skip
    assert verify_case(case.reference).ok


@pytest.mark.parametrize(("username", "code"), [
    ("chengdu_reviewer", "out_of_scope"),
    ("school_clerk", "own_organisation"),
    ("auditor", "separation_admin"),
    ("admin", "separation_admin"),
])  # fmt: skip
def test_only_the_objection_role_resolves(username, code):
    _case, notice = case_in_notice()
    objection = file(notice)
    with pytest.raises(ActionRefused) as info:
        notices.resolve_objection(objection, user(username), False, "理由")
    assert info.value.code == code
    assert not notices.may_resolve(objection, user(username))
    assert notices.may_resolve(objection, user("province_reviewer"))


def test_a_reason_is_required_and_an_objection_is_resolved_once():
    case, notice = case_in_notice()
    objection = file(notice)
    reviewer = user("province_reviewer")
    with pytest.raises(InvalidInput) as info:
        notices.resolve_objection(objection, reviewer, False, "  ")
    assert "reason" in info.value.errors
    notices.resolve_objection(objection, reviewer, False, "不成立", now=at(START, 15))
    with pytest.raises(ActionRefused) as info:
        notices.resolve_objection(objection, reviewer, True, "成立", now=at(START, 16))
    assert info.value.code == "objection_resolved"
    db.session.expire_all()
    assert case.state == "notice"


def test_when_the_notice_cannot_end_after_a_dismissal_the_dismissal_stands_and_a_timer_retries(
    monkeypatch,
):
    case, notice = case_in_notice()
    objection = file(notice)

    def broken_router(ctx):
        raise RuntimeError("the router cannot decide")

    monkeypatch.setitem(registry.ROUTERS, "test_by_amount", broken_router)
    fire_due_timers(at(ENDS_ON + timedelta(days=1), 9))
    notices.resolve_objection(objection, user("province_reviewer"), False, "不成立",
                              now=at(ENDS_ON + timedelta(days=2)))  # fmt: skip
    db.session.expire_all()
    assert case.state == "notice" and objection.status == "dismissed"
    retry = db.session.scalar(select(Timer).where(Timer.case_id == case.id,
                                                  Timer.action == "notice_ends",
                                                  Timer.fired_at.is_(None)))  # fmt: skip
    assert retry is not None and retry.state == "notice" and retry.visit == case.entered_seq
    assert verify_case(case.reference).ok


def test_case_objections_lists_every_objection_of_the_case():
    case, notice = case_in_notice()
    first, second = file(notice), file(notice, name="王五")
    assert [o.id for o in notices.case_objections(case)] == [first.id, second.id]


def test_the_objection_upheld_guard_admits_only_an_upheld_objection():
    case, notice = case_in_notice()
    objection = file(notice)
    guard = registry.GUARDS["objection_upheld"]
    context = SimpleNamespace(case=case)
    assert guard(context).code == "no_objection_upheld"  # a bare "uphold" button is refused
    objection.status = "upheld"  # what resolve_objection does before applying the action
    assert guard(context) is None
    db.session.rollback()
