"""Reading one policy file: the explicit schema, and every problem named by file, policy,
version and key.

A file is one policy::

    name = "school_time_limits"        # = the file name without .toml
    kind = "values"                    # values · standards · scoring · patterns (see rules.py)
    title_zh = "…"
    title_en = "…"

    [[versions]]
    version = "2024-1"
    effective_from = 2024-01-01        # a TOML date, no quotes
    effective_to = 2025-12-31          # optional, the last day in effect
    source = "document title, article"

    [[versions.groups]]                # optional: groups of values (tiers, case kinds…)
    key = "…"; label_zh = "…"; label_en = "…"

    [[versions.values]]
    key = "city_review"; label_zh = "…"; label_en = "…"
    value = 10; unit = "workday"; confirmed = false
    # optional: group, operator, source (else the version's), text_zh, text_en, show_mu

``standards`` and ``scoring`` files also have ``[[versions.criteria]]`` (see rules.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from caseflow.policy.model import COMPARISONS, LIST_OPERATORS, OPERATORS, UNITS, Group, PolicyValue

KINDS = ("values", "standards", "scoring", "patterns")
TOP_KEYS = {"name", "kind", "title_zh", "title_en", "versions"}
VERSION_KEYS = {"version", "effective_from", "effective_to", "source", "groups", "values",
                "criteria"}  # fmt: skip
GROUP_KEYS = {"key", "label_zh", "label_en"}
VALUE_KEYS = {"key", "group", "label_zh", "label_en", "value", "unit", "operator", "confirmed",
              "source", "text_zh", "text_en", "show_mu"}  # fmt: skip
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
VERSION_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$")


class Where:
    """The place a problem is found: file, policy, version, key."""

    def __init__(self, file: str, policy: str | None = None, version: str | None = None):
        self.file, self.policy, self.version = file, policy, version
        self.problems: list[str] = []

    def at(self, version: str | None) -> Where:
        child = Where(self.file, self.policy, version)
        child.problems = self.problems  # one list for the whole file
        return child

    def add(self, message: str, key: str | None = None) -> None:
        parts = []
        if self.policy:
            parts.append(f"policy {self.policy!r}")
        if self.version:
            parts.append(f"version {self.version!r}")
        if key:
            parts.append(f"key {key!r}")
        place = f"{self.file}: {', '.join(parts)}" if parts else self.file
        self.problems.append(f"{place}: {message}")


def text(raw: dict, name: str, where: Where, key: str | None = None, required=True):
    value = raw.get(name)
    if value is None:
        if required:
            where.add(f"{name} is required", key)
        return None
    if not isinstance(value, str) or not value.strip():
        where.add(f"{name} must be a non-empty string", key)
        return None
    return value.strip()


def unknown_keys(raw: dict, allowed: set, where: Where, key: str | None = None) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        where.add(f"unknown field(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})",
                  key)  # fmt: skip


def a_date(raw: dict, name: str, where: Where, required=True) -> date | None:
    value = raw.get(name)
    if value is None:
        if required:
            where.add(f"{name} is required (a TOML date such as 2024-01-01)")
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        where.add(f"{name} must be a TOML date such as 2024-01-01 (no quotes, no time)")
        return None
    return value


def table_list(raw: dict, name: str, where: Where) -> list[dict]:
    items = raw.get(name, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        where.add(f"{name} must be an array of tables ([[versions.{name}]])")
        return []
    return items


def parse_groups(raw_version: dict, where: Where) -> tuple[Group, ...]:
    groups = []
    for raw in table_list(raw_version, "groups", where):
        key = raw.get("key")
        if not isinstance(key, str) or not IDENTIFIER.match(key):
            where.add("group key must be a snake_case identifier", str(key))
            continue
        unknown_keys(raw, GROUP_KEYS, where, key)
        zh, en = text(raw, "label_zh", where, key), text(raw, "label_en", where, key)
        if any(g.key == key for g in groups):
            where.add("group defined twice", key)
        groups.append(Group(key, zh or key, en or key))
    return tuple(groups)


def number(value, unit: str, where: Where, key: str):
    """A number as the unit requires; floats are always refused (binary rounding)."""
    kind = UNITS[unit].kind
    if isinstance(value, float):
        instead = "a decimal string" if kind == "money" else "an integer or a decimal string"
        where.add(f'{value!r} is a float; write {instead} such as "{value}"', key)
        return None
    if isinstance(value, bool):
        where.add("a number is required, not true/false", key)
        return None
    if kind == "money" and not isinstance(value, str):
        where.add(f"money in {unit} must be a decimal string such as \"300\" "
                  "(or an integer in unit fen)", key)  # fmt: skip
        return None
    if kind in ("fen", "duration", "count") and not isinstance(value, int):
        where.add(f"{unit} must be an integer", key)
        return None
    if kind == "duration" and value <= 0:
        where.add(f"a time limit must be a positive integer, got {value}", key)
        return None
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            where.add(f"{value!r} is not a decimal number", key)
            return None
        if not parsed.is_finite():
            where.add(f"{value!r} is not a finite number", key)
            return None
        value = parsed
    elif not isinstance(value, int):
        where.add(f"a number is required for unit {unit}, got {type(value).__name__}", key)
        return None
    if value < 0:
        where.add(f"a figure cannot be negative, got {value}", key)
        return None
    return value


def typed_value(raw, operator, unit, where: Where, key: str):
    """Check ``raw`` against its operator and unit; return the frozen value (or None)."""
    if operator in LIST_OPERATORS:
        if not isinstance(raw, list) or not raw or not all(isinstance(w, str) for w in raw):
            where.add(f"operator {operator!r} needs a non-empty list of strings", key)
            return None
        return tuple(raw)
    if operator == "between":
        if not isinstance(raw, list) or len(raw) != 2 or unit is None:
            where.add("operator 'between' needs [low, high] and a unit", key)
            return None
        low, high = (number(v, unit, where, key) for v in raw)
        if low is None or high is None:
            return None
        if low > high:
            where.add(f"between: low {low} is above high {high}", key)
            return None
        return (low, high)
    if operator == "ends_with":
        if not isinstance(raw, str) or not raw:
            where.add("operator 'ends_with' needs a non-empty string", key)
            return None
        return raw
    if unit is not None:
        return number(raw, unit, where, key)
    if operator in COMPARISONS:
        where.add(f"operator {operator!r} needs a unit", key)
        return None
    if isinstance(raw, float):
        where.add(f"{raw!r} is a float; write an integer or a decimal string", key)
        return None
    if isinstance(raw, list):
        if not all(isinstance(w, str) for w in raw):
            where.add("a list value must hold strings only", key)
            return None
        return tuple(raw)
    if isinstance(raw, dict | date):
        where.add(f"unsupported value type {type(raw).__name__}", key)
        return None
    return raw  # str, bool, int


def parse_value(raw: dict, where: Where, groups, default_source: str | None, *, allow_unset=False,
                defaults: dict | None = None) -> PolicyValue | None:  # fmt: skip
    """One value entry (``defaults`` fills criterion-level fields in standards/scoring)."""
    raw = {**(defaults or {}), **raw}
    name = raw.get("key")
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        where.add("every value needs a snake_case key", str(name))
        return None
    group = raw.get("group")
    key = f"{group}.{name}" if group else name
    unknown_keys(raw, VALUE_KEYS, where, key)
    if group is not None and group not in {g.key for g in groups}:
        where.add(f"group {group!r} is not declared in [[versions.groups]]", key)
    zh, en = text(raw, "label_zh", where, key), text(raw, "label_en", where, key)
    confirmed = raw.get("confirmed")
    if not isinstance(confirmed, bool):
        where.add("confirmed = true or false is required on every value", key)
    operator, unit = raw.get("operator"), raw.get("unit")
    if operator is not None and operator not in OPERATORS:
        where.add(f"unknown operator {operator!r} (known: {', '.join(OPERATORS)})", key)
        operator = None
    if unit is not None and unit not in UNITS:
        where.add(f"unknown unit {unit!r} (known: {', '.join(UNITS)})", key)
        unit = None
    show_mu = raw.get("show_mu", False)
    if show_mu not in (True, False) or (show_mu and unit != "m2"):
        where.add("show_mu = true belongs to values in unit m2", key)
    source = text(raw, "source", where, key, required=False) or default_source
    value = None
    if "value" in raw:
        value = typed_value(raw["value"], operator, unit, where, key)
    elif not allow_unset:
        where.add("value is required", key)
    elif confirmed is True:
        where.add("an unset value cannot be confirmed; set confirmed = false", key)
    return PolicyValue(
        key=key, name=name, group=group, label_zh=zh or name, label_en=en or name, value=value,
        confirmed=confirmed is True, source=source or "", unit=unit, operator=operator,
        text_zh=text(raw, "text_zh", where, key, required=False),
        text_en=text(raw, "text_en", where, key, required=False), show_mu=show_mu is True,
    )  # fmt: skip
