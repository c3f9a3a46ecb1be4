"""Read a roster (花名册) from XLSX or CSV bytes into clean lines and per-row problems.

Pure: no database, no app context. The header row may be anywhere in the first ``HEADER_SCAN``
rows (title rows above it are skipped); row numbers are the ones the user sees (1-based sheet
row, CSV line). A value with a problem is ``None`` on its ``RosterRow``; the problem is listed in
``RosterRead.problems``. A file that cannot be read at all raises ``RosterUnreadable``.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial

from caseflow.rosters.columns import (
    BY_KEY,
    COLUMNS,
    HEADER_KEYS,
    MIN_HEADER_MATCHES,
    REQUIRED_KEYS,
    match_header,
)
from caseflow.rosters.values import (
    EXCEL_EPOCH,
    BadValue,
    cell_text,
    is_blank,
    parse_date,
    parse_id_number,
)
from caseflow.rosters.values import PARSERS as VALUE_PARSERS
from caseflow.timeutil import to_local, utcnow
from caseflow.workflows.errors import Reason

HEADER_SCAN = 20
MAX_ROWS = 50_000
EXAMPLE_MARK = "示例"  # the template's example line starts its name with this; it is skipped
TOTAL_NAMES = {"合计", "总计", "小计"}
CSV_ENCODINGS = ("utf-8", "gb18030")  # gb18030 is a superset of GBK and GB2312


class RosterUnreadable(ValueError):
    def __init__(self, code: str, zh: str, en: str):
        super().__init__(f"{code}: {en}")
        self.reason = Reason(code, zh, en)
        self.code, self.zh, self.en = code, zh, en

    def message(self, english: bool) -> str:
        return self.en if english else self.zh


@dataclass(frozen=True)
class RowProblem:
    row: int  # as the user sees it: sheet row or CSV line
    column: str  # the header as written in the file
    value: str
    code: str
    zh: str  # a full sentence: row, column and what is wrong
    en: str

    def message(self, english: bool) -> str:
        return self.en if english else self.zh


@dataclass
class RosterRow:
    row: int
    name: str | None = None
    id_number: str | None = None  # normalised 18 (or old 15) characters
    gender: str | None = None  # "male" / "female"
    phone: str | None = None
    group: str | None = None
    occupation: str | None = None
    level: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    certificate_number: str | None = None
    certificate_date: date | None = None
    amount: Decimal | None = None
    bank_account: str | None = None


@dataclass
class RosterRead:
    rows: list[RosterRow]
    problems: list[RowProblem]
    encoding: str | None  # CSV only: "utf-8-sig", "utf-8" or "gb18030"
    header_row: int
    columns: dict[str, str]  # column key → header as written in the file
    sheet: str | None = None
    problem_rows: set[int] = field(default_factory=set)

    def __post_init__(self):
        self.problem_rows = {problem.row for problem in self.problems}

    @property
    def clean_rows(self) -> list[RosterRow]:
        return [row for row in self.rows if row.row not in self.problem_rows]


def _unreadable(code: str, zh: str, en: str) -> RosterUnreadable:
    return RosterUnreadable(code, zh, en)


# --- Sources: rows of raw cell values with their user-visible numbers ---------------------------


def _xlsx_sheets(data: bytes) -> Iterator[tuple[str, datetime, Iterable[tuple[int, tuple]]]]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:
        raise _unreadable(
            "file_corrupt",
            "无法打开该 Excel 文件，文件可能已损坏；请用 Excel 另存为 .xlsx 后重新上传。",
            "The Excel file cannot be opened and may be damaged; save it again as .xlsx in "
            "Excel and upload it again.",
        ) from err
    epoch = book.epoch if isinstance(book.epoch, datetime) else EXCEL_EPOCH
    try:
        sheets = [book.active, *(ws for ws in book.worksheets if ws is not book.active)]
        for sheet in sheets:
            if sheet is None or not hasattr(sheet, "iter_rows"):
                continue
            rows = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
            yield sheet.title, epoch, enumerate(rows, start=1)
    finally:
        book.close()


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise _unreadable(
        "encoding",
        "无法识别 CSV 文件的编码（支持 UTF-8 与 GBK/GB18030）；请用 Excel 另存为 .xlsx 后上传。",
        "The CSV file's text encoding is not recognised (UTF-8 and GBK/GB18030 are read); "
        "save it as .xlsx in Excel and upload that.",
    )


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    sample = "\n".join(text.splitlines()[:HEADER_SCAN])
    delimiter = max(",\t;", key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for values in reader:
            yield line, values
            line = reader.line_num + 1
    except csv.Error as err:
        raise _unreadable(
            "csv_invalid",
            f"CSV 文件第{line}行格式有误（{err}）。",
            f"Line {line} of the CSV file is malformed ({err}).",
        ) from err


# --- Header -------------------------------------------------------------------------------------


def _header_map(values: tuple | list) -> dict[str, tuple[int, str]]:
    """Column key → (index, header as written) for the known headers in one row."""
    found: dict[str, tuple[int, str]] = {}
    for index, value in enumerate(values):
        column = match_header(value)
        if column is not None and column.key not in found:
            found[column.key] = (index, " ".join(str(value).split()))  # as written
    return found


def _find_header(rows: Iterator[tuple[int, tuple]]) -> tuple[int, dict[str, tuple[int, str]]]:
    best: dict[str, tuple[int, str]] = {}
    for number, values in rows:
        if number > HEADER_SCAN:
            break
        found = _header_map(values)
        if len(found) >= MIN_HEADER_MATCHES and all(key in found for key in HEADER_KEYS):
            return number, found
        if len(found) >= MIN_HEADER_MATCHES and len(found) > len(best):
            best = found
    if best:  # a header row that lacks 姓名 or 身份证号: say which columns are missing
        _check_columns(best)
    raise _unreadable(
        "no_header",
        f"前{HEADER_SCAN}行中找不到表头（至少需要“姓名”“身份证号”等列名）；请使用花名册模板。",
        f"No header row was found in the first {HEADER_SCAN} rows (it needs at least 姓名 and "
        "身份证号 among the column names); please use the roster template.",
    )


def _check_columns(found: dict[str, tuple[int, str]]) -> None:
    missing = [BY_KEY[key] for key in REQUIRED_KEYS if key not in found]
    if missing:
        zh = "、".join(f"“{column.zh}”" for column in missing)
        en = ", ".join(f"{column.zh} ({column.en})" for column in missing)
        raise _unreadable(
            "column_missing",
            f"花名册缺少必需的列：{zh}。",
            f"The roster lacks required columns: {en}.",
        )


# --- Lines --------------------------------------------------------------------------------------


def _problem(number: int, header: str, raw: object, reason: Reason) -> RowProblem:
    value = "" if raw is None else str(raw)
    return RowProblem(
        number, header, value, reason.code,
        f"第{number}行“{header}”：{reason.zh}", f"Row {number}, {header}: {reason.en}",
    )  # fmt: skip


MISSING = Reason("required_missing", "此项必填，不能为空。", "This value is required.")
END_BEFORE_START = Reason(
    "date_invalid", "培训结束日期早于开始日期。", "The training ends before it starts."
)


def _read_line(
    number: int, values, found: dict[str, tuple[int, str]], parsers: dict
) -> tuple[RosterRow, list[RowProblem]] | None:
    width = len(values)
    cells = {key: values[index] if index < width else None for key, (index, _) in found.items()}
    if all(is_blank(value) for value in cells.values()):
        return None
    name = cell_text(cells.get("name"))
    if name.startswith(EXAMPLE_MARK) or (name in TOTAL_NAMES and is_blank(cells.get("id_number"))):
        return None
    line, problems = RosterRow(number), []
    for key, raw in cells.items():
        column, header = BY_KEY[key], found[key][1]
        if is_blank(raw):
            if column.required:
                problems.append(_problem(number, header, raw, MISSING))
            continue
        try:
            value = parsers[column.kind](raw)
        except BadValue as err:
            problems.append(_problem(number, header, raw, err.reason))
            continue
        setattr(line, key, value)
    if line.start_date and line.end_date and line.end_date < line.start_date:
        problems.append(_problem(number, found["end_date"][1], cells["end_date"], END_BEFORE_START))
        line.end_date = None
    return line, problems


def _read_table(rows: Iterator[tuple[int, tuple]], epoch: datetime, encoding, sheet) -> RosterRead:
    header_row, found = _find_header(rows)
    _check_columns(found)
    lines: list[RosterRow] = []
    problems: list[RowProblem] = []
    parsers = {
        **VALUE_PARSERS,
        "date": partial(parse_date, epoch=epoch),
        "id_number": partial(parse_id_number, on=to_local(utcnow()).date()),
    }
    for number, values in rows:
        read = _read_line(number, values, found, parsers)
        if read is None:
            continue
        if len(lines) >= MAX_ROWS:
            raise _unreadable(
                "too_many_rows",
                f"花名册超过 {MAX_ROWS} 行；请拆分为多个文件。",
                f"The roster has more than {MAX_ROWS} lines; split it into several files.",
            )
        lines.append(read[0])
        problems.extend(read[1])
    order = {column.key: i for i, column in enumerate(COLUMNS)}
    columns = {key: found[key][1] for key in sorted(found, key=order.__getitem__)}
    return RosterRead(lines, problems, encoding, header_row, columns, sheet)


def read_roster(data: bytes, filename: str) -> RosterRead:
    """Read an XLSX or CSV roster. Raises ``RosterUnreadable`` when the file cannot be read."""
    lower = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":
        try:
            zipfile.ZipFile(io.BytesIO(data)).getinfo("[Content_Types].xml")
        except (zipfile.BadZipFile, KeyError) as err:
            raise _unreadable(
                "file_corrupt",
                "文件不是有效的 Excel（.xlsx）文件。",
                "The file is not a valid Excel (.xlsx) workbook.",
            ) from err
        first_error: RosterUnreadable | None = None
        for title, epoch, rows in _xlsx_sheets(data):
            try:
                return _read_table(iter(rows), epoch, None, title)
            except RosterUnreadable as err:
                if err.code not in ("no_header",):
                    raise
                first_error = first_error or err
        raise first_error or _unreadable(
            "no_header", "工作簿中没有工作表。", "The workbook has no sheets."
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or lower.endswith((".xls", ".et")):
        raise _unreadable(
            "format_unsupported",
            "不支持旧版 .xls 文件或加密的工作簿；请用 Excel 另存为 .xlsx（不设密码）后上传。",
            "Old .xls files and password-protected workbooks cannot be read; save the file as "
            ".xlsx (without a password) in Excel and upload that.",
        )
    if lower.endswith((".xlsx", ".xlsm")):
        raise _unreadable(
            "file_corrupt",
            "文件不是有效的 Excel（.xlsx）文件，可能已损坏。",
            "The file is not a valid Excel (.xlsx) workbook; it may be damaged.",
        )
    if b"\x00" in data or not lower.endswith((".csv", ".txt")):
        raise _unreadable(
            "format_unsupported",
            "只能读取 .xlsx 或 .csv 格式的花名册。",
            "Only .xlsx and .csv rosters can be read.",
        )
    text, encoding = _decode(data)
    return _read_table(_csv_rows(text), EXCEL_EPOCH, encoding, None)
