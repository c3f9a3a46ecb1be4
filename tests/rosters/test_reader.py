"""Roster (花名册) reading: template round trip, messy files, encodings, per-row problems."""

import csv
import io
import random
import time
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from caseflow.pii import id_check_char
from caseflow.rosters import RosterUnreadable, read_roster, roster_template, safe_cell
from caseflow.rosters.columns import COLUMNS, match_header
from caseflow.rosters.values import parse_date

HEADERS = [column.zh for column in COLUMNS]


def id_number(seq: int, born: str = "19900101", region: str = "510104") -> str:
    first17 = f"{region}{born}{seq % 1000:03d}"
    return first17 + id_check_char(first17)


def line(seq: int, **changes) -> dict:
    values = {
        "姓名": f"学员{seq}",
        "身份证号": id_number(seq),
        "性别": "男" if seq % 2 else "女",
        "联系电话": "13800000000",
        "人员类别": "城乡未继续升学初高中毕业生",
        "职业(工种)": "电工",
        "等级": "四级",
        "培训开始日期": date(2025, 3, 1),
        "培训结束日期": date(2025, 3, 31),
        "证书编号": f"S{seq:021d}",
        "发证日期": date(2025, 4, 15),
        "补贴金额": 1500,
        "银行账号": "6217000000000000000",
    }
    values.update(changes)
    return values


def xlsx(rows: list[list], merge: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def simple_xlsx(lines: list[dict], headers=HEADERS) -> bytes:
    return xlsx([headers, *([values.get(h) for h in headers] for values in lines)])


def codes(read) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.code) for p in read.problems]


# --- Template ----------------------------------------------------------------------------------


