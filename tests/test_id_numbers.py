"""Resident ID numbers (GB 11643-1999) in caseflow.pii: checking, 15 → 18, protection."""

from dataclasses import FrozenInstanceError
from datetime import date

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.pii import (
    PROVINCE_PREFIXES,
    InvalidIdNumber,
    ProtectedId,
    birth_date,
    id_digest,
    id_number_problem,
    mask,
    mask_id_number,
    normalise_id_number,
    protect_id_number,
    reveal_id_number,
    sex,
    to_18,
)
from caseflow.workflows.errors import Reason

STANDARD = "11010519491231002X"  # the worked example of GB 11643-1999
STANDARD_OLD = "110105491231002"  # the same person's 15-digit number
# Check characters worked by hand: Σ digit × weight mod 11 → "10X98765432".
CHENGDU_MAN = "510104199001011230"  # Σ = 166, 166 mod 11 = 1 → "0"; 17th digit 3 → male
SHENZHEN_WOMAN = "440308198506150029"  # Σ = 278, 278 mod 11 = 3 → "9"; 17th digit 2 → female
ON = date(2025, 6, 1)


def check_char(first17: str) -> str:
    """Written here again, independently of the module, for generating numbers."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2: 7 9 10 5 8 4 2 1 …
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def test_independent_check_char_matches_the_hand_worked_examples():
    for number in (STANDARD, CHENGDU_MAN, SHENZHEN_WOMAN):
        assert check_char(number[:17]) == number[17]


@pytest.fixture(scope="module")
def keyed():
    app = Flask(__name__)
    app.config["DATA_KEY"] = "test-data-key-for-id-numbers-0123456789"
    with app.app_context():
        yield


# --- valid numbers and normalisation --------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        STANDARD,
        CHENGDU_MAN,
        SHENZHEN_WOMAN,
        STANDARD_OLD,
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２ｘ",  # full-width digits and x
        "１１０１０５\u3000１９４９１２３１\u3000００２Ｘ",  # with ideographic spaces
        "\ufeff11010519491231002X\u200b",  # BOM and zero-width space from a spreadsheet
    ],
)
def test_valid_numbers(raw):
    assert id_number_problem(raw, on=ON) is None
    assert id_number_problem(raw) is None


def test_normalise():
    assert normalise_id_number("１１０１０５\u3000１９４９ 1231 ００２ｘ") == STANDARD
    assert normalise_id_number(None) == ""
    assert normalise_id_number("\t510104\n199001011230 ") == CHENGDU_MAN


def test_15_to_18():
    assert to_18(STANDARD_OLD) == STANDARD
    assert to_18("１１０１０５ ４９１２３１ ００２") == STANDARD
    assert to_18("11010519491231002x") == STANDARD  # 18 characters come back normalised


def test_birth_date_and_sex():
    assert birth_date(STANDARD) == date(1949, 12, 31)
    assert birth_date(STANDARD_OLD) == date(1949, 12, 31)
    assert sex(STANDARD) == "female"  # 17th digit 2
    assert birth_date(CHENGDU_MAN) == date(1990, 1, 1)
    assert sex(CHENGDU_MAN) == "male"
    assert sex(SHENZHEN_WOMAN) == "female"
    with pytest.raises(InvalidIdNumber):
        sex("510104199001011234")


# --- each problem ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "id_format"),
        (None, "id_format"),
        ("11010519491231002", "id_format"),  # 17 characters
        ("11010519491231002XX", "id_format"),
        ("1101051949123100X2", "id_format"),  # X not last
        ("11010519491231A02X", "id_format"),
        ("11010549123100X", "id_format"),  # 15 characters end in digits only
        ("110105-19491231-002X", "id_format"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "id_format"),  # Arabic-Indic digits are not ID digits
        ("11010519491231002" + "5", "id_checksum"),
        ("510104199001011234", "id_checksum"),
        ("510104199002301236", "id_birthdate"),  # 30 February
        ("510104199013011236", "id_birthdate"),  # month 13
        ("510104189912310000", "id_birthdate"),  # before 1900
        ("510104203001010000", "id_birthdate"),  # after ON
        ("510104000229123", "id_birthdate"),  # old number: 1900 was not a leap year
        ("001234199001011230", "id_region"),
        ("991234199001011230", "id_region"),
        ("101234199001011230", "id_region"),
        ("991234900101123", "id_region"),
    ],
)
def test_problems(raw, code):
    problem = id_number_problem(raw, on=ON)
    assert isinstance(problem, Reason)
    assert problem.code == code
    assert problem.zh and problem.en


def test_problem_messages_say_what_is_wrong():
    checksum = id_number_problem("510104199001011234")
    assert "应为 0" in checksum.zh and "should be 0, not 4" in checksum.en
    assert "99" in id_number_problem("991234199001011230").en
    assert "19900230" in id_number_problem("510104199002301236").zh
    length = id_number_problem("1234567890")
    assert "10" in length.zh and "not 10" in length.en


def test_birth_date_is_judged_on_the_given_day():
    number = "510104202406010003"  # born 2024-06-01
    assert check_char(number[:17]) == number[17]
    assert id_number_problem(number, on=date(2024, 6, 1)) is None
    assert id_number_problem(number, on=date(2024, 5, 31)).code == "id_birthdate"


def test_invalid_numbers_raise_with_the_reason():
    with pytest.raises(InvalidIdNumber) as caught:
        to_18("510104199001011234")
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == "id_checksum"
    assert caught.value.reason == id_number_problem("510104199001011234")
    assert "0" in caught.value.message(english=True)


# --- protection -----------------------------------------------------------------------------


def test_protect(keyed):
    protected = protect_id_number(" 11010519491231002x")
    assert protected.masked == "110105********002X"
    assert STANDARD not in protected.ciphertext and STANDARD not in protected.digest
    assert reveal_id_number(protected.ciphertext) == STANDARD
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert protected.digest == id_digest(STANDARD_OLD) == id_digest(full_width)
    with pytest.raises(FrozenInstanceError):
        protected.digest = "x"  # type: ignore[misc]
    with pytest.raises(InvalidIdNumber):
        protect_id_number("510104199001011234")
    with pytest.raises(InvalidIdNumber):
        id_digest("not a number")


def test_masking_is_unchanged():
    assert mask_id_number(STANDARD) == "110105********002X"
    assert mask_id_number("12345") == "*****"
    assert mask("张三丰", "name") == "张*丰"
    assert mask(None, "name") is None


# --- properties -----------------------------------------------------------------------------

DIGITS = "0123456789"


def _number(prefix: str, area: str, born: date, sequence: str) -> str:
    first17 = prefix + area + born.strftime("%Y%m%d") + sequence
    return first17 + check_char(first17)


valid_numbers = st.builds(
    _number,
    st.sampled_from(sorted(PROVINCE_PREFIXES)),
    st.text(DIGITS, min_size=4, max_size=4),
    st.dates(min_value=date(1900, 1, 1), max_value=ON),
    st.text(DIGITS, min_size=3, max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(valid_numbers)
def test_generated_numbers_are_valid(number):
    assert id_number_problem(number, on=ON) is None
    assert to_18(number, on=ON) == number


@settings(max_examples=60, deadline=None)
@given(valid_numbers)
def test_every_single_character_change_is_caught(number):
    for position in range(18):
        for replacement in DIGITS + "X":
            if replacement == number[position]:
                continue
            mutated = number[:position] + replacement + number[position + 1 :]
            problem = id_number_problem(mutated, on=ON)
            assert problem is not None, mutated
            assert problem.code in {"id_checksum", "id_format", "id_birthdate", "id_region"}


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


@st.composite
def spellings(draw, number: str) -> str:
    """The same number as a messy spreadsheet might hold it."""
    chars = list(number.lower() if draw(st.booleans()) else number)
    if draw(st.booleans()):
        chars = list(_full_width("".join(chars)))
    for _ in range(draw(st.integers(0, 3))):
        chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from([" ", "\u3000"])))
    return "".join(chars)


@settings(max_examples=60, deadline=None)
@given(st.data(), valid_numbers, valid_numbers)
def test_protect_round_trips_and_digests_match_equal_numbers(keyed, data, number, other):
    spelled = data.draw(spellings(number))
    protected = protect_id_number(spelled)
    assert isinstance(protected, ProtectedId)
    assert reveal_id_number(protected.ciphertext) == number
    assert protected.masked == mask_id_number(number)
    assert id_digest(number) == protected.digest == id_digest(data.draw(spellings(number)))
    assert (id_digest(other) == protected.digest) == (other == number)
