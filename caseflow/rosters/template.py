"""The downloadable roster template (花名册模板) and ``safe_cell`` for every exported cell."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from caseflow.rosters.columns import COLUMNS
from caseflow.rosters.reader import EXAMPLE_MARK

# A spreadsheet evaluates a cell that starts with one of these as a formula (CSV injection);
# full-width forms included, which some spreadsheet programs treat the same.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
TEMPLATE_ROWS = 10_000  # rows that get the ID text format and the gender list

EXAMPLE = {
    "name": f"{EXAMPLE_MARK}张三",
    "id_number": "11010519491231002X",  # the worked example of GB 11643-1999
    "gender": "女",
    "phone": "13800000000",
    "group": "城乡未继续升学初高中毕业生",
    "occupation": "电工",
    "level": "四级/中级工",
    "start_date": date(2025, 3, 1),
    "end_date": date(2025, 3, 31),
    "certificate_number": "S000051010400254000001",
    "certificate_date": date(2025, 4, 15),
    "amount": Decimal("1500.00"),
    "bank_account": "6217000000000000000",
}


def safe_cell(value):
    """A value made safe to put in a spreadsheet cell: a string that a spreadsheet would run as a
    formula (``=1+1``, ``@SUM(A1)``, ``-2+3``, ``+1``, a leading tab or CR) gets a leading ``'``.
    Numbers, dates and ``None`` are returned unchanged (``-5`` as a number stays a number), and so
    is a lone ``-`` (the common "none" mark, which cannot be a formula)."""
    if not isinstance(value, str):
        return value
    if value.lstrip(" ").startswith(FORMULA_STARTS) and value.strip() not in ("-", "－"):
        return "'" + value
    return value


def roster_template() -> bytes:
    """An XLSX with the Chinese headers (bold, frozen), column widths, the ID column as text so
    Excel keeps all 18 characters, date and amount formats, a 男/女 list for 性别, and one example
    line in grey italics (its name starts with 示例, so the reader skips it)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    example_font = Font(italic=True, color="808080")
    formats = {"id_number": "@", "phone": "@", "certificate_number": "@", "bank_account": "@",
               "date": "yyyy-mm-dd", "amount": "0.00"}  # fmt: skip
    last = TEMPLATE_ROWS + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        title = column.zh if column.required else f"{column.zh}(选填)"
        cell = sheet.cell(row=1, column=index, value=safe_cell(title))
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[letter].width = column.width
        number_format = formats.get(column.key) or formats.get(column.kind)
        if number_format:
            sheet.column_dimensions[letter].number_format = number_format
        example = sheet.cell(row=2, column=index, value=safe_cell(EXAMPLE[column.key]))
        example.font = example_font
        if number_format:
            example.number_format = number_format
        if column.key == "gender":
            genders = DataValidation(
                type="list", formula1='"男,女"', allow_blank=True, showErrorMessage=True,
                errorTitle="性别", error="请选择“男”或“女”。",
            )  # fmt: skip
            genders.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(genders)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    for row, text in enumerate(NOTES, start=1):
        notes.cell(row=row, column=1, value=safe_cell(text))
    notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


NOTES = (
    "花名册填写说明",
    "1. 第2行为示例（姓名以“示例”开头），导入时自动跳过，可删除。",
    "2. 身份证号请填写18位号码，本列已设为文本格式，请勿改为数字格式。",
    "3. 日期可填写 2025-03-01、2025/3/1、2025.3.1、2025年3月1日 或 20250301。",
    "4. 补贴金额以元为单位，最多两位小数。",
    "5. 标注“选填”的列可以留空，其余各列均为必填。",
)
