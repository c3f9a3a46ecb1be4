"""Registry validation catches each kind of broken definition."""

import dataclasses

import pytest

from caseflow.workflows import registry
from caseflow.workflows.definition import Assign, State, Transition
from caseflow.workflows.diagram import mermaid
from tests.workflows.flow import TEST_FLOW


def test_the_test_flow_is_valid():
    assert registry.problems(TEST_FLOW) == []


def broken(**changes):
    return dataclasses.replace(TEST_FLOW, **changes)


def with_transition(t):
    return broken(transitions=(*TEST_FLOW.transitions, t))


def with_state(s):
    return broken(states=(*TEST_FLOW.states, s))


R = frozenset({"city_reviewer"})
CASES = [
    (with_transition(Transition("x", ("intake",), "x", "x", target="nowhere", roles=R)),
     "target 'nowhere' is not defined"),
    (with_transition(Transition("x", ("nowhere",), "x", "x", target="review", roles=R)),
     "source state 'nowhere' is not defined"),
    (with_transition(Transition("x", ("intake",), "x", "x", target="review", roles=R,
                                guards=("no_such_guard",))), "guard 'no_such_guard'"),
    (with_transition(Transition("x", ("intake",), "x", "x", target="review", roles=R,
                                effects=("no_such_effect",))), "effect 'no_such_effect'"),
    (with_transition(Transition("x", ("intake",), "x", "x", router="no_router", roles=R)),
     "router 'no_router' is not registered"),
    (with_transition(Transition("x", ("intake",), "x", "x", roles=R)), "exactly one of target"),
    (with_transition(Transition("x", ("approved",), "x", "x", target="review", roles=R)),
     "terminal states have no exits"),
    (with_transition(Transition("x", ("intake",), "x", "x", target="review", roles=R,
                                kind="reject")), "require a comment"),
    (with_transition(Transition("x", ("intake",), "x", "x", target="review", roles=R,
                                kind="sign")), "sign actions belong to all/any stages"),
    (with_transition(Transition("claim", ("intake",), "x", "x", target="review", roles=R)),
     "reserved for the engine"),
    (with_transition(Transition("x", ("intake",), "x", "x", target="review",
                                roles=frozenset({"wizard"}))), "unknown role 'wizard'"),
    (with_state(State("orphan", "孤", "Orphan", "stage", mode="single",
                      assign=Assign("city_reviewer", "applicant_region"))),
     "orphan: not reachable"),
    (with_state(State("nomode", "无", "No mode", "stage")), "needs a sign-off mode"),
    (with_state(State("badpanel", "坏", "Bad", "stage", mode="all",
                      assign=Assign("expert", "province"))), "are assigned to a panel"),
    (with_state(State("t2", "超时", "Timeout", "applicant", on_timeout="lapse")),
     "on_timeout 'lapse' is not a system action here"),
    (broken(initial="nowhere"), "initial state 'nowhere'"),
]  # fmt: skip


@pytest.mark.parametrize(("workflow", "expected"), CASES, ids=[c[1][:30] for c in CASES])
def test_each_kind_of_breakage_is_caught(workflow, expected):
    found = registry.problems(workflow)
    assert any(expected in p for p in found), found


def test_validate_or_raise_names_every_problem():
    wf = with_transition(Transition("x", ("intake",), "x", "x", target="nowhere", roles=R))
    with pytest.raises(registry.DefinitionError, match="nowhere"):
        registry.validate_or_raise({"bad": wf})


def test_every_registered_workflow_is_valid():
    assert registry.validate() == []


def test_mermaid_diagram_lists_every_state_and_transition():
    text = mermaid(TEST_FLOW, english=True)
    assert text.startswith("stateDiagram-v2")
    for s in TEST_FLOW.states:
        assert f"as {s.key}" in text
    assert "notice --> finance : Notice ends" in text
    assert "notice --> approved : Notice ends" in text
    assert "supplement --> intake : Resubmit" in text and "supplement --> review" in text
