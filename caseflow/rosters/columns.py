"""The canonical columns of a roster (花名册) line and the header variants offices write for them.

Headers are matched after ``normalise_header``: NFKC (full-width brackets and letters become
ASCII), every space removed, a trailing ``*`` (required marker) or ``：`` dropped, lower case.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    zh: str  # the header the template writes
    en: str
    kind: str  # text, id_number, gender, phone, date, amount, account
    variants: tuple[str, ...] = ()
    required: bool = True
    width: int = 14  # template column width (characters)

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.zh, *self.variants)


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "Name", "text", ("名字", "学员姓名", "人员姓名"), width=12),
    Column(
        "id_number", "身份证号", "ID number", "id_number",
        ("身份证号码", "公民身份号码", "证件号码", "身份证", "身份证件号码"), width=22,
    ),
    Column("gender", "性别", "Gender", "gender", (), width=8),
    Column(
        "phone", "联系电话", "Phone", "phone",
        ("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"), required=False, width=15,
    ),
    Column("group", "人员类别", "Group", "text", ("人员类型", "类别"), width=14),
    Column("occupation", "职业(工种)", "Occupation", "text", ("工种", "职业"), width=16),
    Column(
        "level", "等级", "Level", "text",
        ("职业技能等级", "技能等级", "鉴定等级", "证书等级"), width=10,
    ),
    Column(
        "start_date", "培训开始日期", "Training start", "date",
        ("开班日期", "培训开始时间", "开训日期"), width=14,
    ),
    Column(
        "end_date", "培训结束日期", "Training end", "date",
        ("结班日期", "培训结束时间", "结业日期"), width=14,
    ),
    Column(
        "certificate_number", "证书编号", "Certificate number", "text",
        ("证书号", "证书号码"), width=22,
    ),
    Column(
        "certificate_date", "发证日期", "Certificate date", "date",
        ("证书日期", "取证时间", "取证日期", "发证时间"), width=14,
    ),
    Column(
        "amount", "补贴金额", "Amount", "amount",
        ("申请金额", "补贴金额(元)", "申请金额(元)", "补贴标准"), width=12,
    ),
    Column(
        "bank_account", "银行账号", "Bank account", "account",
        ("银行卡号", "社保卡号", "社会保障卡号", "收款账号"), required=False, width=24,
    ),
)  # fmt: skip

BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED_KEYS = tuple(column.key for column in COLUMNS if column.required)
HEADER_KEYS = ("name", "id_number")  # a header row must have these (and ≥ 3 known columns)
MIN_HEADER_MATCHES = 3


OPTIONAL_NOTES = ("(选填)", "(必填)", "(可选)", "(非必填)")


def normalise_header(text: object) -> str:
    """``' 职业（工种）* '`` → ``'职业(工种)'``; ``'身份证号码：'`` → ``'身份证号码'``;
    ``'联系电话(选填)'`` → ``'联系电话'``."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = "".join(value.split())
    changed = True
    while changed:
        changed = False
        while value and value[-1] in "*:":
            value, changed = value[:-1], True
        for note in OPTIONAL_NOTES:
            if value.endswith(note) and len(value) > len(note):
                value, changed = value[: -len(note)], True
    return value.lower()


_LOOKUP: dict[str, Column] = {}
for _column in COLUMNS:
    for _header in (*_column.headers, _column.en, _column.key):
        _LOOKUP.setdefault(normalise_header(_header), _column)


def match_header(text: object) -> Column | None:
    """The column a header cell names, or ``None`` (unknown headers such as 序号 are ignored)."""
    return _LOOKUP.get(normalise_header(text))
