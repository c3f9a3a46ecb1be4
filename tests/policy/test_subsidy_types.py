"""The subsidy claim types and thresholds (DOMAIN.md §5.1-§5.3) as policy data."""

from datetime import date
from decimal import Decimal

import pytest

from caseflow import policy
from caseflow.policy.loader import DEFAULT_DIR, read_dir
from caseflow.subsidy_rules import EVIDENCE, RULE_CODES, RULES

DAY = date(2026, 1, 1)
TYPES = ("apprenticeship", "vocational_training", "skill_upgrade", "skill_evaluation",
         "living_allowance", "graduate_grant", "project_grant")  # fmt: skip
ORGANISATION_KINDS = {"school", "enterprise", "training_provider", "evaluation_body", "sponsor"}
BASES = {"per_person_year", "per_trainee", "per_certificate", "per_trainee_day", "per_graduate",
         "per_project"}  # fmt: skip
UNCONFIRMED_SOURCE = "示例值，待确认"


@pytest.fixture
def types():
    return policy.current("subsidy_types", on=DAY)


def test_the_files_load_without_problems():
    policies, problems = read_dir(DEFAULT_DIR)
    assert problems == []
    assert {"subsidy_types", "subsidy_thresholds"} <= set(policies)


def test_one_group_per_claim_type(types):
    assert types.id == "subsidy_types@2025-1"
    assert tuple(g.key for g in types.groups) == TYPES
    for kind in TYPES:
        assert types.value(f"{kind}.filed_by") and set(types.value(f"{kind}.filed_by")) <= (
            ORGANISATION_KINDS
        )
        assert types.get(f"{kind}.filed_by").operator == "in"
        assert types.value(f"{kind}.basis") in BASES
        assert isinstance(types.value(f"{kind}.instalments"), bool)
        assert types.value(f"{kind}.fund_source")


def test_skill_upgrade_caps_are_decimals_awaiting_confirmation(types):
    caps = {level: types.get(f"skill_upgrade.cap_{level}")
            for level in ("primary", "intermediate", "advanced")}  # fmt: skip
    assert {k: v.value for k, v in caps.items()} == {
        "primary": Decimal(1000),
        "intermediate": Decimal(1500),
        "advanced": Decimal(2000),
    }
    for cap in caps.values():
        assert isinstance(cap.value, Decimal) and cap.unit == "yuan" and cap.operator == "<="
        # DOMAIN.md's figures; the national notice was not checked against its official text
        assert not cap.confirmed and "人社部发〔2017〕40号" in cap.source
        assert cap.meets(Decimal(1000)) is True
    assert caps["primary"].meets(Decimal("1000.01")) is False


def test_skill_upgrade_conditions(types):
    assert types.value("skill_upgrade.insurance_months") == 12
    assert types.get("skill_upgrade.insurance_months").unit == "month"
    assert types.value("skill_upgrade.claim_window") == 12
    assert types.value("skill_upgrade.yearly_count") == 1
    assert types.value("skill_upgrade.yearly_count_shortage_extra") == 2


def test_apprenticeship_minimum_and_advance_share(types):
    minimum = types.get("apprenticeship.amount_min")
    assert minimum.value == Decimal(5000) and minimum.operator == ">=" and minimum.unit == "yuan"
    assert minimum.confirmed and "seed 000" in minimum.source
    assert minimum.meets(Decimal(4999)) is False and minimum.meets(6000) is True
    advance = types.get("apprenticeship.advance_share")
    assert (advance.value, advance.unit, advance.operator, advance.confirmed) == (
        50,
        "percent",
        "<=",
        False,  # not checked against the official text yet
    )
    assert types.value("apprenticeship.instalments") is True
    assert types.value("apprenticeship.basis") == "per_person_year"


def test_every_type_lists_known_rules_and_evidence(types):
    for kind in TYPES:
        rules = types.value(f"{kind}.rules")
        assert rules, kind
        assert set(rules) <= set(RULE_CODES), set(rules) - set(RULE_CODES)
        assert len(set(rules)) == len(rules)
        evidence = types.value(f"{kind}.evidence")
        assert evidence and set(evidence) <= set(EVIDENCE), set(evidence) - set(EVIDENCE)
    assert "insurance_months" in types.value("skill_upgrade.rules")
    assert "not_in_catalogue" in types.value("vocational_training.rules")
    assert "id_checksum" not in types.value("project_grant.rules")  # no roster


def test_every_known_rule_is_used_and_named():
    used = set()
    types = policy.current("subsidy_types", on=DAY)
    for kind in TYPES:
        used |= set(types.value(f"{kind}.rules"))
    assert used == set(RULE_CODES)
    for code, rule in RULES.items():
        assert rule.code == code and rule.label_zh and rule.label_en and rule.source


def test_example_values_are_flagged_unconfirmed(types):
    for key in ("vocational_training.amount_primary", "vocational_training.class_size",
                "skill_evaluation.amount_cap", "living_allowance.amount_per_day",
                "graduate_grant.amount_per_graduate", "project_grant.amount_base"):  # fmt: skip
        entry = types.get(key)
        assert not entry.confirmed and UNCONFIRMED_SOURCE in entry.source, key
    assert types.value("vocational_training.class_size") == 50
    assert set(types.unconfirmed) < set(types.values.values())


def test_thresholds():
    limits = policy.current("subsidy_thresholds", on=DAY)
    review = limits.get("province_review_threshold")
    assert review.value == Decimal(500000) and not review.confirmed
    assert review.meets(Decimal(500000)) is True and review.meets(Decimal("499999.99")) is False
    minimum = limits.get("minimum_age")
    assert (minimum.value, minimum.confirmed) == (16, True) and "劳动法" in minimum.source
    assert [limits.value(f"retirement_age_{g}_base") for g in ("men", "women_cadre",
            "women_worker")] == [60, 55, 50]  # fmt: skip
    assert [limits.value(f"retirement_age_{g}_final") for g in ("men", "women_cadre",
            "women_worker")] == [63, 58, 55]  # fmt: skip
    assert all(not v.confirmed for v in limits.values.values() if v.key.startswith("retire"))
    assert not limits.get("barred_period").confirmed


def test_the_admin_page_lists_the_subsidy_types(demo):
    from tests.helpers import login

    client = demo.test_client()
    login(client, "admin")
    client.get("/lang/en")
    html = client.get("/admin/policy").get_data(as_text=True)
    assert "Subsidy claim types" in html and "Subsidy claim thresholds" in html
    assert "≤ 2,000 yuan" in html and "≥ 5,000 yuan" in html and "≥ 500,000 yuan" in html
    assert "one of: enterprise, school" in html
