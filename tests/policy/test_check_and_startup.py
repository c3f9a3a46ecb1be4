"""A broken policy directory stops the app at start-up and fails ``flask caseflow check``."""

import dataclasses

import pytest

from caseflow import policy
from tests.policy.files import GOOD, write

BROKEN_LIMITS = GOOD["limits"].replace('unit = "workday"', 'unit = "weeks"', 1)


def check(app):
    return app.test_cli_runner().invoke(args=["caseflow", "check"])


def test_check_passes_with_the_shipped_data(app):
    result = check(app)
    assert result.exit_code == 0, result.output


def test_check_fails_on_a_broken_policy_directory(app, tmp_path):
    app.config["POLICY_DIR"] = str(write(tmp_path, {**GOOD, "limits": BROKEN_LIMITS}))
    result = check(app)
    assert result.exit_code == 1
    assert ("problem: policy data: limits.toml: policy 'limits', version '2024-1', "
            "key 'review': unknown unit 'weeks'") in result.output  # fmt: skip


def test_check_fails_when_a_workflow_policy_is_not_in_effect_today(app, tmp_path):
    from caseflow.workflows import registry
    from caseflow.workflows.sample import TEST_FLOW

    ended = GOOD["sheet"].replace(
        "effective_from = 2024-01-01", "effective_from = 2024-01-01\neffective_to = 2024-12-31"
    )
    app.config["POLICY_DIR"] = str(write(tmp_path, {**GOOD, "sheet": ended}))
    flow = dataclasses.replace(TEST_FLOW, key="policy_flow", policies=("sheet", "limits"))
    registry.WORKFLOWS["policy_flow"] = flow
    try:
        result = check(app)
    finally:
        del registry.WORKFLOWS["policy_flow"]
    assert result.exit_code == 1
    assert "workflow 'policy_flow': policy 'sheet' has no version in effect on" in result.output


def test_check_reports_a_snapshot_id_too_long_for_the_case_column(app, monkeypatch):
    from caseflow.models import Case
    from caseflow.workflows import registry
    from caseflow.workflows.sample import TEST_FLOW

    every = tuple(sorted(policy.load()))
    registry.WORKFLOWS["policy_flow"] = dataclasses.replace(TEST_FLOW, key="policy_flow",
                                                            policies=every)  # fmt: skip
    try:
        assert check(app).exit_code == 0  # every policy at once fits the column (migration 0006)
        monkeypatch.setattr(Case.__table__.c.policy_version.type, "length", 80)
        result = check(app)
    finally:
        del registry.WORKFLOWS["policy_flow"]
    assert result.exit_code == 1 and "cases.policy_version holds 80" in result.output


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_app_does_not_start_on_a_broken_policy_file(tmp_path, backend):
    from tests.conftest import make_app

    broken = write(tmp_path / "policy", {**GOOD, "limits": BROKEN_LIMITS})
    with pytest.raises(policy.PolicyError) as caught:
        make_app(f"sqlite:///{tmp_path / 'x.db'}", POLICY_DIR=str(broken))
    message = str(caught.value)
    assert f"invalid policy data in {broken}" in message
    assert "limits.toml: policy 'limits', version '2024-1', key 'review': unknown unit" in message


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_app_does_not_start_when_a_workflow_names_an_unknown_policy(tmp_path, backend):
    from caseflow.workflows import registry
    from caseflow.workflows.sample import TEST_FLOW
    from tests.conftest import make_app

    registry.WORKFLOWS["policy_flow"] = dataclasses.replace(TEST_FLOW, key="policy_flow",
                                                            policies=("nope",))  # fmt: skip
    try:
        with pytest.raises(policy.PolicyError, match="declares policy 'nope', which has no"):
            make_app(f"sqlite:///{tmp_path / 'x.db'}")
    finally:
        del registry.WORKFLOWS["policy_flow"]
