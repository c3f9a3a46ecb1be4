"""Random actions by random users, allowed or not; invariants hold after every step."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from caseflow.audit.chain import compute_hash, event_fields
from caseflow.extensions import db
from caseflow.models import CaseEvent, SupplementItem, Task
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import WorkflowError
from tests.workflows.conftest import user

ACTORS = ("school_clerk", "college_clerk", "chengdu_reviewer", "chengdu_reviewer2",
          "mianyang_reviewer", "province_reviewer", "province_reviewer2", "leader", "expert1",
          "expert2", "expert3", "chengdu_finance", "admin", "auditor", "system")  # fmt: skip
WF = registry.get("test_permit") if "test_permit" in registry.WORKFLOWS else None


def actions():
    from tests.workflows.flow import TEST_FLOW

    return sorted({t.action for t in TEST_FLOW.transitions})


class CaseMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.wf = registry.get("test_permit")
        self.case = engine.create_case("test_permit", "standard", user("school_clerk"),
                                       {"amount": 1000})  # fmt: skip
        self.last_version = self.case.version
        self.events = self.case.last_event_seq

    @rule(action=st.sampled_from(actions()), actor=st.sampled_from(ACTORS),
          score=st.integers(min_value=-5, max_value=105), with_comment=st.booleans())  # fmt: skip
    def take_action(self, action, actor, score, with_comment):
        who = engine.SYSTEM if actor == "system" else user(actor)
        data = {"score": score, "items": ["补充说明"]}
        before = self.case.last_event_seq
        try:
            engine.apply(self.case, action, who, data, comment="意见" if with_comment else None)
        except WorkflowError:
            db.session.expire_all()
            assert self.case.last_event_seq == before, "a refused action wrote an event"
            return
        assert self.case.last_event_seq == before + 1, "a successful action wrote ≠ 1 event"

    @rule(actor=st.sampled_from(ACTORS[:12]))
    def answer_items(self, actor):
        items = db.session.scalars(
            select(SupplementItem).where(
                SupplementItem.case_id == self.case.id, SupplementItem.answered_at.is_(None)
            )
        )
        for item in list(items):
            try:
                engine.answer_supplement_item(self.case, user(actor), item.id, "已补充")
            except WorkflowError:
                db.session.expire_all()

    @rule(experts=st.lists(st.sampled_from(["expert1", "expert2", "expert3"]), min_size=1,
                           max_size=3, unique=True))  # fmt: skip
    def assign_panel(self, experts):
        try:
            engine.assign_panel(self.case, "panel", [user(e) for e in experts],
                                user("province_reviewer"), "expert")  # fmt: skip
        except (WorkflowError, Exception):  # a person assigned twice violates the unique key
            db.session.rollback()

    @rule(actor=st.sampled_from(ACTORS[:12]))
    def claim_or_release(self, actor):
        task = db.session.scalar(select(Task).where(Task.case_id == self.case.id,
                                                    Task.status == "open"))  # fmt: skip
        if task is None:
            return
        try:
            if task.claimed_by_id is None:
                engine.claim(task, user(actor))
            else:
                engine.release(task, user(actor))
        except WorkflowError:
            db.session.expire_all()

    @invariant()
    def state_is_defined(self):
        assert self.wf.has_state(self.case.state)

    @invariant()
    def version_only_grows(self):
        assert self.case.version >= self.last_version
        self.last_version = self.case.version

    @invariant()
    def chain_verifies(self):
        prev = None
        rows = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == self.case.id)
                                  .order_by(CaseEvent.seq)).all()  # fmt: skip
        for i, event in enumerate(rows, start=1):
            assert event.seq == i and event.prev_hash == prev
            assert compute_hash(prev, event_fields(event)) == event.hash
            prev = event.hash
        assert self.case.chain_head == prev

    @invariant()
    def separation_of_duties_holds(self):
        rows = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == self.case.id))
        stages_by_actor: dict[int, set] = {}
        for event in rows:
            if event.actor_id is None or event.action in engine.TASK_ACTIONS:
                continue
            actor = event.actor
            assert not actor.has_role("admin", "auditor"), "an admin or auditor acted"
            if event.from_state in self.wf.stage_keys:
                assert actor.organisation_id != self.case.applicant_org_id
                stages_by_actor.setdefault(actor.id, set()).add(event.from_state)
        for stages in stages_by_actor.values():
            assert len(stages) == 1, f"one person acted in stages {stages}"


@pytest.mark.usefixtures("ctx")
def test_random_action_sequences_keep_the_invariants():
    CaseMachine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )  # fmt: skip
    CaseMachine.TestCase().runTest()
