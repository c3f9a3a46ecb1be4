"""The engine stamps the policy versions in effect on the filing day on a case and its events."""

import dataclasses
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from caseflow.audit.verify import verify_case
from caseflow.extensions import db
from caseflow.models import CaseEvent
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import ActionRefused
from caseflow.workflows.sample import TEST_FLOW
from tests.policy.files import GOOD, write
from tests.workflows.conftest import act, user

POLICY_FLOW = dataclasses.replace(TEST_FLOW, key="policy_permit", prefix="PP",
                                  policies=("school_standards", "expert_scoring"))  # fmt: skip


@pytest.fixture
def ctx(demo):
    registry.register(POLICY_FLOW)
    with demo.app_context():
        yield demo
    del registry.WORKFLOWS[POLICY_FLOW.key]


def file(key="policy_permit", now=None):
    return engine.create_case(key, "standard", user("school_clerk"), {"amount": 1000}, now=now)


def events(case):
    return db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                              .order_by(CaseEvent.seq)).all()  # fmt: skip


def test_a_case_and_every_event_carry_the_policy_snapshot(ctx):
    case = file()
    stamp = "school_standards@2012-1+expert_scoring@2024-1"
    assert case.policy_version == stamp
    act(case, "submit", "school_clerk")
    assert [e.policy_version for e in events(case)] == [stamp, stamp]
    assert verify_case(case.id).ok


def test_a_workflow_without_policies_stamps_nothing(ctx):
    case = file("test_permit")
    assert case.policy_version is None and events(case)[0].policy_version is None


def test_the_version_is_the_one_in_effect_on_the_day_of_filing(ctx, tmp_path):
    ctx.config["POLICY_DIR"] = str(write(tmp_path, GOOD))
    registry.WORKFLOWS[POLICY_FLOW.key] = dataclasses.replace(POLICY_FLOW, policies=("limits",))
    spring = file(now=datetime(2024, 3, 1, 2, tzinfo=UTC))
    autumn = file(now=datetime(2024, 9, 1, 2, tzinfo=UTC))
    assert (spring.policy_version, autumn.policy_version) == ("limits@2024-1", "limits@2024-2")
    # The day is Shanghai's: 16:30 UTC on 31 July is already 1 August in Chengdu.
    assert file(now=datetime(2024, 7, 31, 16, 30, tzinfo=UTC)).policy_version == "limits@2024-2"


def test_filing_is_refused_when_no_version_is_in_effect(ctx):
    with pytest.raises(ActionRefused) as caught:
        file(now=datetime(2023, 6, 1, 2, tzinfo=UTC))  # expert_scoring starts in 2024
    assert caught.value.code == "policy_missing"
    assert "policy" in caught.value.message(english=True)
