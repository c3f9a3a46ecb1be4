"""Review findings on the workflow engine: each test pins one rule the engine must keep."""

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from caseflow.extensions import db
from caseflow.models import (
    CaseEvent,
    CaseParticipant,
    OutboxMessage,
    Task,
    Timer,
)
from caseflow.workflows import engine, registry
from caseflow.workflows.clock import fire_due_timers
from caseflow.workflows.definition import Transition
from caseflow.workflows.errors import ActionRefused, InvalidInput, WorkflowError
from tests.workflows.conftest import act, drive, new_case, user
from tests.workflows.flow import TEST_FLOW

pytestmark = pytest.mark.usefixtures("ctx")


def at(day: date, hour=10) -> datetime:
    """``hour`` o'clock Asia/Shanghai on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)


def events(case):
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.seq)))  # fmt: skip


def open_task(case, stage):
    return db.session.scalar(select(Task).where(Task.case_id == case.id, Task.stage == stage,
                                                Task.status == "open"))  # fmt: skip


def make_user(username, org_of, roles):
    from caseflow.accounts import create_user

    person, _ = create_user(username=username, org=user(org_of).organisation, role_specs=roles,
                            password="Review-pass-2026x")  # fmt: skip
    db.session.commit()
    return person


# --- input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [[80], {"value": 80}])
def test_score_of_the_wrong_type_is_invalid_input_not_a_crash(bad):
    case = drive(new_case(), "panel")
    before = case.last_event_seq
    with pytest.raises(InvalidInput) as info:
        act(case, "score", "expert1", {"score": bad})
    assert "score" in info.value.errors
    db.session.expire_all()
    assert case.last_event_seq == before and case.state == "panel"


# --- tasks left inconsistent --------------------------------------------------------------------


def test_withdrawal_cancels_the_reviewers_task_instead_of_completing_it_as_the_applicant():
    case = drive(new_case(), "intake")
    task = open_task(case, "intake")
    act(case, "withdraw", "school_clerk")
    assert case.state == "withdrawn"
    db.session.refresh(task)
    assert task.status == "cancelled"
    assert task.completed_by_id != user("school_clerk").id


# --- separation of duties -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "auditor", "school_clerk"])
def test_assign_panel_is_refused_to_admins_auditors_and_the_applicant(who):
    case = drive(new_case(), "review")
    before = case.last_event_seq
    experts = [user("expert1"), user("expert2"), user("expert3")]
    with pytest.raises(ActionRefused):
        engine.assign_panel(case, "panel", experts, user(who), "expert")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CaseParticipant)
                             .where(CaseParticipant.case_id == case.id,
                                    CaseParticipant.stage == "panel")) == 0  # fmt: skip
    assert case.last_event_seq == before


def test_an_auditor_holding_a_reviewer_role_cannot_countersign():
    audit_reviewer = make_user("audit_rev", "chengdu_reviewer", ["auditor", "city_reviewer"])
    case = drive(new_case(), "intake")
    task = open_task(case, "intake")
    engine.claim(task, user("chengdu_reviewer"))
    try:
        new = engine.add_cosigner(task, user("chengdu_reviewer"), audit_reviewer, before=True)
    except ActionRefused as exc:  # refusing the co-signer up front is one correct fix
        assert exc.code == "separation_admin"
        return
    with pytest.raises(ActionRefused) as info:
        engine.countersign(new, audit_reviewer, "同意")
    assert info.value.code == "separation_admin"


def test_a_task_is_never_handed_over_to_an_auditor():
    audit_reviewer = make_user("audit_rev", "chengdu_reviewer", ["auditor", "city_reviewer"])
    case = drive(new_case(), "intake")
    task = open_task(case, "intake")
    engine.claim(task, user("chengdu_reviewer"))
    with pytest.raises(ActionRefused):
        engine.handover(task, user("chengdu_reviewer"), audit_reviewer, "请代办")
    db.session.refresh(task)
    assert task.claimed_by_id == user("chengdu_reviewer").id


# --- panel assignment ---------------------------------------------------------------------------


def test_assigning_the_same_expert_twice_is_a_refusal_not_an_integrity_error():
    case = drive(new_case(), "review")
    engine.assign_panel(case, "panel", [user("expert1")], user("province_reviewer"), "expert")
    with pytest.raises(WorkflowError):
        engine.assign_panel(case, "panel", [user("expert1")], user("province_reviewer"), "expert")
    # The session is still usable and nothing extra was written.
    assert db.session.scalar(select(func.count()).select_from(CaseParticipant)
                             .where(CaseParticipant.case_id == case.id)) == 1  # fmt: skip


# --- co-signing ---------------------------------------------------------------------------------


def test_the_same_cosigner_cannot_be_added_twice_and_countersign_twice():
    case = drive(new_case(), "intake")
    task = open_task(case, "intake")
    holder, colleague = user("chengdu_reviewer"), user("chengdu_reviewer2")
    engine.claim(task, holder)
    engine.add_cosigner(task, holder, colleague, before=True)
    with pytest.raises(ActionRefused):
        engine.add_cosigner(task, holder, colleague, before=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Task).where(
        Task.case_id == case.id, Task.stage == "intake", Task.status == "open",
        Task.assignee_id == colleague.id)) == 1  # fmt: skip


# --- timers -------------------------------------------------------------------------------------


def _make_intake_overdue():
    start = date(2025, 3, 3)  # Monday; intake is due 5 working days later, Mon 10 March
    with time_machine.travel(at(start), tick=False):
        case = drive(new_case(), "intake")
    timer = db.session.scalar(select(Timer).where(Timer.case_id == case.id,
                                                  Timer.kind == "overdue"))  # fmt: skip
    assert timer is not None
    result = fire_due_timers(timer.due_at + timedelta(hours=1))
    assert result.notified >= 1
    return case, timer


def test_overdue_notice_names_the_supervisor_of_the_stage():
    case, _timer = _make_intake_overdue()
    row = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.case_id == case.id, OutboxMessage.effect == "notify_supervisor"))  # fmt: skip
    assert row is not None
    # intake's supervisor (督办) is the province reviewer; the notice must say whom to tell.
    assert row.payload.get("role") == "province_reviewer", row.payload


def test_reminders_and_overdue_notices_are_recorded_as_case_events():
    case, _ = _make_intake_overdue()
    db.session.expire_all()
    actions = [e.action for e in events(case)]
    assert "overdue" in actions and "remind" in actions, actions


def test_one_failing_timer_does_not_stop_the_others():
    start = date(2025, 3, 3)
    with time_machine.travel(at(start), tick=False):
        broken = drive(new_case(), "notice")
        good = drive(new_case(amount=1000), "notice")
    # Data the router cannot read (as if written before the form's type check existed).
    broken.data = {**broken.data, "amount": "unknown"}
    db.session.commit()
    later = at(start + timedelta(days=30))
    try:
        fire_due_timers(later)
    except Exception as exc:
        pytest.fail(f"fire_due_timers raised {exc!r}; the good case's timer never fired")
    db.session.expire_all()
    assert good.state == "approved"
    assert broken.state == "notice"


# --- definitions --------------------------------------------------------------------------------

PROVINCE = frozenset({"province_reviewer"})
CITY = frozenset({"city_reviewer"})


@registry.router("review_findings_bad_router", targets=("nowhere",))
def _bad_router(ctx):
    return "nowhere"


def with_transition(t):
    return dataclasses.replace(TEST_FLOW, transitions=(*TEST_FLOW.transitions, t))


def test_validate_catches_the_same_action_twice_from_one_state():
    wf = with_transition(Transition("recommend", ("intake",), "推荐", "Recommend",
                                    target="rejected", roles=CITY))  # fmt: skip
    assert registry.problems(wf), "the second `recommend` from intake is silently ignored"


def test_validate_catches_a_router_that_declares_an_undefined_target():
    wf = with_transition(Transition("x", ("intake",), "x", "x",
                                    router="review_findings_bad_router", roles=CITY))  # fmt: skip
    assert any("nowhere" in p for p in registry.problems(wf)), registry.problems(wf)


def test_validate_catches_a_supplement_return_without_an_items_field():
    wf = with_transition(Transition("return2", ("review",), "退回", "Return", target="supplement",
                                    roles=PROVINCE, kind="return_supplement",
                                    comment="required"))  # fmt: skip
    # validate_input always demands `items`, so this transition could never be taken.
    assert registry.problems(wf)


def test_validate_catches_a_non_terminal_state_without_exits():
    states = tuple(
        dataclasses.replace(
            s, kind="stage", mode="single", assign=TEST_FLOW.state("finance").assign
        )
        if s.key == "lapsed"
        else s
        for s in TEST_FLOW.states
    )  # fmt: skip
    wf = dataclasses.replace(TEST_FLOW, states=states)
    assert any("lapsed" in p for p in registry.problems(wf)), registry.problems(wf)


def test_validate_catches_a_return_to_a_stage_that_is_not_a_stage():
    wf = with_transition(Transition("back", ("board",), "退回", "Back", target="approved",
                                    roles=frozenset({"leader"}), kind="return_stage",
                                    comment="required"))  # fmt: skip
    assert registry.problems(wf)


# --- panel members added while the stage is open ----------------------------------------------


def test_a_panel_member_added_during_the_stage_is_notified_of_the_new_task():
    case = drive(new_case(), "board")
    leader2 = make_user("leader2", "leader", ["leader"])
    engine.assign_panel(case, "board", [leader2], user("province_reviewer"), "leader")
    task = db.session.scalar(select(Task).where(Task.case_id == case.id, Task.stage == "board",
                                                Task.assignee_id == leader2.id))  # fmt: skip
    assert task is not None and task.status == "open"
    notified = [
        m.payload.get("task_ids") or []
        for m in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.case_id == case.id, OutboxMessage.effect == "notify_assignees"))
    ]  # fmt: skip
    assert any(task.id in ids for ids in notified), notified


# --- passing: rules that held but had no test ---------------------------------------------------


def test_handover_to_oneself_is_refused():
    case = drive(new_case(), "intake")
    task = open_task(case, "intake")
    engine.claim(task, user("chengdu_reviewer"))
    with pytest.raises(ActionRefused) as info:
        engine.handover(task, user("chengdu_reviewer"), user("chengdu_reviewer"), "自己")
    assert info.value.code == "handover_target"


def test_task_operations_on_a_closed_task_are_refused():
    case = drive(new_case(), "intake")
    task = open_task(case, "intake")
    engine.claim(task, user("chengdu_reviewer"))
    act(case, "recommend", "chengdu_reviewer")
    db.session.refresh(task)
    assert task.status == "done"
    before = case.last_event_seq
    for op in (
        lambda: engine.release(task, user("chengdu_reviewer")),
        lambda: engine.claim(task, user("chengdu_reviewer2")),
        lambda: engine.handover(task, user("chengdu_reviewer"), user("chengdu_reviewer2"), "x"),
        lambda: engine.add_cosigner(
            task, user("chengdu_reviewer"), user("chengdu_reviewer2"), before=True
        ),
        lambda: engine.countersign(task, user("chengdu_reviewer"), "x"),
    ):
        with pytest.raises(ActionRefused) as info:
            op()
        assert info.value.code == "task_closed"
    assert case.last_event_seq == before


def test_an_any_stage_cannot_be_signed_a_second_time():
    case = drive(new_case(), "board")
    leader2 = make_user("leader2", "leader", ["leader"])
    engine.assign_panel(case, "board", [leader2], user("province_reviewer"), "leader")
    act(case, "approve", "leader")
    assert case.state == "notice"
    seq = case.last_event_seq
    with pytest.raises(ActionRefused) as info:
        engine.apply(case, "approve", leader2, {}, comment="同意")
    assert info.value.code == "unknown_action"
    assert case.last_event_seq == seq
    assert db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "approve")) == 1  # fmt: skip


ACTORS = ("school_clerk", "college_clerk", "chengdu_reviewer", "chengdu_reviewer2",
          "mianyang_reviewer", "province_reviewer", "province_reviewer2", "leader", "expert1",
          "expert2", "chengdu_finance", "admin", "auditor")  # fmt: skip
DATA = {"score": {"score": 80}, "return_for_supplement": {"items": ["缺材料"]}}


@pytest.mark.parametrize("state", ["draft", "intake", "review", "panel", "board"])
def test_available_actions_agree_with_apply(state):
    """What available_actions offers, apply accepts; what it does not offer, apply refuses."""
    case = drive(new_case(), state)
    for who in ACTORS:
        offered = {a.action for a in engine.available_actions(case, user(who))}
        for t in TEST_FLOW.transitions_from(state):
            if t.roles == {"system"}:
                continue
            if t.action in offered:
                fresh = drive(new_case(), state)
                act(fresh, t.action, who, DATA.get(t.action), comment="理由")
            else:
                with pytest.raises(WorkflowError):
                    act(case, t.action, who, DATA.get(t.action), comment="理由")
                db.session.expire_all()
                assert case.state == state
