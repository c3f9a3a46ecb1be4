"""The standards check of Workflow A (设置标准, 人社部发〔2012〕8号; DOMAIN.md §3): every figure
of the application beside the standard of the tier it asks for (policy ``school_standards``).

The check is advisory: unmet criteria do not block filing, they are shown to the applicant before
submission and to every reviewer, who judge them (the hard guards at submission are the
prerequisites and the name rules in ``school_rules.py``). Registered as the workflow's
``case_check``, so pages show it without knowing about schools.

Each criterion of the policy data is read from the application form through ``FIGURES``: the
form fields it reads and how they combine. A criterion the table does not know is shown as
"cannot be checked" (never dropped); a criterion without a figure in the data as "no standard
set"; a figure the applicant has not given yet as "not given yet". Numbers are Decimal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from caseflow import policy
from caseflow.policy import display
from caseflow.policy.model import Group, PolicyValue, to_mu
from caseflow.workflows.registry import case_check
from caseflow.workflows.school_rules import tier_for

POLICY = "school_standards"
CENTS = Decimal("0.01")
# met · not_met · unset (no standard set) · missing (not given yet) · unknown (cannot be checked)
STATUSES = ("met", "not_met", "unset", "missing", "unknown")


def number(raw) -> Decimal | None:
    """A form value as a Decimal: an itemised list counts its lines; blank or unreadable is None."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, list | tuple):
        return Decimal(len([i for i in raw if str(i).strip()])) if raw else None
    if isinstance(raw, str) and "\n" in raw:
        return number(raw.splitlines())
    text = str(raw).strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _one(values: list[Decimal]) -> Decimal:
    return values[0]


def _sum(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def _per(values: list[Decimal]) -> Decimal | None:
    numerator, denominator = values
    return None if denominator == 0 else (numerator / denominator).quantize(CENTS)


@dataclass(frozen=True)
class Figure:
    """How a criterion's figure is read: the form fields, combined once all are given."""

    fields: tuple[str, ...]
    combine: Callable[[list[Decimal]], Decimal | None] = _one

    def read(self, data: dict) -> Decimal | None:
        values = [number(data.get(name)) for name in self.fields]
        if any(v is None for v in values):
            return None
        return self.combine(values)


# Criterion of the policy data → the figure of the application form it is compared with.
FIGURES: dict[str, Figure] = {
    "training_scale": Figure(("planned_enrolment", "yearly_training_attendances"), _sum),
    "full_time_students": Figure(("planned_enrolment",)),
    "yearly_training": Figure(("yearly_training_attendances",)),
    "standing_majors": Figure(("majors",)),  # one major per line
    "campus_land": Figure(("land_area_m2",)),
    "building_area": Figure(("building_area_m2",)),
    "building_area_per_student": Figure(("building_area_m2", "planned_enrolment"), _per),
    "training_lab_area": Figure(("training_area_m2",)),
    "equipment_value": Figure(("equipment_value_wan",)),
    "practical_hours_share": Figure(("practical_share_percent",)),
    "senior_level_share": Figure(("senior_level_share_percent",)),
}


@dataclass(frozen=True)
class Row:
    """One criterion: the standard, the application's figure and the result."""

    key: str
    label_zh: str
    label_en: str
    operator: str | None
    required: object  # the standard's figure; None when no standard is set
    unit: str | None
    required_mu: Decimal | None  # land: the standard in 亩
    actual: Decimal | None  # None: not given yet (or not computable)
    actual_mu: Decimal | None  # land: the application's figure in 亩
    status: str  # one of STATUSES
    confirmed: bool
    source: str
    tier: str
    fields: tuple[str, ...] = ()  # the form fields the figure is read from
    standard: PolicyValue | None = field(default=None, repr=False, compare=False)
    group: Group | None = field(default=None, repr=False, compare=False)

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh

    def tier_label(self, english: bool) -> str:
        return self.group.label(english) if self.group else self.tier

    def required_text(self, english: bool) -> str | None:
        """``≥ 30,000 m²（约45亩）``; None when no standard is set."""
        return display.describe(self.standard, english) if self.standard else None

    def actual_text(self, english: bool) -> str | None:
        if self.actual is None:
            return None
        text = display.with_unit(self.actual, self.unit, english)
        if self.actual_mu is not None:
            mu = display.number(self.actual_mu)
            text += f" (≈ {mu} mu)" if english else f"（约{mu}亩）"
        return text

    def as_dict(self, english: bool) -> dict:
        """The row for JSON: figures as strings (never floats)."""
        return {
            "key": self.key, "label": self.label(english), "status": self.status,
            "operator": self.operator, "unit": self.unit,
            "required": None if self.required is None else str(self.required),
            "required_mu": None if self.required_mu is None else str(self.required_mu),
            "actual": None if self.actual is None else str(self.actual),
            "actual_mu": None if self.actual_mu is None else str(self.actual_mu),
            "confirmed": self.confirmed, "source": self.source,
        }  # fmt: skip


def status_of(standard: PolicyValue, figure: Figure | None, actual: Decimal | None) -> str:
    if figure is None:
        return "unknown"
    if standard.value is None:
        return "unset"
    if actual is None:
        return "missing"
    met = standard.meets(actual)
    if met is None:
        return "unset"
    return "met" if met else "not_met"


def row(standard: PolicyValue, data: dict, group: Group | None) -> Row:
    figure = FIGURES.get(standard.name)
    actual = figure.read(data) if figure else None
    mu = standard.show_mu
    return Row(
        key=standard.name,
        label_zh=standard.label_zh,
        label_en=standard.label_en,
        operator=standard.operator,
        required=standard.value,
        unit=standard.unit,
        required_mu=to_mu(standard.value) if mu and standard.value is not None else None,
        actual=actual,
        actual_mu=to_mu(actual) if mu and actual is not None else None,
        status=status_of(standard, figure, actual),
        confirmed=standard.confirmed,
        source=standard.source,
        tier=standard.group or "",
        fields=figure.fields if figure else (),
        standard=standard,
        group=group,
    )


@case_check("school_establishment")
def check(case_data: dict, kind: str, org, on: date) -> list[Row]:
    """Every criterion of the standard for the tier of ``kind`` (a branch: the filing school's
    tier) in effect on ``on``, compared with ``case_data``. Empty when the tier is not known."""
    tier = tier_for(kind, org)
    if tier is None:
        return []
    standards = policy.current(POLICY, on=on)
    group = next((g for g in standards.groups if g.key == tier), None)
    return [row(v, case_data or {}, group) for v in standards.in_group(tier)]
