import pytest
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import Case, User
from caseflow.workflows import engine
from tests.workflows import flow  # noqa: F401  (registers the test workflow)


@pytest.fixture
def ctx(demo):
    """An app context for engine tests (they make no HTTP requests)."""
    with demo.app_context():
        yield demo


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def new_case(amount: int = 1000, applicant: str = "school_clerk") -> Case:
    return engine.create_case("test_permit", "standard", user(applicant), {"amount": amount})


def act(case, action, username, data=None, comment="同意", **kwargs):
    actor = engine.SYSTEM if username == "system" else user(username)
    return engine.apply(case, action, actor, data or {}, comment=comment, **kwargs)


def assign_panels(case):
    experts = [user("expert1"), user("expert2"), user("expert3")]
    engine.assign_panel(case, "panel", experts, user("province_reviewer"), "expert")
    engine.assign_panel(case, "board", [user("leader")], user("province_reviewer"), "leader")


def drive(case, to_state: str):
    """Move a fresh case along the main path until it reaches ``to_state``."""
    steps = [
        ("draft", "submit", "school_clerk", {}),
        ("intake", "recommend", "chengdu_reviewer", {}),
        ("review", "send_to_panel", "province_reviewer", {}),
    ]
    if to_state in ("panel", "board", "notice", "finance"):
        assign_panels(case)
    for state, action, who, data in steps:
        if case.state == to_state:
            return case
        assert case.state == state
        act(case, action, who, data)
    if case.state == to_state:
        return case
    for who in ("expert1", "expert2", "expert3"):
        act(case, "score", who, {"score": 80})
    if case.state == to_state:
        return case
    act(case, "approve", "leader")
    assert case.state == to_state, case.state
    return case
