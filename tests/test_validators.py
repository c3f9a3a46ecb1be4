import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseflow.validators import (
    CREDIT_CODE_CHARS,
    credit_code_check_char,
    credit_code_problem,
    is_valid_credit_code,
)


@pytest.mark.parametrize("code", ["91110000600037341L", "91512081MA62K0260E", "91512081ma62k0260e"])
def test_valid_credit_codes(code):
    assert is_valid_credit_code(code)


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y4Z", "characters"),  # Z is not in the GB 32100 character set
        ("91110000600037341", "length"),
        ("91110000600037341LL", "length"),
        ("91110000600037341K", "check"),
        ("9111A000600037341L", "region"),
        ("", "length"),
    ],
)
def test_invalid_credit_codes(code, problem):
    assert credit_code_problem(code) == problem


valid_codes = st.builds(
    lambda head, region, body: head + region + body,
    st.sampled_from(["11", "12", "51", "52", "91", "92", "93"]),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CODE_CHARS, min_size=9, max_size=9),
).map(lambda first17: first17 + credit_code_check_char(first17))


@given(valid_codes)
def test_generated_codes_are_valid(code):
    assert is_valid_credit_code(code)


@given(valid_codes, st.integers(min_value=0, max_value=17), st.sampled_from(CREDIT_CODE_CHARS))
def test_every_single_character_change_is_caught(code, position, replacement):
    if code[position] == replacement:
        return
    mutated = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_credit_code(mutated)
