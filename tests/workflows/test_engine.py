"""The engine on the test workflow: permissions, sign-off modes, supplements, SoD, tasks."""

import pytest
from sqlalchemy import func, select

from caseflow.audit.chain import compute_hash, event_fields
from caseflow.extensions import db
from caseflow.models import CaseEvent, ConflictDeclaration, OutboxMessage, Task
from caseflow.workflows import engine
from caseflow.workflows.errors import ActionRefused, InvalidInput, StaleCase
from tests.workflows.conftest import act, drive, new_case, user

pytestmark = pytest.mark.usefixtures("ctx")


def events(case):
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.seq)))  # fmt: skip


def chain_ok(case) -> bool:
    prev = None
    for e in events(case):
        if e.prev_hash != prev or compute_hash(prev, event_fields(e)) != e.hash:
            return False
        prev = e.hash
    return case.chain_head == prev


# (state, action, actor, expected: "ok" or the refusal code)
TABLE = [
    ("draft", "submit", "school_clerk", "ok"),
    ("draft", "submit", "college_clerk", "not_applicant_of_case"),  # another organisation
    ("draft", "submit", "chengdu_reviewer", "not_applicant_of_case"),
    ("draft", "submit", "admin", "separation_admin"),
    ("draft", "recommend", "chengdu_reviewer", "unknown_action"),
    ("intake", "recommend", "chengdu_reviewer", "ok"),
    ("intake", "recommend", "chengdu_reviewer2", "ok"),
    ("intake", "recommend", "mianyang_reviewer", "out_of_scope"),  # another city
    ("intake", "recommend", "province_reviewer", "out_of_scope"),
    ("intake", "recommend", "auditor", "separation_admin"),
    ("intake", "recommend", "school_clerk", "own_organisation"),
    ("intake", "recommend", "college_clerk", "out_of_scope"),
    ("intake", "withdraw", "school_clerk", "ok"),
    ("intake", "reject", "chengdu_reviewer", "ok"),
    ("review", "send_to_panel", "province_reviewer", "panel_too_small"),
    ("review", "send_to_panel", "chengdu_reviewer", "acted_in_other_stage"),
    ("review", "send_to_panel", "chengdu_reviewer2", "out_of_scope"),
    ("review", "recommend", "province_reviewer", "unknown_action"),
    ("panel", "score", "expert1", "ok"),
    ("panel", "score", "province_reviewer", "acted_in_other_stage"),
    ("panel", "score", "province_reviewer2", "not_assigned"),
    ("panel", "send_back", "expert2", "ok"),
    ("board", "approve", "leader", "ok"),
    ("board", "approve", "expert1", "acted_in_other_stage"),
    ("board", "approve", "chengdu_finance", "not_assigned"),
    ("board", "withdraw", "school_clerk", "unknown_action"),  # no withdrawal after review
    ("notice", "notice_ends", "province_reviewer", "out_of_scope"),
    ("notice", "notice_ends", "system", "ok"),
]


@pytest.mark.parametrize(("state", "action", "actor", "expected"), TABLE)
def test_permission_table(state, action, actor, expected):
    case = drive(new_case(), state)
    before = case.last_event_seq
    data = {"score": 75} if action == "score" else {}
    if expected == "ok":
        act(case, action, actor, data)
        assert case.last_event_seq == before + 1
    else:
        with pytest.raises(ActionRefused) as info:
            act(case, action, actor, data)
        assert info.value.code == expected
        assert info.value.message(False) and info.value.message(True)
        db.session.expire_all()
        assert case.last_event_seq == before and case.state == state
    assert chain_ok(case)


def test_whole_path_small_amount_ends_approved():
    case = drive(new_case(amount=1000), "notice")
    act(case, "notice_ends", "system")
    assert case.state == "approved" and case.closed_at is not None
    assert [e.action for e in events(case)] == [
        "create", "assign_panel", "assign_panel", "submit", "recommend", "send_to_panel",
        "score", "score", "score", "approve", "notice_ends",
    ]  # fmt: skip
    assert chain_ok(case)


def test_router_sends_large_amounts_to_finance():
    case = drive(new_case(amount=600_000), "notice")
    act(case, "notice_ends", "system")
    assert case.state == "finance"
    act(case, "pay", "chengdu_finance")
    assert case.state == "approved"


