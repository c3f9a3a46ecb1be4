"""Parsing a whole policy file, and the rules of each kind of policy.

* ``values`` — a list of values (time limits, periods, name rules, prerequisites…).
* ``standards`` — ``[[versions.criteria]]``: a criterion (key, labels, operator, unit) with its
  figure per group (e.g. per school tier) in ``standard.<group> = {value, confirmed, source}``.
  A figure without ``value`` is *unset*: "no standard set". Every criterion needs an operator
  and a unit.
* ``scoring`` — a scoring sheet: ``[[versions.criteria]]`` with a ``weight`` in points, the
  weights summing to 100, and a ``pass_mark`` value between 0 and 100.
* ``patterns`` — document number patterns: strings holding ``{year}`` and ``{n}`` and nothing else.
"""

from __future__ import annotations

from itertools import pairwise
from string import Formatter
from types import MappingProxyType

from caseflow.policy.model import Group, Policy, PolicyVersion
from caseflow.policy.schema import (
    IDENTIFIER,
    KINDS,
    TOP_KEYS,
    VERSION_ID,
    VERSION_KEYS,
    Where,
    a_date,
    parse_groups,
    parse_value,
    table_list,
    text,
    unknown_keys,
)

SHEET_TOTAL = 100  # a scoring sheet is out of 100 points (the sheet's scale, not a threshold)
STANDARD_ENTRY_KEYS = {"value", "confirmed", "source", "text_zh", "text_en"}
CRITERION_KEYS = {
    "standards": {"key", "label_zh", "label_en", "unit", "operator", "show_mu", "standard"},
    "scoring": {"key", "label_zh", "label_en", "weight", "confirmed", "source", "text_zh",
                "text_en"},
}  # fmt: skip
CRITERIA_GROUP = Group("criteria", "评分项目", "Scoring criteria")