def test_template_round_trips():
    template = roster_template()
    book = load_workbook(io.BytesIO(template))
    sheet = book["花名册"]
    assert [c.value for c in sheet[1]][:3] == ["姓名", "身份证号", "性别"]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].number_format == "@"
    assert sheet.column_dimensions["B"].width > 18
    assert sheet["A2"].font.i and sheet["A2"].value.startswith("示例")
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"男,女"' and "C2" in validation.sqref

    empty = read_roster(template, "花名册模板.xlsx")
    assert empty.rows == [] and empty.problems == [] and empty.header_row == 1
    assert set(empty.columns) == {column.key for column in COLUMNS}

    for seq in (1, 2):
        sheet.append([line(seq).get(column.zh) for column in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    read = read_roster(out.getvalue(), "roster.xlsx")
    assert read.problems == [] and read.encoding is None
    assert [row.row for row in read.rows] == [3, 4]  # the example line on row 2 is skipped
    first = read.rows[0]
    assert (first.name, first.id_number, first.gender) == ("学员1", id_number(1), "male")
    assert first.start_date == date(2025, 3, 1) and first.amount == Decimal("1500.00")
    assert first.phone == "13800000000" and first.bank_account == "6217000000000000000"


# --- Messy XLSX ----------------------------------------------------------------------------------

MESSY_HEADER = [None, "序号", "名字", "公民身份号码 ", None, "性别*", "人员类别", "职业（工种）",
                "等级", "开班日期", "培训结束日期", "证书号", "取证时间：",
                "申请金额(元)"]  # fmt: skip


def messy_row(n, name, ident, start, end="2025-03-31", cert_date=45762, amount="1,500元"):
    return [None, n, name, ident, None, "女", "失业人员", "电工", "四级", start, end,
            f"C{n:06d}", cert_date, amount]  # fmt: skip


def test_messy_xlsx():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in id_number(1))  # ５１０１０４…
    spaced = id_number(2)[:6] + " " + id_number(2)[6:14] + "\u3000" + id_number(2)[14:]
    with_x = next(id_number(s) for s in range(1000) if id_number(s).endswith("X"))
    rows = [
        ["2025年第一季度职业技能培训补贴人员花名册"],
        ["填报单位：成都市某职业培训学校", None, None, None, None, "填报日期：2025年5月"],
        MESSY_HEADER,
        [],
        messy_row(1, " 张三 ", full_width, 45717),  # an Excel serial typed into a General cell
        messy_row(2, "李四", spaced, datetime(2025, 3, 1), amount=1500),
        [None] * 14,
        messy_row(3, "王五", with_x.lower(), "2025/3/1", amount="￥1,200.50"),
        messy_row(4, "赵六", id_number(4), "2025.3.1", end=date(2025, 3, 31)),
        messy_row(5, "钱七", id_number(5), "2025年3月1日", end="2025年03月31日"),
        messy_row(6, "孙八", id_number(6), "20250301", end=20250331, amount="1，500.00 元"),
        messy_row(7, "周九", id_number(7), "2025-03-01", cert_date="2025-04-15 00:00:00"),
        [None, None, "合计", None, None, None, None, None, None, None, None, None, None, 10700],
    ]
    read = read_roster(xlsx(rows, merge="A1:N1"), "messy.xlsx")
    assert read.problems == []
    assert read.header_row == 3
    assert (
        read.columns["id_number"] == "公民身份号码" and read.columns["occupation"] == "职业（工种）"
    )
    assert read.columns["certificate_date"] == "取证时间："
    assert [row.row for row in read.rows] == [5, 6, 8, 9, 10, 11, 12]
    assert [row.id_number for row in read.rows[:3]] == [id_number(1), id_number(2), with_x]
    assert {row.start_date for row in read.rows} == {date(2025, 3, 1)}
    assert {row.end_date for row in read.rows} == {date(2025, 3, 31)}
    assert {row.certificate_date for row in read.rows} == {date(2025, 4, 15)}
    assert [row.amount for row in read.rows][:3] == [Decimal("1500.00"), 1500, Decimal("1200.50")]
    assert read.rows[5].amount == Decimal("1500.00")
    assert read.rows[0].name == "张三" and read.rows[0].gender == "female"
    assert read.rows[0].phone is None  # optional column absent


@pytest.mark.parametrize(
    "header",
    ["职业（工种）", " 职业(工种) *", "工种", "职业", "职业（工种）："],
)
def test_header_variants(header):
    assert match_header(header).key == "occupation"


# --- CSV -----------------------------------------------------------------------------------------


def csv_bytes(lines: list[list], encoding: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(lines)
    return out.getvalue().encode(encoding)


def csv_lines(name="王䶮") -> list[list]:
    body = [line(1, 姓名=name, 培训开始日期="2025/3/1", 培训结束日期="2025年3月31日",
                 发证日期="20250415", 补贴金额="1,500")]  # fmt: skip
    return [["花名册"], HEADERS, *([v.get(h) for h in HEADERS] for v in body)]


@pytest.mark.parametrize(
    ("encoding", "name", "expect"),
    [("gbk", "王五", "gb18030"), ("gb18030", "王䶮", "gb18030"),
     ("utf-8-sig", "王䶮", "utf-8-sig"), ("utf-8", "王䶮", "utf-8")],
)  # fmt: skip
def test_csv_encodings(encoding, name, expect):
    data = csv_bytes(csv_lines(name), encoding)
    read = read_roster(data, "roster.csv")
    assert read.encoding == expect
    assert read.problems == [] and read.header_row == 2
    (row,) = read.rows
    assert (row.row, row.name, row.amount) == (3, name, Decimal("1500.00"))
    assert row.certificate_date == date(2025, 4, 15)


def test_csv_line_numbers_follow_multiline_cells():
    lines = csv_lines("张三")
    lines.insert(2, [*lines[2][:4], "城乡\n未升学", *lines[2][5:]])
    lines[3][0] = "李四"
    lines[3][1] = "12345"
    read = read_roster(csv_bytes(lines, "utf-8"), "r.csv")
    assert [row.row for row in read.rows] == [3, 5]
    assert codes(read) == [(5, "身份证号", "id_format")]


# --- Per-row problems ----------------------------------------------------------------------------


def test_row_problems_name_row_column_and_code():
    bad_check = id_number(3)[:17] + ("1" if id_number(3)[17] != "1" else "2")
    lines = [
        line(1),
        line(2, 姓名=None),
        line(3, 身份证号=bad_check),
        line(4, 身份证号="991040199001010011"),
        line(5, 身份证号=id_number(5, born="19901332")),
        line(6, 身份证号="51010419900101"),
        line(7, 培训开始日期="2025-02-30", 发证日期="明年"),
        line(8, 补贴金额="-5"),
        line(9, 补贴金额="1500.123"),
        line(10, 补贴金额="一千"),
        line(11, 性别="M"),
        line(12, 培训结束日期=date(2025, 2, 1)),
        line(13, 身份证号=float(id_number(13)[:17] + "0")),
    ]
    read = read_roster(simple_xlsx(lines), "r.xlsx")
    assert codes(read) == [
        (3, "姓名", "required_missing"),
        (4, "身份证号", "id_checksum"),
        (5, "身份证号", "id_region"),
        (6, "身份证号", "id_birthdate"),
        (7, "身份证号", "id_format"),
        (8, "培训开始日期", "date_invalid"),
        (8, "发证日期", "date_invalid"),
        (9, "补贴金额", "amount_invalid"),
        (10, "补贴金额", "amount_invalid"),
        (11, "补贴金额", "amount_invalid"),
        (12, "性别", "gender_invalid"),
        (13, "培训结束日期", "date_invalid"),
        (14, "身份证号", "id_format"),
    ]
    by_row = {p.row: p for p in reversed(read.problems)}  # the first problem of each row
    assert by_row[4].zh.startswith("第4行“身份证号”：校验码应为")
    assert by_row[4].en.startswith("Row 4, 身份证号: The check character should be")
    assert by_row[4].value == bad_check
    assert "2025-02-30" in by_row[8].zh and "not a real date" in by_row[8].en
    assert by_row[9].value == "-5" and "negative" in by_row[9].en
    assert "两位小数" in by_row[10].zh
    assert "男" in by_row[12].zh and by_row[12].message(True).startswith("Row 12")
    assert "stored as a number" in by_row[14].en
    assert len(read.rows) == 13 and [r.row for r in read.clean_rows] == [2]
    assert read.rows[2].id_number is None and read.rows[2].name == "学员3"


# --- Unreadable files ----------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["roster.xlsx", "roster.csv", "roster.pdf"])
def test_random_bytes_are_unreadable(filename):
    data = random.Random(7).randbytes(4096)
    with pytest.raises(RosterUnreadable) as caught:
        read_roster(data, filename)
    assert caught.value.code in ("file_corrupt", "encoding", "format_unsupported")
    assert caught.value.zh and caught.value.en


def test_truncated_xlsx_is_corrupt():
    with pytest.raises(RosterUnreadable) as caught:
        read_roster(roster_template()[:2000], "roster.xlsx")
    assert caught.value.code == "file_corrupt" and "Excel" in caught.value.en


def test_xlsx_without_header_row():
    data = xlsx([["花名册"], ["编号", "备注", "日期"], *([i, "x", "y"] for i in range(30))])
    with pytest.raises(RosterUnreadable) as caught:
        read_roster(data, "roster.xlsx")
    assert caught.value.code == "no_header"
    assert "姓名" in caught.value.zh and "first 20 rows" in caught.value.en


def test_missing_id_column():
    headers = [h for h in HEADERS if h != "身份证号"]
    with pytest.raises(RosterUnreadable) as caught:
        read_roster(simple_xlsx([line(1)], headers), "roster.xlsx")
    assert caught.value.code == "column_missing"
    assert "“身份证号”" in caught.value.zh and "ID number" in caught.value.en


def test_missing_required_column_other_than_name_and_id():
    headers = [h for h in HEADERS if h != "补贴金额"]
    with pytest.raises(RosterUnreadable) as caught:
        read_roster(csv_bytes([headers], "utf-8"), "roster.csv")
    assert caught.value.code == "column_missing" and "补贴金额" in caught.value.zh


def test_old_xls_is_refused_with_advice():
    with pytest.raises(RosterUnreadable) as caught:
        read_roster(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "roster.xls")
    assert caught.value.code == "format_unsupported" and ".xlsx" in caught.value.en


# --- safe_cell -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "@SUM(A1)", "-2+3", "+1", "\t=1", "\r=1", " =1", "＝1"])
def test_safe_cell_neutralises_formulas(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [-5, 3.5, Decimal("-1.50"), None, date(2025, 1, 1), "-", "张三"])
def test_safe_cell_leaves_values_alone(value):
    assert safe_cell(value) == value


def test_safe_cell_keeps_formulas_out_of_a_written_workbook():
    book = Workbook()
    book.active.append([safe_cell('=HYPERLINK("http://x")'), safe_cell(-5)])
    out = io.BytesIO()
    book.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet["A1"].data_type == "s" and sheet["B1"].value == -5


# --- Dates (property) ----------------------------------------------------------------------------

DATE_TEXTS = (
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: d.isoformat(),
    lambda d: f"{d.year}-{d.month}-{d.day}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}日",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: f" {d.isoformat()} 00:00:00",
)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(DATE_TEXTS),
)
def test_every_text_date_form_parses_back(day, form):
    assert parse_date(form(day)) == day


def test_excel_serials_and_date_cells():
    assert parse_date(45717) == date(2025, 3, 1)
    assert parse_date(45717.75) == date(2025, 3, 1)
    assert parse_date(datetime(2025, 3, 1, 8, 30)) == date(2025, 3, 1)
    assert parse_date(20250301) == date(2025, 3, 1)


# --- Size ----------------------------------------------------------------------------------------

BIG = 10_000


@pytest.fixture(scope="module")
def big_roster() -> bytes:
    book = Workbook()  # shared strings and a <dimension>, as Excel and WPS write them
    sheet = book.active
    sheet.append(HEADERS)
    for seq in range(BIG):
        values = line(seq, 身份证号=id_number(seq, region=f"5101{seq // 1000 % 100:02d}"))
        sheet.append([values.get(h) for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.slow
def test_reading_ten_thousand_rows(big_roster):
    started = time.perf_counter()
    read = read_roster(big_roster, "big.xlsx")
    elapsed = time.perf_counter() - started
    print(f"\nread {BIG} roster rows ({len(big_roster) // 1024} KiB) in {elapsed:.2f} s")
    assert len(read.rows) == BIG and read.problems == []
    assert read.rows[-1].row == BIG + 1