def test_all_mode_waits_for_every_signature():
    case = drive(new_case(), "panel")
    act(case, "score", "expert1", {"score": 90})
    act(case, "score", "expert2", {"score": 70})
    assert case.state == "panel"
    with pytest.raises(ActionRefused):  # each person signs once
        act(case, "score", "expert2", {"score": 70})
    act(case, "score", "expert3", {"score": 80})
    assert case.state == "board"
    statuses = db.session.scalars(select(Task.status).where(Task.stage == "panel")).all()
    assert sorted(statuses) == ["done", "done", "done"]


def test_a_single_refusal_in_an_all_stage_follows_the_definition():
    case = drive(new_case(), "panel")
    act(case, "score", "expert1", {"score": 90})
    act(case, "send_back", "expert2", comment="材料不实")
    assert case.state == "review"
    panel = db.session.scalars(select(Task.status).where(Task.stage == "panel")).all()
    assert sorted(panel) == ["cancelled", "done", "done"]


def test_any_mode_first_signature_completes_and_cancels_the_rest():
    case = drive(new_case(), "board")
    engine.assign_panel(case, "board", [user("province_reviewer2")], user("province_reviewer"),
                        "province_reviewer")  # fmt: skip
    act(case, "approve", "leader")
    assert case.state == "notice"
    board = db.session.scalars(select(Task.status).where(Task.stage == "board")).all()
    assert sorted(board) == ["cancelled", "done"]


def test_invalid_input_lists_fields():
    case = drive(new_case(), "panel")
    with pytest.raises(InvalidInput) as info:
        act(case, "score", "expert1", {"score": 101})
    assert "score" in info.value.errors
    with pytest.raises(InvalidInput) as info:
        act(case, "score", "expert1", {})
    assert info.value.errors["score"].code == "required"
    case2 = drive(new_case(), "intake")
    with pytest.raises(InvalidInput) as info:
        act(case2, "reject", "chengdu_reviewer", comment="")
    assert "comment" in info.value.errors


def test_rejection_carries_reasons_and_remedies():
    case = drive(new_case(), "intake")
    act(case, "reject", "chengdu_reviewer", comment="不符合设置标准")
    last = events(case)[-1]
    assert case.state == "rejected"
    assert last.comment == "不符合设置标准"
    assert last.details["remedies"] == {"reconsideration_days": 60, "litigation_months": 6}


def test_supplement_goes_back_to_the_stage_that_returned_it():
    case = drive(new_case(), "review")
    act(case, "return_for_supplement", "province_reviewer",
        {"items": ["可行性报告缺少第三章", "土地证明模糊"]}, comment="请补正")  # fmt: skip
    assert case.state == "supplement" and case.returned_from == "review"
    items = engine.open_supplement_items(case)
    assert [i.text for i in items] == ["可行性报告缺少第三章", "土地证明模糊"]
    with pytest.raises(ActionRefused) as info:
        act(case, "resubmit", "school_clerk")
    assert info.value.code == "supplement_unanswered"
    for item in items:
        engine.answer_supplement_item(case, user("school_clerk"), item.id, f"已补充：{item.text}")
    act(case, "resubmit", "school_clerk")
    assert case.state == "review" and case.returned_from is None
    assert chain_ok(case)


def test_supplement_needs_items():
    case = drive(new_case(), "intake")
    with pytest.raises(InvalidInput) as info:
        act(case, "return_for_supplement", "chengdu_reviewer", {"items": "  \n "}, comment="x")
    assert "items" in info.value.errors


def test_stale_version_is_refused_and_writes_nothing():
    case = drive(new_case(), "intake")
    old = case.version
    act(case, "recommend", "chengdu_reviewer")
    with pytest.raises(StaleCase):
        act(case, "send_to_panel", "province_reviewer", expected_version=old)
    assert case.version == old + 1


def test_version_only_grows_and_outbox_rows_are_written():
    case = new_case()
    versions = [case.version]
    for action, who in (("submit", "school_clerk"), ("recommend", "chengdu_reviewer")):
        act(case, action, who)
        versions.append(case.version)
    assert versions == sorted(set(versions))
    effects = db.session.scalars(select(OutboxMessage.effect).where(
        OutboxMessage.case_id == case.id)).all()  # fmt: skip
    assert "notify_applicant" in effects and "notify_assignees" in effects


# --- separation of duties ---------------------------------------------------------------------


def test_nobody_reviews_their_own_organisation():
    from caseflow.accounts import create_user

    school = user("school_clerk").organisation
    insider, _ = create_user(username="insider", org=school, role_specs=["city_reviewer"],
                             password="Inside-pass-2026")  # fmt: skip
    db.session.commit()
    case = drive(new_case(), "intake")
    with pytest.raises(ActionRefused) as info:
        engine.apply(case, "recommend", insider, {})
    assert info.value.code == "own_organisation"


