"""Cell values of a roster line, normalised: each ``parse_*`` returns the clean value or raises
``BadValue`` with a ``Reason`` saying what is wrong (in Chinese and English)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from caseflow.pii import id_number_problem, normalise_id_number
from caseflow.workflows.errors import Reason

EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug aside)
EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)
CENT = Decimal("0.01")


class BadValue(ValueError):
    def __init__(self, reason: Reason):
        super().__init__(f"{reason.code}: {reason.en}")
        self.reason = reason


def cell_text(value: object) -> str:
    """A cell as text: NFKC, outer spaces stripped, inner runs of spaces made one; whole floats
    (``3.0`` typed in a General cell) lose the ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- ID numbers --------------------------------------------------------------------------------


def parse_id_number(value: object, on: date | None = None) -> str:
    """``on``: the day birth dates may not be after (default today in Asia/Shanghai)."""
    if isinstance(value, float) and value >= 1e15:
        # An 18-digit number typed into a General/Number cell: Excel keeps 15 significant digits.
        raise BadValue(
            Reason(
                "id_format",
                "身份证号码被保存为数字，末几位已丢失；请将该列设为文本格式后重新录入。",
                "The ID number was stored as a number and its last digits were lost; format "
                "the column as text and enter it again.",
            )
        )
    raw = str(int(value)) if isinstance(value, int | float) else str(value)
    problem = id_number_problem(raw, on=on)
    if problem is not None:
        raise BadValue(problem)
    return normalise_id_number(raw)


# --- Gender --------------------------------------------------------------------------------------

GENDERS = {"男": "male", "男性": "male", "女": "female", "女性": "female"}


def parse_gender(value: object) -> str:
    """``男`` → ``"male"``, ``女`` → ``"female"`` (as ``caseflow.pii.sex`` says them)."""
    text = cell_text(value).replace(" ", "")
    if text in GENDERS:
        return GENDERS[text]
    raise BadValue(
        Reason(
            "gender_invalid", "性别应填写“男”或“女”。", "Gender should be 男 (male) or 女 (female)."
        )
    )


# --- Dates ---------------------------------------------------------------------------------------

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
DATE_FORMS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME),  # 2025-03-01, 2025/3/1, 2025.3.1
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?"),  # 2025年3月1日
    re.compile(r"(\d{4})(\d{2})(\d{2})"),  # 20250301
)

_DATE_HELP_ZH = "请使用 2025-03-01、2025/3/1、2025.3.1、2025年3月1日 或 20250301 格式"
_DATE_HELP_EN = "use a form such as 2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日 or 20250301"


def _bad_date(zh: str, en: str) -> BadValue:
    return BadValue(Reason("date_invalid", zh, en))


def _checked(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise _bad_date(
            f"日期 {day.isoformat()} 不在1900年至2099年之间。",
            f"The date {day.isoformat()} is not between 1900 and 2099.",
        )
    return day


def from_serial(serial: float, epoch: datetime = EXCEL_EPOCH) -> date:
    """An Excel date serial (days since ``epoch``; the 1904 system passes its own epoch)."""
    if not 1 <= serial < 2958466:
        raise _bad_date(f"数字 {serial} 不是日期；{_DATE_HELP_ZH}。", f"{serial} is not a date; "
                        f"{_DATE_HELP_EN}.")  # fmt: skip
    return _checked((epoch + timedelta(days=int(serial))).date())


def parse_date(value: object, epoch: datetime = EXCEL_EPOCH) -> date:
    """A date cell (datetime, Excel serial, ``20250301`` typed as a number) or any text form of
    ``DATE_FORMS``."""
    if isinstance(value, datetime):
        return _checked(value.date())
    if isinstance(value, date):
        return _checked(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        whole = isinstance(value, int) or value.is_integer()
        if whole and 19000101 <= int(value) <= 20991231:
            return parse_date(str(int(value)))
        return from_serial(value, epoch)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for form in DATE_FORMS:
        match = form.fullmatch(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return _checked(date(year, month, day))
            except ValueError:
                raise _bad_date(
                    f"“{text}”不是有效日期（没有这一天）。",
                    f"“{text}” is not a real date (no such day).",
                ) from None
    raise _bad_date(f"“{text}”不是可识别的日期；{_DATE_HELP_ZH}。",
                    f"“{text}” is not a recognised date; {_DATE_HELP_EN}.")  # fmt: skip


# --- Amounts -------------------------------------------------------------------------------------

_AMOUNT_JUNK = dict.fromkeys(map(ord, ",，元¥￥ \u3000"))


def parse_amount(value: object) -> Decimal:
    """``1,500.00元`` → ``Decimal("1500.00")``; negatives and more than 2 decimals refused."""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).translate(_AMOUNT_JUNK)
        text = text.replace("¥", "")  # NFKC turns ￥ into ¥
        if text.lower().endswith("rmb"):
            text = text[:-3]
        try:
            amount = Decimal(text) if re.fullmatch(r"[+-]?\d+(\.\d*)?|[+-]?\.\d+", text) else None
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            amount = None
        if amount is None:
            raise BadValue(
                Reason(
                    "amount_invalid",
                    f"金额“{value}”不是数字。",
                    f"The amount “{value}” is not a number.",
                )
            )
    if amount < 0:
        raise BadValue(
            Reason("amount_invalid", "金额不能为负数。", "The amount cannot be negative.")
        )
    if amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise BadValue(
            Reason(
                "amount_invalid",
                "金额最多保留两位小数（到分）。",
                "The amount may have at most 2 decimal places (fen).",
            )
        )
    return amount.quantize(CENT)


# --- Plain text ----------------------------------------------------------------------------------


def parse_text(value: object) -> str:
    return cell_text(value)


def parse_compact(value: object) -> str:
    """Phone and bank account numbers: digits kept as typed, spaces and dashes dropped."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return "".join(text.split()).replace("-", "")


PARSERS = {
    "text": parse_text,
    "id_number": parse_id_number,
    "gender": parse_gender,
    "phone": parse_compact,
    "account": parse_compact,
    "amount": parse_amount,
    # "date" takes the workbook's epoch; see reader
}
