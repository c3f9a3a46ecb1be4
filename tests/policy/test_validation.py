"""Validation: every class of error is caught, and the message names file, policy, version, key."""

import pytest

from caseflow.policy.loader import read_dir
from tests.policy.files import GOOD, PATTERNS, SCORING, STANDARDS, VALUES, write

V1 = "limits.toml: policy 'limits', version '2024-1'"


def problems_for(tmp_path, name: str, text: str) -> list[str]:
    write(tmp_path, {name: text})
    return read_dir(tmp_path)[1]


def test_the_good_files_have_no_problems(tmp_path):
    policies, problems = read_dir(write(tmp_path, GOOD))
    assert problems == []
    assert sorted(policies) == ["limits", "norms", "numbers", "sheet"]


BROKEN = [
    # (what, file, old, new, expected fragments of one problem)
    ("not TOML", "limits", "value = 10", "value = = 10", ["limits.toml: not valid TOML"]),
    (
        "file name",
        "limits",
        'name = "limits"',
        'name = "other"',
        ["limits.toml: policy 'other': the file must be named other.toml"],
    ),
    ("unknown kind", "limits", 'kind = "values"', 'kind = "tables"', ["kind must be one of"]),
    (
        "label missing",
        "limits",
        'label_en = "Review"\nvalue = 10',
        "value = 10",
        [V1, "key 'review'", "label_en is required"],
    ),
    (
        "typo in a field",
        "limits",
        "confirmed = true",
        "confirmd = true",
        [V1, "key 'review'", "unknown field(s) confirmd"],
    ),
    (
        "confirmed missing",
        "limits",
        "confirmed = true",
        "",
        [V1, "key 'review'", "confirmed = true or false is required"],
    ),
    (
        "date in quotes",
        "limits",
        "effective_from = 2024-01-01",
        'effective_from = "2024-01-01"',
        [V1, "effective_from must be a TOML date"],
    ),
    (
        "end before start",
        "limits",
        "effective_to = 2024-06-30",
        "effective_to = 2023-06-30",
        [V1, "effective_to 2023-06-30 is before effective_from 2024-01-01"],
    ),
    (
        "open-ended then another",
        "limits",
        "effective_to = 2024-06-30\n",
        "",
        [V1, "has no effective_to but version '2024-2' starts on 2024-08-01"],
    ),
    (
        "overlap",
        "limits",
        "effective_to = 2024-06-30",
        "effective_to = 2024-08-01",
        [V1, "overlapping version '2024-2' from 2024-08-01"],
    ),
    (
        "same label twice",
        "limits",
        'version = "2024-2"',
        'version = "2024-1"',
        ["the version label is used twice"],
    ),
    (
        "unknown operator",
        "limits",
        'unit = "workday"',
        'unit = "workday"\noperator = "=>"',
        [V1, "key 'review'", "unknown operator '=>'"],
    ),
    (
        "unknown unit",
        "limits",
        'unit = "workday"',
        'unit = "weeks"',
        [V1, "key 'review'", "unknown unit 'weeks'"],
    ),
    (
        "zero time limit",
        "limits",
        "value = 10",
        "value = 0",
        [V1, "key 'review'", "a time limit must be a positive integer, got 0"],
    ),
    (
        "time limit as text",
        "limits",
        "value = 10",
        'value = "10"',
        [V1, "key 'review'", "workday must be an integer"],
    ),
    (
        "float time limit",
        "limits",
        "value = 10",
        "value = 10.0",
        [V1, "key 'review'", "10.0 is a float"],
    ),
    ("value missing", "limits", "value = 10\n", "", [V1, "key 'review'", "value is required"]),
    (
        "undeclared group",
        "limits",
        'key = "review"\nlabel_zh = "审核"\nlabel_en = "Review"\nvalue = 10',
        'key = "review"\ngroup = "nowhere"\nlabel_zh = "审核"\nlabel_en = "Review"\nvalue = 10',
        [V1, "key 'nowhere.review'", "group 'nowhere' is not declared"],
    ),
    (
        "money as a float",
        "norms",
        'value = "300"',
        "value = 300.5",
        ["norms.toml: policy 'norms', version '1', key 'small.equipment'", "300.5 is a float"],
    ),
    (
        "negative figure",
        "norms",
        "value = 30000,",
        'value = "-1",',
        ["key 'small.land'", "a figure cannot be negative"],
    ),
    (
        "money as an integer",
        "norms",
        'value = "300"',
        "value = 300",
        ["key 'small.equipment'", "money in wan_yuan must be a decimal string"],
    ),
    (
        "threshold as a float",
        "norms",
        "value = 30000,",
        "value = 30000.0,",
        ["key 'small.land'", "30000.0 is a float"],
    ),
    (
        "unset but confirmed",
        "norms",
        "large = { confirmed = false }",
        "large = { confirmed = true }",
        ["key 'large.land'", "an unset value cannot be confirmed"],
    ),
    (
        "standard without operator",
        "norms",
        'operator = ">="\nunit = "wan_yuan"',
        'unit = "wan_yuan"',
        ["key 'equipment'", "a standard needs an operator and a unit"],
    ),
    (
        "show_mu on money",
        "norms",
        'unit = "wan_yuan"',
        'unit = "wan_yuan"\nshow_mu = true',
        ["key 'small.equipment'", "show_mu = true belongs to values in unit m2"],
    ),
    (
        "weights not 100",
        "sheet",
        "weight = 40",
        "weight = 30",
        ["sheet.toml: policy 'sheet', version '1'", "the weights sum to 90; they must sum to 100"],
    ),
    (
        "weight as a float",
        "sheet",
        "weight = 40",
        "weight = 40.0",
        ["key 'criteria.cost'", "40.0 is a float"],
    ),
    (
        "pass mark above 100",
        "sheet",
        "value = 70",
        "value = 120",
        ["key 'pass_mark'", "pass_mark must be in points between 0 and 100, got 120"],
    ),
    (
        "pass mark missing",
        "sheet",
        'key = "pass_mark"',
        'key = "mark"',
        ["key 'pass_mark'", "a scoring sheet needs a pass_mark value"],
    ),
    (
        "pattern without {n}",
        "numbers",
        "{n}号",
        "号",
        ["numbers.toml: policy 'numbers', version '1', key 'letter'", "needs {year} and {n}"],
    ),
    (
        "pattern with another placeholder",
        "numbers",
        "{n}号",
        "{n}-{month}号",
        ["key 'letter'", "no other placeholder"],
    ),
    ("pattern with a stray brace", "numbers", "{n}号", "{n}号}", ["key 'letter'", "not valid"]),
]
SOURCES = {"limits": VALUES, "norms": STANDARDS, "sheet": SCORING, "numbers": PATTERNS}


