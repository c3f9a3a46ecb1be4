"""Roster line rules that need only the roster and policy data (caseflow/rosters/rules.py)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseflow.rosters import read_roster
from caseflow.rosters.rules import (
    RULES,
    NoRoster,
    UnknownRule,
    add_months,
    check_roster,
    level_key,
)
from tests.rosters.test_reader import id_number, line, simple_xlsx

ON = date(2025, 6, 30)


def check(lines, claim_type="skill_upgrade", on=ON):
    return check_roster(read_roster(simple_xlsx(lines), "r.xlsx"), claim_type, on=on)


def found(problems) -> list[tuple[int, str]]:
    return [(p.row, p.code) for p in problems]


def test_clean_roster_is_accepted_with_history_rules_skipped():
    result = check([line(1), line(2), line(3)])
    assert result.errors == [] and result.warnings == []
    assert result.rows == 3 and len(result.accepted) == 3
    assert result.total_amount == Decimal("4500.00")
    assert {s.code for s in result.skipped} == {
        "duplicate_prior_claim", "higher_level_claimed", "yearly_limit", "certificate_reused",
        "insurance_months", "excluded_group", "barred", "shared_bank_account",
    }  # fmt: skip
    assert all("claim history" in s.en or "does not have yet" in s.en for s in result.skipped)
    assert "certificate_window" in result.applied and "overlapping_class" not in result.applied


def test_read_problems_are_errors_and_leave_the_total():
    bad_id = id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1")
    result = check([line(1), line(2, 身份证号=bad_id), line(3, 补贴金额="abc")])
    assert found(result.errors) == [(3, "id_checksum"), (4, "amount_invalid")]
    assert [row.row for row in result.accepted] == [2]
    assert result.total_amount == Decimal("1500.00")


@pytest.mark.parametrize(
    ("seq", "born", "severity"),
    [
        (1, "20100101", "error"),  # 15 on the start date 2025-03-01
        (1, "20090301", None),  # 16 that day
        (1, "19630601", "warning"),  # man of 61: between 60 and 63
        (1, "19620301", "error"),  # man of 63
        (2, "19720101", "warning"),  # woman of 53: between 50 and 58
        (2, "19670101", "error"),  # woman of 58
        (2, "19760101", None),  # woman of 49
    ],
)
def test_age_range(seq, born, severity):
    result = check([line(seq, 身份证号=id_number(seq, born=born))])
    errors, warnings = found(result.errors), found(result.warnings)
    assert errors == ([(2, "age_range")] if severity == "error" else [])
    assert warnings == ([(2, "age_range")] if severity == "warning" else [])


def test_age_without_start_date_is_taken_on_the_check_day():
    lines = [line(1, 身份证号=id_number(1, born="20090615"), 培训开始日期=None)]
    read = read_roster(simple_xlsx(lines), "r.xlsx")
    read.problems.clear()  # the missing start date aside
    assert found(check_roster(read, "skill_upgrade", on=ON).errors) == []
    early = check_roster(read, "skill_upgrade", on=date(2025, 6, 1))
    assert found(early.errors) == [(2, "age_range")]


def test_duplicates_in_a_certificate_roster():
    result = check([
        line(1),
        line(2),
        line(1, 证书编号="S-other"),  # same person, occupation and level as row 2
        line(1, 等级="三级", 证书编号="S-third", 补贴金额=2000),  # another level: fine
        line(4, 证书编号=line(2)["证书编号"]),  # the certificate of row 3
    ])  # fmt: skip
    assert found(result.errors) == [(4, "duplicate_in_roster"), (6, "duplicate_in_roster")]
    assert "第2行" in result.errors[0].zh and "row 2" in result.errors[0].en
    assert "row 3" in result.errors[1].en and result.errors[1].column == "证书编号"
    assert "*" in result.errors[0].value  # the ID number is masked


def test_same_person_twice_in_a_per_person_roster():
    result = check([line(1), line(1, 职业="焊工")], "apprenticeship")
    assert found(result.errors) == [(3, "duplicate_in_roster")]


def test_overlapping_classes_warn():
    lines = [
        line(1, 补贴金额=1000),
        line(1, 补贴金额=1000, 培训开始日期=date(2025, 3, 20), 培训结束日期=date(2025, 4, 10)),
        line(1, 补贴金额=1000, 培训开始日期=date(2025, 5, 1), 培训结束日期=date(2025, 5, 10)),
    ]
    result = check(lines, "vocational_training")
    assert found(result.warnings) == [(3, "overlapping_class")]
    assert "row 2" in result.warnings[0].en
    assert found(check(lines[:1], "vocational_training").warnings) == []


@pytest.mark.parametrize(
    ("issued", "ok"),
    [
        (date(2024, 6, 30), True),  # exactly 12 months before
        (date(2024, 6, 29), False),
        (date(2025, 6, 30), True),
        (date(2025, 7, 1), False),  # after the check day
    ],
)
def test_certificate_window(issued, ok):
    result = check([line(1, 发证日期=issued)])
    assert found(result.errors) == ([] if ok else [(2, "certificate_window")])


@pytest.mark.parametrize(
    ("level", "amount", "errors", "warnings"),
    [
        ("五级", 1000, [], []),
        ("初级工", 1200, [(2, "amount_mismatch")], []),
        ("四级/中级工", 1500, [], []),
        ("中级", 1501, [(2, "amount_mismatch")], []),
        ("高级", 2000, [], []),
        ("技师", 1000, [], [(2, "amount_mismatch")]),  # no skill-upgrade cap for this level
    ],
)
def test_skill_upgrade_amount_caps(level, amount, errors, warnings):
    result = check([line(1, 等级=level, 补贴金额=amount)])
    assert (found(result.errors), found(result.warnings)) == (errors, warnings)


def test_amounts_of_other_types_only_warn():
    low = check([line(1, 补贴金额=4000), line(3, 补贴金额=6000)], "apprenticeship")
    assert found(low.errors) == [] and found(low.warnings) == [(2, "amount_mismatch")]
    assert low.total_amount == Decimal("10000.00")
    high = check([line(1, 等级="技师", 补贴金额=2600)], "vocational_training")
    assert found(high.errors) == [] and found(high.warnings) == [(2, "amount_mismatch")]
    # living allowance: 30 a day × 31 days of March
    days = check([line(1, 补贴金额=930), line(3, 补贴金额=931)], "living_allowance")
    assert found(days.warnings) == [(3, "amount_mismatch")]


def test_unknown_types_and_types_without_roster_are_refused():
    with pytest.raises(NoRoster):
        check([line(1)], "no_such_type")
    with pytest.raises(NoRoster):
        check([line(1)], "project_grant")


def test_a_policy_rule_nobody_implements_raises(monkeypatch):
    monkeypatch.delitem(RULES, "age_range")
    with pytest.raises(UnknownRule, match="age_range"):
        check([line(1)])


def test_level_words_and_months():
    assert level_key("高级技师") == "senior_technician"
    assert level_key("二级/技师") == "technician"
    assert level_key("三级/高级工") == "advanced"
    assert level_key("电工") is None
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 15), 14) == date(2026, 1, 15)


person = st.builds(
    lambda seq, born, level, amount, dup: (seq, born, level, amount, dup),
    st.integers(1, 999),
    st.dates(date(1950, 1, 1), date(2012, 12, 31)),
    st.sampled_from(["五级", "四级", "三级", "技师"]),
    st.integers(0, 2500),
    st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(person, min_size=1, max_size=12), st.sampled_from(["skill_upgrade", "apprenticeship"])
)
def test_accepted_and_error_rows_add_up(people, claim_type):
    lines = [
        line(seq, 身份证号=id_number(seq, born=born.strftime("%Y%m%d")), 等级=level,
             补贴金额=amount, 证书编号=f"C{index if not dup else 0}")
        for index, (seq, born, level, amount, dup) in enumerate(people)
    ]  # fmt: skip
    result = check(lines, claim_type)
    error_rows = {p.row for p in result.errors}
    assert len(result.accepted) + len(error_rows) == result.rows == len(lines)
    assert not error_rows & {row.row for row in result.accepted}
    assert result.total_amount == sum((row.amount for row in result.accepted), Decimal("0"))
