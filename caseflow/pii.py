"""Personal data: masking for display, and resident ID numbers (居民身份证号码, GB 11643-1999).

ID numbers are checked (``id_number_problem``), brought to the 18-character form (``to_18``) and
stored only as ``ProtectedId``: a Fernet ciphertext plus a keyed hash (HMAC) for matching, both
under sub-keys of ``CASEFLOW_DATA_KEY`` (see ``caseflow.crypto`` and DOMAIN.md §5.2).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from caseflow.crypto import decrypt, encrypt, keyed_hash
from caseflow.timeutil import to_local, utcnow

if TYPE_CHECKING:
    from caseflow.workflows.errors import Reason


def mask_name(name: str | None) -> str:
    """``张三丰`` → ``张*丰``, ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧**娜``."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str | None) -> str:
    """First 6 and last 4 characters shown: ``510104********123X``."""
    number = (number or "").strip()
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


MASKS = {"name": mask_name, "id_number": mask_id_number}


def mask(value, how: str | None):
    if how is None or value is None:
        return value
    return MASKS[how](str(value))


# --- Resident ID numbers --------------------------------------------------------------------

# Province-level codes of GB/T 2260 (中华人民共和国行政区划代码), the first two digits of every
# ID number: 31 provinces, autonomous regions and municipalities, plus 71 Taiwan, 81 Hong Kong and
# 82 Macao (the last two as issued on residence permits since 2018).
PROVINCE_PREFIXES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建",
    "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门",
}  # fmt: skip

# GB 11643-1999 check character: ISO 7064 MOD 11-2 over the first 17 digits.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)

ID_FORM = re.compile(r"[0-9]{17}[0-9X]|[0-9]{15}")  # ASCII digits only, after normalising
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


class InvalidIdNumber(ValueError):
    """An ID number failed ``id_number_problem``; ``reason`` says why. A view that wants HTTP 422
    raises ``InvalidInput(err.reason, {field: err.reason})`` from it."""

    def __init__(self, reason: Reason):
        super().__init__(f"{reason.code}: {reason.en}")
        self.reason = reason

    @property
    def code(self) -> str:
        return self.reason.code

    def message(self, english: bool) -> str:
        return self.reason.text(english)


def _reason(code: str, zh: str, en: str) -> Reason:
    # Imported late: the workflows package pulls in the models, which pii must not need.
    from caseflow.workflows.errors import Reason

    return Reason(code, zh, en)


def normalise_id_number(raw: str | None) -> str:
    """Full-width digits and letters made ASCII (NFKC), every space (also U+3000 and inner ones)
    and zero-width character removed, ``x`` upper-cased: ``５１０１０４ 1990…123x`` → ``…123X``."""
    text = unicodedata.normalize("NFKC", raw or "").translate(INVISIBLE)
    return "".join(text.split()).upper()


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _birth_digits(number: str) -> str:
    """``YYYYMMDD`` of a well-formed number (old 15-digit numbers were all issued to 19YY)."""
    return number[6:14] if len(number) == 18 else "19" + number[6:12]


def _local_today() -> date:
    return to_local(utcnow()).date()


def _format_problem(number: str) -> Reason:
    if not number:
        return _reason("id_format", "身份证号码为空。", "The ID number is empty.")
    if len(number) in (15, 18):
        return _reason(
            "id_format",
            "身份证号码只能由数字组成，18位号码的末位可以是 X。",
            "The ID number may contain only digits, and X as the last of 18 characters.",
        )
    return _reason(
        "id_format",
        f"身份证号码应为18位（或15位旧号码），此号码为{len(number)}位。",
        f"The ID number should have 18 characters (or 15 digits for an old number), "
        f"not {len(number)}.",
    )