@pytest.mark.parametrize(("what", "name", "old", "new", "expected"), BROKEN,
                         ids=[b[0] for b in BROKEN])  # fmt: skip
def test_each_error_is_reported_with_its_place(tmp_path, what, name, old, new, expected):
    source = SOURCES[name]
    assert old in source, what
    problems = problems_for(tmp_path, name, source.replace(old, new, 1))
    assert any(all(part in p for part in expected) for p in problems), problems


def test_an_empty_or_missing_directory_is_a_problem(tmp_path):
    assert "does not exist" in read_dir(tmp_path / "nowhere")[1][0]
    assert "no policy files" in read_dir(tmp_path)[1][0]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = VALUES.replace("value = 10", "value = 0").replace(
        'unit = "workday"\nconfirmed = false', 'unit = "weeks"\nconfirmed = false'
    )
    problems = problems_for(tmp_path, "limits", text)
    assert len(problems) == 2
    assert "version '2024-1'" in problems[0] and "version '2024-2'" in problems[1]


def test_a_key_defined_twice_in_a_version(tmp_path):
    twice = VALUES + '[[versions.values]]\nkey = "review"\nlabel_zh = "审核"\nlabel_en = "Review"\n'
    twice += 'value = 3\nunit = "day"\nconfirmed = false\n'
    problems = problems_for(tmp_path, "limits", twice)
    assert problems == [
        "limits.toml: policy 'limits', version '2024-2', key 'review': "
        "defined twice in this version"
    ]
