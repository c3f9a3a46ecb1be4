"""Sheets: a transition field entered row by row (definition field type ``sheet``).

A sheet field names a registered provider (``registry.sheet_provider``) that gives, for a case on
a day, the rows to fill in: a criterion with at most ``max_points`` points (kind ``points``), or a
criterion that is met or not met, with remarks when it is not (kind ``verdict``). The rows are
policy data read by the workflow's own module (e.g. the expert scoring sheet of Workflow A).

Whatever door the input comes through, it is stored the same way: as lines ``criterion=value``
(``facilities=22``, ``campus_land=met``, ``campus_land=not_met: 占地不足``), so event details,
the hash chain and every reader of a sheet see one format. :func:`to_lines` is the one place that
turns input into lines (the engine calls it for every sheet field); :func:`read` checks lines
against the rows and says what is wrong with each row, in Chinese and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from caseflow.workflows.errors import Reason

ROW_KINDS = ("points", "verdict")
KEY = re.compile(r"[a-z][a-z0-9_]*")
LINE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*[=:：＝]\s*(.*?)\s*$")
VERDICT_LINE = re.compile(r"([^:：]*)[:：]?(.*)", re.S)
VERDICTS = {"met": "met", "符合": "met", "not_met": "not_met", "不符合": "not_met"}
REMARKS_MAX = 1000


@dataclass(frozen=True)
class SheetRow:
    """One row of a sheet. ``required_*``/``declared_*`` are for the reader's reference (what a
    standard asks for, what the applicant declared); they are never checked here."""

    key: str
    label_zh: str
    label_en: str
    kind: str = "points"  # one of ROW_KINDS
    max_points: int | None = None
    required_zh: str = ""
    required_en: str = ""
    declared_zh: str = ""
    declared_en: str = ""

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh

    def required(self, english: bool) -> str:
        return self.required_en if english else self.required_zh

    def declared(self, english: bool) -> str:
        return self.declared_en if english else self.declared_zh


@dataclass(frozen=True)
class Problem:
    """What is wrong with a sheet: ``key`` is the row (None for a line that names no row);
    ``zh``/``en`` name the criterion (for a message about the whole sheet), ``row`` says it
    beside the row."""

    key: str | None
    code: str
    zh: str
    en: str
    row: Reason | None = None


@dataclass(frozen=True)
class SheetRefusal(Reason):
    """A guard's refusal of a sheet, with a reason per row: ``errors`` maps ``field`` (lines that
    name no row) and ``field.criterion`` to a Reason (the engine passes them on with the
    refusal, so the form can show each beside its row)."""

    errors: dict = field(default_factory=dict, compare=False, hash=False)


# ---------------------------------------------------------------------------------------------
# Input → lines (the one conversion)

BAD_SHAPE = Reason(
    "sheet_shape",
    "评分表格式不正确：请提交“评分项=取值”的行，或以评分项为键的对象。",
    "Give the sheet as lines “criterion=value” or as an object keyed by criterion.",
)


def _bad(zh: str, en: str) -> ValueError:
    return ValueError(Reason("sheet_value", zh, en))


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _value_text(key: str, value) -> str | None:
    """The text after ``key=`` for one value of the object form; None for a blank value."""
    if isinstance(value, bool):
        raise _bad(f"{key} 的取值无效。", f"The value of {key} is not valid.")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _one_line(value) or None
    if isinstance(value, dict):
        unknown = set(value) - {"verdict", "remarks"}
        if unknown or not isinstance(value.get("verdict", ""), str):
            raise _bad(f"{key} 应为 {{\"verdict\": …, \"remarks\": …}}。",
                       f'{key} must be {{"verdict": …, "remarks": …}}.')  # fmt: skip
        remarks = value.get("remarks") or ""
        if not isinstance(remarks, str):
            raise _bad(f"{key} 的说明应为文本。", f"The remarks of {key} must be text.")
        verdict, remarks = _one_line(value.get("verdict") or ""), _one_line(remarks)
        if not verdict:
            return f": {remarks}" if remarks else None
        return f"{verdict}: {remarks}" if remarks else verdict
    raise _bad(f"{key} 的取值无效。", f"The value of {key} is not valid.")


def to_lines(raw) -> list[str]:
    """A sheet as stored lines, from lines (a list or one text) or from an object
    ``{criterion: points}`` / ``{criterion: "met"}`` /
    ``{criterion: {"verdict": "not_met", "remarks": "…"}}``. Blank entries are left out (the
    sheet's check reports the row as missing). Raises ValueError(Reason) on a malformed shape."""
    if isinstance(raw, str):
        raw = raw.splitlines()
    if isinstance(raw, list | tuple):
        if not all(isinstance(line, str) for line in raw):
            raise ValueError(BAD_SHAPE)
        return [line.strip() for line in raw if line.strip()]
    if not isinstance(raw, dict):
        raise ValueError(BAD_SHAPE)
    lines = []
    for key, value in raw.items():
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise _bad(f"“{_one_line(key)[:40]}”不是评分项的代码。",
                       f"“{_one_line(key)[:40]}” is not a criterion key.")  # fmt: skip
        text = _value_text(key, value)
        if text is not None:
            lines.append(f"{key}={text}")
    return lines


# ---------------------------------------------------------------------------------------------
# Lines → values, checked against the rows


def pairs(lines, problems: list[Problem] | None = None) -> dict[str, str]:
    """``criterion → raw value`` of the lines; unreadable and repeated lines are problems."""
    problems = [] if problems is None else problems
    found: dict[str, str] = {}
    for line in lines or ():
        match = LINE.match(str(line))
        if match is None:
            problems.append(Problem(None, "unreadable", f"无法识别“{line}”（格式：评分项=取值）",
                                    f"cannot read “{line}” (write criterion=value)"))  # fmt: skip
        elif match.group(1) in found:
            key = match.group(1)
            problems.append(Problem(key, "twice", f"{key} 填写了两次", f"{key} is given twice",
                                    Reason("twice", "填写了两次。", "Given twice.")))  # fmt: skip
        else:
            found[match.group(1)] = match.group(2)
    return found


def _points(row: SheetRow, raw: str, problems: list[Problem]):
    top = row.max_points or 0
    if re.fullmatch(r"\d+", raw) and int(raw) <= top:
        return int(raw)
    problems.append(Problem(row.key, "points", f"{row.key} 应为 0 至 {top} 的整数",
                            f"{row.key} must be a whole number from 0 to {top}",
                            Reason("points", f"应为 0 至 {top} 的整数。",
                                   f"Must be a whole number from 0 to {top}.")))  # fmt: skip
    return None


def _verdict(row: SheetRow, raw: str, problems: list[Problem]):
    verdict, remarks = VERDICT_LINE.match(raw).groups()  # "not_met: remarks"
    verdict, remarks = VERDICTS.get(verdict.strip()), remarks.strip()
    key = row.key
    if verdict is None:
        problems.append(Problem(key, "verdict", f"{key} 应填写 met（符合）或 not_met（不符合）",
                                f"{key} must be met or not_met",
                                Reason("verdict", "请选择“符合”或“不符合”。",
                                       "Choose met or not met.")))  # fmt: skip
    elif verdict == "not_met" and not remarks:
        problems.append(Problem(key, "remarks", f"{key} 不符合时须写明情况（not_met: 说明）",
                                f"{key} is not met: add remarks (not_met: remarks)",
                                Reason("remarks", "不符合时须写明情况。",
                                       "Not met: add remarks.")))  # fmt: skip
    elif len(remarks) > REMARKS_MAX:
        problems.append(Problem(key, "remarks_long", f"{key} 的说明过长",
                                f"the remarks of {key} are too long",
                                Reason("remarks_long", f"说明最多 {REMARKS_MAX} 字。",
                                       f"At most {REMARKS_MAX} characters.")))  # fmt: skip
    else:
        return {"verdict": verdict, "remarks": remarks}
    return None


def read(rows, lines) -> tuple[dict, list[Problem]]:
    """(values by criterion, problems): every row is given once and only rows are given; a
    points row holds a whole number up to its maximum, a verdict row ``met`` or
    ``not_met: remarks``. Values: ``int`` for points, ``{"verdict", "remarks"}`` for verdicts."""
    problems: list[Problem] = []
    given = pairs(lines, problems)
    by_key = {row.key: row for row in rows}
    for key in sorted(given.keys() - by_key.keys()):
        problems.append(Problem(None, "unknown", f"表中没有 {key} 一项",
                                f"there is no criterion {key}"))  # fmt: skip
    missing = Reason("missing", "请填写此项。", "Fill in this row.")
    for row in rows:
        if row.key not in given:
            problems.append(Problem(row.key, "missing", f"缺少 {row.key}（{row.label_zh}）",
                                    f"{row.key} ({row.label_en}) is missing", missing))  # fmt: skip
    values = {}
    for row in rows:
        if row.key not in given:
            continue
        check = _points if row.kind == "points" else _verdict
        value = check(row, given[row.key], problems)
        if value is not None:
            values[row.key] = value
    return values, problems


def refusal(code: str, lead_zh: str, lead_en: str, field_name: str,
            problems: list[Problem]) -> SheetRefusal:  # fmt: skip
    """One reason for the whole sheet (every problem, in order) with a reason per row."""
    errors: dict[str, Reason] = {}
    loose = [p for p in problems if p.row is None or p.key is None]
    if loose:
        errors[field_name] = Reason(code, "；".join(p.zh for p in loose) + "。",
                                    "; ".join(p.en for p in loose) + ".")  # fmt: skip
    for p in problems:
        if p.row is not None and p.key is not None:
            errors.setdefault(f"{field_name}.{p.key}", p.row)
    return SheetRefusal(code, lead_zh + "；".join(p.zh for p in problems) + "。",
                        lead_en + "; ".join(p.en for p in problems) + ".", errors)  # fmt: skip
