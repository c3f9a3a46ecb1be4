"""Policy values as text for people: operator, figure, unit (and 亩 beside m² for land).

Labels, units and operator words come from the data and ``model.UNITS``/``OPERATORS`` in both
languages; only the few words of page chrome (yes/no) are message ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from caseflow.policy.model import OPERATORS, UNITS, Policy, PolicyValue, PolicyVersion, to_mu


def number(value) -> str:
    if isinstance(value, Decimal):
        value = value.normalize()
        return format(value, ",f")
    return f"{value:,}"


def with_unit(value, unit: str | None, english: bool) -> str:
    if unit is None:
        return number(value)
    if english and unit == "wan_yuan":  # 300 万元 reads as 3,000,000 yuan
        return f"{number(Decimal(value) * 10000)} yuan"
    separator = " " if english and unit != "percent" else ""
    return f"{number(value)}{separator}{UNITS[unit].label(english)}"


def plain(value, english: bool) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, tuple):
        return (", " if english else "、").join(str(v) for v in value)
    return str(value)


def describe(v: PolicyValue, english: bool) -> str | None:
    """The value as a phrase (``≥ 30,000 m² (≈ 45 mu)``); None when no standard is set."""
    if v.value is None:
        return None
    if v.operator == "between":
        figure = f"{number(v.value[0])} – {with_unit(v.value[1], v.unit, english)}"
    elif isinstance(v.value, int | Decimal) and not isinstance(v.value, bool):
        figure = with_unit(v.value, v.unit, english)
    else:
        figure = plain(v.value, english)
    if v.show_mu:
        mu = number(to_mu(v.value))
        figure += f" (≈ {mu} mu)" if english else f"（约{mu}亩）"
    if v.operator is None or (v.operator == "==" and isinstance(v.value, bool)):
        return figure
    symbol = OPERATORS[v.operator][1 if english else 0]
    if v.operator in ("in", "not_in", "excludes", "ends_with"):
        return f"{symbol}: {figure}" if english else f"{symbol}：{figure}"
    return f"{symbol} {figure}"


@dataclass
class Row:
    label: str
    text: str | None  # None: no standard set
    statement: str | None  # the data's own sentence, when it has one
    source: str | None  # None: the same as the version's
    confirmed: bool


@dataclass
class VersionView:
    version: PolicyVersion
    status: str  # current · past · future
    rows: list[Row] = field(default_factory=list)
    groups: list[tuple[str, list[Row]]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # standards: one column per group
    matrix: list[tuple[str, list[Row | None]]] = field(default_factory=list)


def row(v: PolicyValue, english: bool, version: PolicyVersion) -> Row:
    source = v.source if v.source != version.source else None  # None: the version's source
    return Row(v.label(english), describe(v, english), v.text(english), source, v.confirmed)


def present(policy: Policy, today: date, english: bool) -> list[VersionView]:
    """Every version of ``policy``, the one in effect today marked ``current``."""
    views = []
    for version in policy.versions:
        if version.covers(today):
            status = "current"
        else:
            status = "future" if version.effective_from > today else "past"
        view = VersionView(version, status)
        view.rows = [row(v, english, version) for v in version.ungrouped()]
        if policy.kind == "standards":
            groups = [g for g in version.groups if version.in_group(g.key)]
            view.columns = [g.label(english) for g in groups]
            names = list(dict.fromkeys(v.name for v in version.values.values() if v.group))
            for name in names:
                cells = [version.values.get(f"{g.key}.{name}") for g in groups]
                label = next(c for c in cells if c is not None).label(english)
                view.matrix.append((label, [c and row(c, english, version) for c in cells]))
        else:
            for g in version.groups:
                rows = [row(v, english, version) for v in version.in_group(g.key)]
                if rows:
                    view.groups.append((g.label(english), rows))
        views.append(view)
    return views