def _birth_problem(digits: str, on: date) -> Reason | None:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return _reason(
            "id_birthdate",
            f"出生日期 {digits} 不是有效日期。",
            f"The birth date {digits} is not a real date.",
        )
    if born < EARLIEST_BIRTH:
        return _reason(
            "id_birthdate",
            f"出生日期 {born.isoformat()} 早于1900年1月1日。",
            f"The birth date {born.isoformat()} is before 1 January 1900.",
        )
    if born > on:
        return _reason(
            "id_birthdate",
            f"出生日期 {born.isoformat()} 晚于 {on.isoformat()}。",
            f"The birth date {born.isoformat()} is after {on.isoformat()}.",
        )
    return None


def id_number_problem(raw: str | None, *, on: date | None = None) -> Reason | None:
    """``None`` when ``raw`` is a valid ID number (18 characters, or an old 15-digit number), else
    the first problem found, in this order: ``id_format``, ``id_region``, ``id_birthdate`` (not a
    real date, before 1900, or after ``on`` — default today in Asia/Shanghai), ``id_checksum``."""
    number = normalise_id_number(raw)
    if not ID_FORM.fullmatch(number):
        return _format_problem(number)
    prefix = number[:2]
    if prefix not in PROVINCE_PREFIXES:
        return _reason(
            "id_region",
            f"前两位 {prefix} 不是省级行政区划代码（GB/T 2260）。",
            f"The first two digits {prefix} are not a province-level region code (GB/T 2260).",
        )
    problem = _birth_problem(_birth_digits(number), on or _local_today())
    if problem is not None:
        return problem
    if len(number) == 18 and number[17] != (expected := id_check_char(number[:17])):
        return _reason(
            "id_checksum",
            f"校验码应为 {expected}，而不是 {number[17]}；请核对号码是否有误。",
            f"The check character should be {expected}, not {number[17]}; "
            "check the number for a typo.",
        )
    return None


def to_18(raw: str | None, *, on: date | None = None) -> str:
    """The valid number in its normalised 18-character form; an old 15-digit number gets ``19``
    before its year and a computed check character. Raises ``InvalidIdNumber``."""
    problem = id_number_problem(raw, on=on)
    if problem is not None:
        raise InvalidIdNumber(problem)
    number = normalise_id_number(raw)
    if len(number) == 15:
        first17 = number[:6] + "19" + number[6:]
        return first17 + id_check_char(first17)
    return number


def birth_date(number: str) -> date:
    digits = to_18(number)[6:14]
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def sex(number: str) -> str:
    """``"male"`` when the 17th digit is odd, else ``"female"``."""
    return "male" if int(to_18(number)[16]) % 2 else "female"


@dataclass(frozen=True)
class ProtectedId:
    """How an ID number is kept: never the number itself."""

    ciphertext: str  # Fernet token under the "id_number" sub-key; see reveal_id_number
    digest: str  # HMAC-SHA256 of the 18-character form: equal numbers, equal digests
    masked: str  # 510104********123X, for screens and exports


def protect_id_number(raw: str | None) -> ProtectedId:
    """Validate, normalise to 18 characters, encrypt and hash. Raises ``InvalidIdNumber``.
    Needs an app context (the keys come from the app's configuration)."""
    number = to_18(raw)
    return ProtectedId(
        ciphertext=encrypt("id_number", number),
        digest=keyed_hash("id_number", number),
        masked=mask_id_number(number),
    )


def id_digest(raw: str | None) -> str:
    """The matching digest of ``raw`` (any spacing, width, case, or the old 15-digit form), to
    look up ``ProtectedId.digest``. Raises ``InvalidIdNumber``."""
    return keyed_hash("id_number", to_18(raw))


def reveal_id_number(ciphertext: str) -> str:
    """The full number behind ``ProtectedId.ciphertext``.

    Every reveal is an access to personal data: the caller must record an access event — who,
    which case, and the reason given — before showing the number (DOMAIN.md §6, "who read
    personal data and why"). This function does not log; it only decrypts.
    """
    return decrypt("id_number", ciphertext)
