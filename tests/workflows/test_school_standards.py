"""The standards check of Workflow A (设置标准): each criterion of the tier's standard beside the
application's figure — met, not met, no standard set, not given yet, cannot be checked.

Pure: the check reads the policy files and the data it is given (no database)."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow import policy
from caseflow.policy.model import to_mu
from caseflow.workflows import registry, school_establishment  # noqa: F401  (registers)
from caseflow.workflows.school_rules import KIND_TIER
from caseflow.workflows.school_standards import FIGURES, STATUSES, check, number

DAY = date(2026, 1, 15)
# Exactly the standard of a technical school (人社部发〔2012〕8号): every criterion is met.
AT_STANDARD = {
    "planned_enrolment": 800, "yearly_training_attendances": 800,
    "majors": ["数控技术：数控车工", "电气自动化：电工", "汽车维修：汽车维修工"],
    "land_area_m2": "30000", "building_area_m2": "18000", "training_area_m2": "5000",
    "equipment_value_wan": "300", "practical_share_percent": 50,
}  # fmt: skip
COLLEGE = SimpleNamespace(tier="technician_college", kind="school")


def rows(data, kind="new_technical_school", org=None):
    return {row.key: row for row in check(data, kind, org, DAY)}


def criteria(tier):
    return [v.name for v in policy.current("school_standards", on=DAY).in_group(tier)]


def test_the_check_is_the_workflows_registered_check():
    assert registry.CASE_CHECKS["school_establishment"] is check


def test_figures_at_the_standard_meet_every_criterion_of_a_technical_school():
    found = check(AT_STANDARD, "new_technical_school", None, DAY)
    assert [r.key for r in found] == criteria("technical_school")
    assert "senior_level_share" not in {r.key for r in found}  # a technician-college standard
    assert {r.key: r.status for r in found} == dict.fromkeys(criteria("technical_school"), "met")
    training = rows(AT_STANDARD)["training_scale"]
    assert training.actual == Decimal(1600) and training.required == 1600
    assert training.operator == ">=" and training.unit == "person"
    assert rows(AT_STANDARD)["standing_majors"].actual == 3  # one major per line


@pytest.mark.parametrize(
    ("change", "not_met"),
    [({"land_area_m2": "29999.99"}, {"campus_land"}),
     ({"yearly_training_attendances": 799}, {"yearly_training", "training_scale"}),
     ({"majors": ["数控技术", "电气自动化"]}, {"standing_majors"}),
     ({"equipment_value_wan": "299.5"}, {"equipment_value"}),
     ({"practical_share_percent": 49}, {"practical_hours_share"}),
     ({"planned_enrolment": 901}, {"building_area_per_student"})],
)  # fmt: skip
def test_a_figure_below_the_standard_is_not_met(change, not_met):
    found = rows({**AT_STANDARD, **change})
    assert {k for k, r in found.items() if r.status == "not_met"} == not_met
    assert {r.status for r in found.values()} == {"met", "not_met"}


def test_figures_not_given_yet_are_missing_and_nothing_is_invented():
    found = rows({})
    assert {r.status for r in found.values()} == {"missing"}
    assert all(r.actual is None and r.actual_text(False) is None for r in found.values())
    # A per-student area needs both figures, and some students.
    assert rows({"building_area_m2": "18000"})["building_area_per_student"].status == "missing"
    no_students = rows({"building_area_m2": "18000", "planned_enrolment": 0})
    assert no_students["building_area_per_student"].status == "missing"
    assert rows({**AT_STANDARD, "majors": []})["standing_majors"].status == "missing"


def test_the_area_per_student_is_a_decimal_to_two_places():
    found = rows({**AT_STANDARD, "building_area_m2": "20000", "planned_enrolment": 3})
    per = found["building_area_per_student"]
    assert per.actual == Decimal("6666.67") and isinstance(per.actual, Decimal)
    assert rows({**AT_STANDARD, "planned_enrolment": 900})["building_area_per_student"].actual == (
        Decimal("20.00")
    )


def test_land_is_shown_in_mu_beside_square_metres():
    land = rows({**AT_STANDARD, "land_area_m2": "40000"})["campus_land"]
    assert land.required_mu == Decimal("45.00") == to_mu(30000)
    assert land.actual_mu == Decimal("60.00")
    assert land.required_text(False) == "≥ 30,000平方米（约45亩）"
    assert land.actual_text(False) == "40,000平方米（约60亩）"
    assert land.actual_text(True) == "40,000 m² (≈ 60 mu)"
    assert rows(AT_STANDARD)["building_area"].actual_mu is None  # only land


def test_a_senior_school_shows_no_standard_set_where_the_data_has_none():
    found = rows({**AT_STANDARD, "land_area_m2": "66000"}, "new_senior_school")
    assert found["training_scale"].status == "unset"
    assert found["training_scale"].required_text(False) is None
    assert not found["training_scale"].confirmed and "待录入" in found["training_scale"].source
    assert found["campus_land"].status == "met" and found["campus_land"].confirmed
    assert rows(AT_STANDARD, "upgrade_senior")["campus_land"].status == "not_met"
    assert found["practical_hours_share"].status == "met"
    assert not found["practical_hours_share"].confirmed  # a value to be confirmed


def test_a_technician_college_checks_the_share_of_senior_level_students():
    college = {**AT_STANDARD, "planned_enrolment": 3000, "yearly_training_attendances": 2000}
    found = rows({**college, "senior_level_share_percent": 60}, "new_technician_college")
    assert [r.key for r in found.values()] == criteria("technician_college")
    assert found["senior_level_share"].status == "met"
    assert found["training_scale"].status == "met" and found["training_scale"].actual == 5000
    assert found["standing_majors"].status == "unset"
    below = rows({**college, "senior_level_share_percent": 59}, "upgrade_college")
    assert below["senior_level_share"].status == "not_met"
    assert rows(college, "upgrade_college")["senior_level_share"].status == "missing"


def test_a_branch_is_checked_against_the_standard_of_the_school_that_files_it():
    college = rows(AT_STANDARD, "branch", COLLEGE)
    assert "senior_level_share" in college and college["full_time_students"].status == "not_met"
    assert college["campus_land"].tier_label(False) == "技师学院"
    technical = rows(AT_STANDARD, "branch", SimpleNamespace(tier="technical_school"))
    assert technical["full_time_students"].status == "met"
    assert check(AT_STANDARD, "branch", None, DAY) == []
    assert check(AT_STANDARD, "branch", SimpleNamespace(tier=None), DAY) == []
    # Other kinds take the tier of the kind, whoever files them.
    assert "senior_level_share" not in rows(AT_STANDARD, "new_technical_school", COLLEGE)


def test_a_criterion_the_table_does_not_know_cannot_be_checked_but_is_shown(monkeypatch):
    monkeypatch.delitem(FIGURES, "equipment_value")
    found = rows(AT_STANDARD)
    assert found["equipment_value"].status == "unknown"
    assert found["equipment_value"].required_text(False) == "≥ 300万元"
    assert len(found) == len(criteria("technical_school"))


def test_every_criterion_of_the_policy_data_has_a_figure():
    names = {v.name for v in policy.current("school_standards", on=DAY).values.values()}
    assert names <= set(FIGURES)


def test_rows_as_json_carry_figures_as_strings():
    land = rows({**AT_STANDARD, "land_area_m2": "40000.5"})["campus_land"].as_dict(True)
    assert land == {
        "key": "campus_land", "label": "Campus land", "status": "met", "operator": ">=",
        "unit": "m2", "required": "30000", "required_mu": "45.00", "actual": "40000.5",
        "actual_mu": "60.00", "confirmed": True,
        "source": "《技工学校设置标准（试行）》第八条（约45亩）",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), (True, None), ([], None), ("abc", None), ("NaN", None),
     ("1,600", Decimal(1600)), (7, Decimal(7)), ("12.5", Decimal("12.5")),
     (["a", " ", "b"], Decimal(2)), ("a\nb\n\nc", Decimal(3))],
)  # fmt: skip
def test_form_values_are_read_as_decimals(raw, expected):
    assert number(raw) == expected


# ---------------------------------------------------------------------------------------------
# Property: the status is exactly what the policy value says of the figure.

amounts = st.one_of(st.none(), st.decimals(min_value=0, max_value=200000, places=2))
counts = st.one_of(st.none(), st.integers(min_value=0, max_value=12000))
percents = st.one_of(st.none(), st.integers(min_value=0, max_value=100))


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from([k for k, tier in KIND_TIER.items() if tier]),
    enrolment=counts, training=counts, land=amounts, building=amounts, lab=amounts,
    equipment=amounts, practical=percents, senior=percents,
    majors=st.lists(st.text(alphabet="数控电气汽修", min_size=1, max_size=4), max_size=6),
)  # fmt: skip
def test_the_status_is_met_exactly_when_the_standard_is_met(
    kind, enrolment, training, land, building, lab, equipment, practical, senior, majors
):
    data = {
        "planned_enrolment": enrolment, "yearly_training_attendances": training,
        "land_area_m2": None if land is None else str(land),
        "building_area_m2": None if building is None else str(building),
        "training_area_m2": lab, "equipment_value_wan": equipment,
        "practical_share_percent": practical, "senior_level_share_percent": senior,
        "majors": majors,
    }  # fmt: skip
    for row in check(data, kind, None, DAY):
        assert row.status in STATUSES
        if row.standard.value is None:
            assert row.status == "unset"
        elif row.actual is None:
            assert row.status == "missing"
        else:
            assert isinstance(row.actual, Decimal)
            assert (row.status == "met") == row.standard.meets(row.actual)
            assert row.status in ("met", "not_met")
    per = rows(data, kind)["building_area_per_student"].actual
    if building is not None and enrolment:
        assert per == (building / enrolment).quantize(Decimal("0.01"))
    scale = rows(data, kind)["training_scale"].actual
    assert scale == (None if None in (enrolment, training) else enrolment + training)