def test_nobody_acts_in_two_sign_off_stages():
    from caseflow.accounts import create_user

    hrss = user("province_reviewer").organisation
    dual, _ = create_user(username="dual", org=hrss,
                          role_specs=["city_reviewer:510100", "province_reviewer"],
                          password="Two-roles-2026x")  # fmt: skip
    db.session.commit()
    case = drive(new_case(), "intake")
    engine.apply(case, "recommend", dual, {})
    with pytest.raises(ActionRefused) as info:
        engine.apply(case, "send_to_panel", dual, {})
    assert info.value.code == "acted_in_other_stage"
    assert "Intake" in info.value.message(True)


def test_conflicted_experts_are_never_assigned():
    case = drive(new_case(), "review")
    db.session.add(
        ConflictDeclaration(
            user_id=user("expert2").id, organisation_id=case.applicant_org_id, reason="前同事"
        )
    )
    db.session.commit()
    with pytest.raises(ActionRefused) as info:
        engine.assign_panel(case, "panel", [user("expert1"), user("expert2")],
                            user("province_reviewer"), "expert")  # fmt: skip
    assert info.value.code == "conflict"
    assert db.session.scalar(select(func.count()).select_from(Task)
                             .where(Task.stage == "panel")) == 0  # fmt: skip


# --- task operations ----------------------------------------------------------------------------


def intake_task(case):
    return db.session.scalar(select(Task).where(Task.case_id == case.id, Task.stage == "intake",
                                                Task.status == "open"))  # fmt: skip


def test_claim_release_and_handover():
    case = drive(new_case(), "intake")
    task = intake_task(case)
    engine.claim(task, user("chengdu_reviewer"))
    with pytest.raises(ActionRefused) as info:
        engine.claim(task, user("chengdu_reviewer2"))
    assert info.value.code == "claimed_by_other"
    with pytest.raises(ActionRefused) as info:
        act(case, "recommend", "chengdu_reviewer2")
    assert info.value.code == "claimed_by_other"
    with pytest.raises(ActionRefused):
        engine.handover(task, user("chengdu_reviewer"), user("mianyang_reviewer"), "请协助")
    with pytest.raises(InvalidInput):
        engine.handover(task, user("chengdu_reviewer"), user("chengdu_reviewer2"), " ")
    engine.handover(task, user("chengdu_reviewer"), user("chengdu_reviewer2"), "休假，请代办")
    assert task.claimed_by_id == user("chengdu_reviewer2").id
    engine.release(task, user("chengdu_reviewer2"))
    assert task.claimed_by_id is None
    act(case, "recommend", "chengdu_reviewer")
    assert [e.action for e in events(case)][-4:] == ["claim", "handover", "release", "recommend"]
    # Claims and hand-overs are not decisions: the claimer may still act in another stage.
    assert engine.acted_in_other_stage(case, user("chengdu_reviewer2"), flow_wf(), "review") is None


def flow_wf():
    from caseflow.workflows import registry

    return registry.get("test_permit")


def test_cosigner_after_decides_after_the_holder_countersigns():
    case = drive(new_case(), "intake")
    task = intake_task(case)
    engine.claim(task, user("chengdu_reviewer"))
    engine.add_cosigner(task, user("chengdu_reviewer"), user("chengdu_reviewer2"), before=False)
    with pytest.raises(ActionRefused) as info:
        act(case, "recommend", "chengdu_reviewer")
    assert info.value.code == "cosigners_pending"
    with pytest.raises(ActionRefused):
        engine.countersign(intake_task_for(case, "chengdu_reviewer2"), user("chengdu_reviewer2"),
                           "同意")  # fmt: skip
    engine.countersign(task, user("chengdu_reviewer"), "初核无误")
    act(case, "recommend", "chengdu_reviewer2")
    assert case.state == "review"


def intake_task_for(case, username):
    return db.session.scalar(select(Task).where(Task.case_id == case.id, Task.stage == "intake",
                                                Task.assignee_id == user(username).id))  # fmt: skip


def test_available_actions_follow_role_scope_and_state():
    case = drive(new_case(), "intake")
    names = lambda who: {a.action for a in engine.available_actions(case, user(who))}  # noqa: E731
    assert names("chengdu_reviewer") == {"recommend", "return_for_supplement", "reject"}
    assert names("mianyang_reviewer") == set()
    assert names("school_clerk") == {"withdraw"}
    assert names("admin") == set() and names("auditor") == set()
