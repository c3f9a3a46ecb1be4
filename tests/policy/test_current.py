"""The real data files, and choosing the version in effect on a day."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from flask import Flask

from caseflow import policy
from caseflow.policy.loader import DEFAULT_DIR, read_dir
from tests.policy.files import GOOD, write

DAY = date(2026, 11, 23)
EXPECTED_POLICIES = {
    "school_standards", "school_prerequisites", "school_name_rules", "expert_scoring",
    "school_time_limits", "licensing_clock", "public_notice", "preparation_period",
    "document_numbers", "subsidy_types", "subsidy_thresholds",
}  # fmt: skip


@pytest.fixture
def tmp_policies(tmp_path):
    """An app context whose POLICY_DIR holds the small test files."""
    app = Flask(__name__)
    app.config["POLICY_DIR"] = str(write(tmp_path, GOOD))
    with app.app_context():
        yield app
    policy.clear_cache()


def test_the_shipped_files_load_and_validate():
    policies, problems = read_dir(DEFAULT_DIR)
    assert problems == []
    assert set(policies) == EXPECTED_POLICIES


def test_school_standards_per_tier():
    standards = policy.current("school_standards", on=DAY)
    assert standards.id == "school_standards@2012-1"
    land = standards.get("technical_school.campus_land")
    assert (land.operator, land.value, land.unit, land.confirmed) == (">=", 30000, "m2", True)
    assert land.meets(30000) and not land.meets("29999.5")
    assert standards.value("technician_college.training_scale") == 5000
    assert standards.value("technical_school.equipment_value") == Decimal("300")
    unset = standards.get("senior_technical_school.building_area")
    assert not unset.is_set and not unset.confirmed and unset.meets(1) is None
    with pytest.raises(policy.UnsetValue, match="no standard set"):
        standards.value("senior_technical_school.building_area")
    assert "technical_school.senior_level_share" not in standards.values  # not applicable
    assert [g.key for g in standards.groups] == [
        "technical_school", "senior_technical_school", "technician_college"]  # fmt: skip


def test_the_other_policies_hold_the_domain_figures():
    on = DAY
    assert policy.current("licensing_clock", on).value("limit_days") == 20
    assert policy.current("licensing_clock", on).value("extension_days") == 10
    paused = {v.name for v in policy.current("licensing_clock", on).in_group("paused_states")}
    assert paused == {"supplement", "expert_review", "site_inspection", "public_notice"}
    assert policy.current("public_notice", on).value("days") == 5
    assert policy.current("preparation_period", on).get("years").unit == "year"
    assert policy.current("preparation_period", on).value("years") == 2
    sheet = policy.current("expert_scoring", on)
    assert sheet.value("pass_mark") == 70
    assert sum(v.value for v in sheet.in_group("criteria")) == 100
    assert policy.current("school_time_limits", on).value("acceptance") == 5
    rules = policy.current("school_name_rules", on)
    assert rules.get("technician_college.suffix").meets("四川省某某技师学院")
    assert not rules.get("forbidden_words").meets("中国某技师学院")
    prerequisites = policy.current("school_prerequisites", on)
    assert prerequisites.get("upgrade_college.technician_classes").meets(2)


def test_document_numbers_come_from_the_policy_in_effect():
    from caseflow.documents.kinds import KINDS, SERIES

    patterns = policy.current("document_numbers", on=DAY)
    for key in SERIES:
        assert "{year}" in patterns.value(key) and "{n}" in patterns.value(key)
    assert KINDS["approval_reply"].number(2025, 7, on=DAY) == "川人社函〔2025〕7号"


def test_versions_are_frozen():
    standards = policy.current("school_standards", on=DAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        standards.version = "x"
    with pytest.raises(TypeError):
        standards.values["x"] = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        standards.get("technical_school.campus_land").value = 1


def test_current_picks_the_version_by_date(tmp_policies):
    assert policy.current("limits", on=date(2024, 1, 1)).id == "limits@2024-1"
    assert policy.current("limits", on=date(2024, 6, 30)).value("review") == 10
    assert policy.current("limits", on=date(2024, 8, 1)).id == "limits@2024-2"
    assert policy.current("limits", on=date(2030, 1, 1)).value("review") == 15


@pytest.mark.parametrize("day", [date(2023, 12, 31), date(2024, 7, 15)])
def test_current_refuses_a_day_without_a_version(tmp_policies, day):
    with pytest.raises(policy.NoVersionInEffect, match=f"no version in effect on {day}"):
        policy.current("limits", on=day)


def test_unknown_policy(tmp_policies):
    with pytest.raises(policy.UnknownPolicy, match="unknown policy 'nope'"):
        policy.current("nope")


def test_snapshot_id_joins_the_ids_in_order(tmp_policies):
    on = date(2024, 9, 1)
    assert policy.snapshot_id(("limits", "sheet"), on=on) == "limits@2024-2+sheet@1"
    assert policy.snapshot_id(("sheet", "limits"), on=date(2024, 2, 1)) == "sheet@1+limits@2024-1"


def test_the_cache_is_per_directory(tmp_policies, tmp_path):
    first = policy.load()
    assert policy.load() is first
    assert "school_standards" in policy.load(DEFAULT_DIR) and "limits" not in policy.load(
        DEFAULT_DIR)  # fmt: skip


def test_a_broken_directory_raises_with_every_problem(tmp_path):
    write(tmp_path, {"limits": GOOD["limits"].replace("value = 10", "value = 10.5")})
    with pytest.raises(policy.PolicyError) as caught:
        policy.reload(tmp_path)
    assert "limits.toml: policy 'limits', version '2024-1', key 'review'" in str(caught.value)
    assert len(caught.value.problems) == 1
