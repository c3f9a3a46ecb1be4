"""Policy data as frozen values: a policy, its dated versions, and the values of each version.

Every value carries its source and a ``confirmed`` flag. A value may be *unset* (``value is
None``): the figure is known to exist but nobody has entered it yet ("no standard set").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType

# Operators a value may carry, with the symbol shown on screen (zh, en).
OPERATORS = {
    ">=": ("≥", "≥"),
    "<=": ("≤", "≤"),
    ">": (">", ">"),
    "<": ("<", "<"),
    "==": ("=", "="),
    "between": ("介于", "between"),
    "in": ("属于", "one of"),
    "not_in": ("不属于", "none of"),
    "excludes": ("不得包含", "must not contain"),
    "ends_with": ("结尾为", "ends with"),
}
COMPARISONS = frozenset({">=", "<=", ">", "<"})
LIST_OPERATORS = frozenset({"in", "not_in", "excludes"})


@dataclass(frozen=True)
class Unit:
    zh: str
    en: str
    kind: str  # quantity (int or Decimal string) · money (Decimal string) · fen (int)
    #            duration (positive int) · count (int ≥ 0)

    def label(self, english: bool) -> str:
        return self.en if english else self.zh


UNITS = {
    "m2": Unit("平方米", "m²", "quantity"),
    "m2_per_student": Unit("平方米/生", "m² per student", "quantity"),
    "person": Unit("人", "persons", "quantity"),
    "attendance": Unit("人次", "attendances", "quantity"),
    "major": Unit("个专业", "majors", "quantity"),
    "class": Unit("期", "classes", "quantity"),
    "percent": Unit("%", "%", "quantity"),
    "point": Unit("分", "points", "quantity"),
    "wan_yuan": Unit("万元", "× 10,000 yuan", "money"),
    "yuan": Unit("元", "yuan", "money"),
    "fen": Unit("分（人民币）", "fen", "fen"),
    "workday": Unit("个工作日", "working days", "duration"),
    "day": Unit("日", "days", "duration"),
    "month": Unit("个月", "months", "duration"),
    "year": Unit("年", "years", "duration"),
    "times": Unit("次", "time(s)", "count"),
}

# 1 亩 = 10,000/15 m² (≈ 666.67 m²): land is shown in both.
M2_PER_MU = Decimal(10000) / Decimal(15)


def to_mu(m2) -> Decimal:
    return (Decimal(m2) / M2_PER_MU).quantize(Decimal("0.01"))


class PolicyError(ValueError):
    """Policy data is broken, missing, or asked for something it does not hold."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = list(problems or [message])


class UnknownPolicy(PolicyError, LookupError):
    pass


class NoVersionInEffect(PolicyError):
    pass


class UnsetValue(PolicyError):
    pass


@dataclass(frozen=True)
class Group:
    key: str
    label_zh: str
    label_en: str

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh


@dataclass(frozen=True)
class PolicyValue:
    key: str  # unique within a version: "name", or "group.name" for grouped values
    name: str
    label_zh: str
    label_en: str
    value: object  # int · Decimal · str · bool · tuple · None (unset)
    confirmed: bool
    source: str
    group: str | None = None
    unit: str | None = None
    operator: str | None = None
    text_zh: str | None = None  # a sentence stating the value, where a bare value says too little
    text_en: str | None = None
    show_mu: bool = False  # land: show 亩 beside m²

    @property
    def is_set(self) -> bool:
        return self.value is not None

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh

    def text(self, english: bool) -> str | None:
        return self.text_en if english else self.text_zh

    def meets(self, actual) -> bool | None:
        """Does ``actual`` satisfy this value's operator? None when no standard is set."""
        if self.value is None or self.operator is None:
            return None
        expected, op = self.value, self.operator
        if op in COMPARISONS or op == "between":
            actual = Decimal(str(actual))
        if op == ">=":
            return actual >= expected
        if op == "<=":
            return actual <= expected
        if op == ">":
            return actual > expected
        if op == "<":
            return actual < expected
        if op == "between":
            return expected[0] <= actual <= expected[1]
        if op == "==":
            return actual == expected
        if op == "in":
            return actual in expected
        if op == "not_in":
            return actual not in expected
        if op == "excludes":
            return not any(word in str(actual) for word in expected)
        return str(actual).endswith(expected)  # ends_with


@dataclass(frozen=True)
class PolicyVersion:
    policy: str
    version: str
    effective_from: date
    effective_to: date | None  # the last day in effect (inclusive); None = open-ended
    source: str
    values: MappingProxyType  # key → PolicyValue, in file order
    groups: tuple[Group, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.policy}@{self.version}"

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def get(self, key: str) -> PolicyValue:
        try:
            return self.values[key]
        except KeyError:
            raise PolicyError(f"policy {self.id} has no value {key!r}") from None

    def value(self, key: str):
        """The value itself; raises UnsetValue when no figure has been entered."""
        entry = self.get(key)
        if entry.value is None:
            raise UnsetValue(f"policy {self.id}: {key!r} is not set (no standard set)")
        return entry.value

    def in_group(self, group: str) -> tuple[PolicyValue, ...]:
        return tuple(v for v in self.values.values() if v.group == group)

    def ungrouped(self) -> tuple[PolicyValue, ...]:
        return tuple(v for v in self.values.values() if v.group is None)

    @property
    def unconfirmed(self) -> tuple[PolicyValue, ...]:
        return tuple(v for v in self.values.values() if not v.confirmed)


@dataclass(frozen=True)
class Policy:
    name: str
    kind: str
    title_zh: str
    title_en: str
    file: str
    versions: tuple[PolicyVersion, ...]  # by effective_from

    def title(self, english: bool) -> str:
        return self.title_en if english else self.title_zh

    def version_on(self, day: date) -> PolicyVersion:
        for version in self.versions:
            if version.covers(day):
                return version
        periods = ", ".join(
            f"{v.version} {v.effective_from}–{v.effective_to or '…'}" for v in self.versions
        )
        raise NoVersionInEffect(
            f"policy {self.name!r} has no version in effect on {day.isoformat()} "
            f"(versions: {periods}); add a version in {self.file}"
        )