def parse_policy(data: dict, file: str, stem: str) -> tuple[Policy | None, list[str]]:
    """The policy in one file's TOML data, or None and the problems found."""
    where = Where(file)
    name = data.get("name")
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        where.add("name must be a snake_case identifier")
        return None, where.problems
    where.policy = name
    if name != stem:
        where.add(f"the file must be named {name}.toml")
    unknown_keys(data, TOP_KEYS, where)
    kind = data.get("kind")
    if kind not in KINDS:
        where.add(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    title_zh, title_en = text(data, "title_zh", where), text(data, "title_en", where)
    raw_versions = data.get("versions")
    if not isinstance(raw_versions, list) or not raw_versions:
        where.add("at least one [[versions]] table is required")
        return None, where.problems
    versions = []
    for raw in raw_versions:
        version = parse_version(raw, kind, where) if isinstance(raw, dict) else None
        if version is not None:
            versions.append(version)
    versions.sort(key=lambda v: v.effective_from)
    check_periods(versions, where)
    if where.problems:
        return None, where.problems
    return Policy(name, kind, title_zh, title_en, file, tuple(versions)), []


def parse_version(raw: dict, kind: str, parent: Where) -> PolicyVersion | None:
    label = raw.get("version")
    if not isinstance(label, str) or not VERSION_ID.match(label):
        parent.add(f'every version needs version = "…" (letters, digits, . _ -), got {label!r}')
        return None
    where = parent.at(label)
    before = len(where.problems)
    unknown_keys(raw, VERSION_KEYS, where)
    start, end = a_date(raw, "effective_from", where), a_date(raw, "effective_to", where, False)
    if start and end and end < start:
        where.add(f"effective_to {end} is before effective_from {start}")
    source = text(raw, "source", where)
    groups = parse_groups(raw, where)
    values = []
    if kind == "standards":
        values = standard_values(raw, groups, source, where)
    elif kind == "scoring":
        if not any(g.key == CRITERIA_GROUP.key for g in groups):
            groups = (*groups, CRITERIA_GROUP)
        values = scoring_values(raw, groups, source, where)
    elif "criteria" in raw:
        where.add(f"criteria belong to standards and scoring policies, not {kind!r}")
    for entry in table_list(raw, "values", where):
        values.append(parse_value(entry, where, groups, source))
    values = [v for v in values if v is not None]
    keys = [v.key for v in values]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        where.add("defined twice in this version", key)
    if not values:
        where.add("a version needs at least one value")
    if kind == "scoring":
        check_scoring(values, where)
    elif kind == "patterns":
        check_patterns(values, where)
    if len(where.problems) > before:
        return None
    by_key = MappingProxyType({v.key: v for v in values})
    return PolicyVersion(parent.policy, label, start, end, source, by_key, groups)


def check_periods(versions: list[PolicyVersion], where: Where) -> None:
    labels = [v.version for v in versions]
    for label in sorted({x for x in labels if labels.count(x) > 1}):
        where.at(label).add("the version label is used twice")
    for earlier, later in pairwise(versions):
        if earlier.effective_to is None:
            where.at(earlier.version).add(
                f"has no effective_to but version {later.version!r} starts on "
                f"{later.effective_from}; close it (effective_to) so periods do not overlap"
            )
        elif earlier.effective_to >= later.effective_from:
            where.at(earlier.version).add(
                f"runs to {earlier.effective_to}, overlapping version {later.version!r} "
                f"from {later.effective_from}"
            )


def criteria(raw: dict, kind: str, where: Where) -> list[dict]:
    items = table_list(raw, "criteria", where)
    if not items:
        where.add(f"a {kind} policy needs [[versions.criteria]]")
    for item in items:
        unknown_keys(item, CRITERION_KEYS[kind], where, str(item.get("key")))
    return items


def standard_values(raw: dict, groups, source, where: Where) -> list:
    values = []
    for item in criteria(raw, "standards", where):
        key = str(item.get("key"))
        if item.get("operator") is None or item.get("unit") is None:
            where.add("a standard needs an operator and a unit", key)
        standard = item.get("standard")
        if not isinstance(standard, dict) or not standard:
            where.add("a criterion needs standard.<group> = { value, confirmed } entries", key)
            continue
        base = {k: v for k, v in item.items() if k != "standard"}
        for group, entry in standard.items():
            if not isinstance(entry, dict):
                where.add("standard entries are tables: { value = …, confirmed = … }",
                          f"{group}.{key}")  # fmt: skip
                continue
            unknown_keys(entry, STANDARD_ENTRY_KEYS, where, f"{group}.{key}")
            values.append(parse_value({**entry, "group": group}, where, groups, source,
                                      allow_unset=True, defaults=base))  # fmt: skip
    return values


def scoring_values(raw: dict, groups, source, where: Where) -> list:
    values = []
    for item in criteria(raw, "scoring", where):
        entry = {k: v for k, v in item.items() if k != "weight"}
        entry.update(group=CRITERIA_GROUP.key, unit="point")
        if "weight" not in item:
            where.add("a scoring criterion needs a weight (points)", str(item.get("key")))
            continue
        entry["value"] = item["weight"]
        values.append(parse_value(entry, where, groups, source))
    return values


def check_scoring(values, where: Where) -> None:
    weights = [v for v in values if v.group == CRITERIA_GROUP.key]
    for v in weights:
        if not isinstance(v.value, int) or v.value <= 0:
            where.add(f"a weight must be a positive whole number of points, got {v.value}", v.key)
    total = sum(v.value for v in weights if isinstance(v.value, int))
    if total != SHEET_TOTAL:
        where.add(f"the weights sum to {total}; they must sum to {SHEET_TOTAL}")
    mark = next((v for v in values if v.key == "pass_mark"), None)
    if mark is None:
        where.add("a scoring sheet needs a pass_mark value", "pass_mark")
    elif mark.unit != "point" or mark.value is None or not 0 <= mark.value <= SHEET_TOTAL:
        where.add(f"pass_mark must be in points between 0 and {SHEET_TOTAL}, got {mark.value}",
                  "pass_mark")  # fmt: skip


def check_patterns(values, where: Where) -> None:
    seen: dict[str, str] = {}
    for v in values:
        if not isinstance(v.value, str) or v.unit or v.operator:
            where.add("a document number pattern is a plain string (no unit, no operator)", v.key)
            continue
        if len(v.name) > 40:
            where.add("a series key has at most 40 characters", v.key)
        try:
            fields = {f for _, f, _, _ in Formatter().parse(v.value) if f is not None}
        except ValueError as exc:
            where.add(f"the pattern is not valid: {exc}", v.key)
            continue
        if fields != {"year", "n"}:
            where.add(f"the pattern needs {{year}} and {{n}} and no other placeholder, "
                      f"has {sorted(fields)}", v.key)  # fmt: skip
            continue
        try:
            v.value.format(year=2026, n=1)
        except (ValueError, KeyError, IndexError, AttributeError) as exc:
            where.add(f"the pattern is not valid: {exc}", v.key)
        if v.value in seen:
            where.add(f"the same pattern as {seen[v.value]!r}", v.key)
        seen[v.value] = v.key
