"""Line rules of a subsidy roster that need only the roster itself and policy data (DOMAIN.md §5.2).

``check_roster(read, claim_type, on=day)`` runs the rules the claim type's policy ``rules`` list
names (``subsidy_types``), with the figures of ``subsidy_types`` and ``subsidy_thresholds`` in
effect on ``on``. Pure: no database, no app context. Rules that need the claim history, the
catalogues or insurance data are reported as ``skipped``; a code in the policy list that is
neither implemented here nor known to be skipped raises ``UnknownRule`` (never silently skipped).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from caseflow import policy
from caseflow.pii import birth_date, sex, to_18
from caseflow.rosters.columns import BY_KEY
from caseflow.rosters.reader import RosterRead, RosterRow, RowProblem
from caseflow.subsidy_rules import RULES as RULE_NAMES

ERROR, WARNING = "error", "warning"
ZERO = Decimal("0.00")

# Checked by the reader (caseflow.rosters.values): its problems are always errors.
READER_RULES = frozenset({"id_format", "id_checksum", "id_birthdate"})

_HISTORY = (
    "需要历史申领记录，本次校验暂不具备",
    "needs the claim history, which this check does not have yet",
)
_NEEDS = {
    "duplicate_prior_claim": _HISTORY,
    "higher_level_claimed": _HISTORY,
    "yearly_limit": _HISTORY,
    "certificate_reused": _HISTORY,
    "shared_bank_account": _HISTORY,
    "barred": ("需要失信（禁入）名单，本次校验暂不具备",
               "needs the barred list, which this check does not have yet"),
    "not_in_catalogue": ("需要机构和职业目录，本次校验暂不具备",
                         "needs the catalogues, which this check does not have yet"),
    "insurance_months": ("需要失业保险参保缴费数据，本次校验暂不具备",
                         "needs the insurance data, which this check does not have yet"),
    "excluded_group": ("需要参保和人员身份数据，本次校验暂不具备",
                       "needs the insurance and personal status data, which this check does not "
                       "have yet"),
}  # fmt: skip
SKIPPED_RULES = frozenset(_NEEDS)
ORGANISATION_RULES = ("barred", "not_in_catalogue")  # also concern the filing organisation


class UnknownRule(ValueError):
    """A policy ``rules`` list names a code this checker neither implements nor skips."""


class NoRoster(ValueError):
    """The claim type is unknown or takes no roster."""


@dataclass(frozen=True)
class Skipped:
    code: str
    zh: str
    en: str

    def message(self, english: bool) -> str:
        return self.en if english else self.zh


@dataclass
class RosterCheck:
    claim_type: str
    rows: int
    errors: list[RowProblem]
    warnings: list[RowProblem]
    accepted: list[RosterRow]
    total_amount: Decimal
    skipped: list[Skipped]
    applied: tuple[str, ...]  # rule codes run (reader rules included)
    policy_ids: tuple[str, ...] = ()

    @property
    def error_rows(self) -> set[int]:
        return {problem.row for problem in self.errors}


@dataclass
class Context:
    read: RosterRead
    claim_type: str
    on: date
    types: policy.PolicyVersion
    thresholds: policy.PolicyVersion
    found: list[tuple[str, RowProblem]] = field(default_factory=list)

    def value(self, name: str):
        return self.types.value(f"{self.claim_type}.{name}")

    def has(self, name: str) -> bool:
        key = f"{self.claim_type}.{name}"
        return key in self.types.values and self.types.values[key].is_set

    def add(self, severity: str, line: RosterRow, key: str, code: str, zh: str, en: str):
        header = self.read.columns.get(key, BY_KEY[key].zh)
        raw = getattr(line, key)
        value = "" if raw is None else str(raw)
        if key == "id_number" and raw:
            value = raw[:6] + "*" * (len(raw) - 10) + raw[-4:]  # never the full number
        self.found.append(
            (
                severity,
                RowProblem(
                    line.row,
                    header,
                    value,
                    code,
                    f"第{line.row}行“{header}”：{zh}",
                    f"Row {line.row}, {header}: {en}",
                ),
            )
        )


Rule = Callable[[Context], None]
RULES: dict[str, Rule] = {}


def rule(code: str):
    if code not in RULE_NAMES:
        raise ValueError(f"{code!r} is not a rule of caseflow.subsidy_rules")

    def register(function: Rule) -> Rule:
        RULES[code] = function
        return function

    return register


def _person(line: RosterRow) -> str | None:
    """The 18-character form: equal people, equal keys (the ID digest needs an app context)."""
    return to_18(line.id_number) if line.id_number else None


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- age_range ----------------------------------------------------------------------------------


@rule("age_range")
def age_range(ctx: Context) -> None:
    """Age on the training start date (or ``on``): below the minimum age, or at/above the final
    retirement age → error; between the former and the final retirement age → warning. Women's
    cadre/worker status is not on the roster: the worker's former age and the cadre's final age
    bound the warning band."""
    t = ctx.thresholds
    minimum = t.value("minimum_age")
    bands = {
        "male": (t.value("retirement_age_men_base"), t.value("retirement_age_men_final")),
        "female": (
            t.value("retirement_age_women_worker_base"),
            t.value("retirement_age_women_cadre_final"),
        ),
    }
    for line in ctx.read.rows:
        if not line.id_number:
            continue
        day = line.start_date or ctx.on
        age = _age(birth_date(line.id_number), day)
        former, final = bands[sex(line.id_number)]
        on = day.isoformat()
        if age < minimum:
            ctx.add(
                ERROR,
                line,
                "id_number",
                "age_range",
                f"{on} 时未满{minimum}周岁（{age}岁）。",
                f"Under {minimum} on {on} (aged {age}).",
            )
        elif age >= final:
            ctx.add(
                ERROR,
                line,
                "id_number",
                "age_range",
                f"{on} 时已满{age}周岁，已达法定退休年龄（{final}岁）。",
                f"Aged {age} on {on}: at or above the retirement age ({final}).",
            )
        elif age >= former:
            ctx.add(
                WARNING,
                line,
                "id_number",
                "age_range",
                f"{on} 时{age}岁，可能已达法定退休年龄，请核对本人退休年龄。",
                f"Aged {age} on {on}: check the person's retirement age.",
            )


# --- duplicate_in_roster, overlapping_class -----------------------------------------------------


def _certificate_based(ctx: Context) -> bool:
    return ctx.has("basis") and ctx.value("basis") == "per_certificate"


@rule("duplicate_in_roster")
def duplicate_in_roster(ctx: Context) -> None:
    """The same person twice (certificate-based types: the same person, occupation and level, or
    the same certificate number): an error on every later line, naming the first."""
    by_cert = _certificate_based(ctx)
    first: dict[tuple, int] = {}
    for line in ctx.read.rows:
        person = _person(line)
        keys = []
        if person and by_cert:
            if line.occupation and line.level:
                keys.append(("person", person, line.occupation, line.level))
        elif person:
            keys.append(("person", person))
        if by_cert and line.certificate_number:
            keys.append(("certificate", line.certificate_number))
        for key in keys:
            seen = first.setdefault(key, line.row)
            if seen == line.row:
                continue
            if key[0] == "certificate":
                ctx.add(
                    ERROR,
                    line,
                    "certificate_number",
                    "duplicate_in_roster",
                    f"证书编号与第{seen}行重复。",
                    f"The same certificate number as row {seen}.",
                )
            elif by_cert:
                ctx.add(
                    ERROR,
                    line,
                    "id_number",
                    "duplicate_in_roster",
                    f"与第{seen}行为同一人、同一职业（工种）同一等级。",
                    f"Same person, occupation and level as row {seen}.",
                )
            else:
                ctx.add(
                    ERROR,
                    line,
                    "id_number",
                    "duplicate_in_roster",
                    f"与第{seen}行为同一人。",
                    f"The same person as row {seen}.",
                )
            break


@rule("overlapping_class")
def overlapping_class(ctx: Context) -> None:
    """The same person on two lines whose training dates overlap → warning on the later line."""
    spans: dict[str, list[tuple[date, date, int]]] = {}
    for line in ctx.read.rows:
        person = _person(line)
        if not person or not line.start_date:
            continue
        start, end = line.start_date, line.end_date or line.start_date
        for other_start, other_end, other_row in spans.get(person, ()):
            if start <= other_end and other_start <= end:
                ctx.add(
                    WARNING,
                    line,
                    "start_date",
                    "overlapping_class",
                    f"同一人的培训时间与第{other_row}行重叠。",
                    f"The same person's training overlaps row {other_row}.",
                )
                break
        spans.setdefault(person, []).append((start, end, line.row))


# --- certificate_window -------------------------------------------------------------------------


@rule("certificate_window")
def certificate_window(ctx: Context) -> None:
    months = ctx.value("claim_window")
    for line in ctx.read.rows:
        issued = line.certificate_date
        if issued is None:
            continue
        if issued > ctx.on:
            ctx.add(
                ERROR,
                line,
                "certificate_date",
                "certificate_window",
                f"发证日期晚于申领日期 {ctx.on.isoformat()}。",
                f"The certificate date is after the claim date {ctx.on.isoformat()}.",
            )
        elif add_months(issued, months) < ctx.on:
            ctx.add(
                ERROR,
                line,
                "certificate_date",
                "certificate_window",
                f"发证已超过{months}个月申领期限（截至 {add_months(issued, months)}）。",
                f"More than {months} months since the certificate date (the window closed "
                f"on {add_months(issued, months)}).",
            )


# --- amount_mismatch ----------------------------------------------------------------------------

# Level words on a roster → the level key of the policy values (longest words first).
LEVEL_WORDS = (
    ("高级技师", "senior_technician"), ("一级", "senior_technician"),
    ("技师", "technician"), ("二级", "technician"),
    ("高级", "advanced"), ("三级", "advanced"),
    ("中级", "intermediate"), ("四级", "intermediate"),
    ("初级", "primary"), ("五级", "primary"),
    ("专项", "special"),
)  # fmt: skip


def level_key(text: str | None) -> str | None:
    """``'四级/中级工'`` → ``'intermediate'``; ``'高级技师'`` → ``'senior_technician'``."""
    for word, key in LEVEL_WORDS:
        if text and word in text:
            return key
    return None


@dataclass(frozen=True)
class AmountCheck:
    value: str  # policy value name; "{level}" is replaced by the line's level key
    kind: str  # "cap": claimed above it; "minimum": claimed below it; "per_day": cap × days
    hard: bool  # error (True) or warning (the figure is an unconfirmed example)


# How each claim type's amount is compared (the figures are policy data).
AMOUNT_CHECKS = {
    "skill_upgrade": AmountCheck("cap_{level}", "cap", hard=True),
    "vocational_training": AmountCheck("amount_{level}", "cap", hard=False),
    "skill_evaluation": AmountCheck("amount_cap", "cap", hard=False),
    "living_allowance": AmountCheck("amount_per_day", "per_day", hard=False),
    "graduate_grant": AmountCheck("amount_per_graduate", "cap", hard=False),
    "apprenticeship": AmountCheck("amount_min", "minimum", hard=False),
}


def _limit(ctx: Context, check: AmountCheck, line: RosterRow) -> tuple[Decimal, str] | None:
    """(limit, what) for a line, or ``None`` with a warning when it cannot be computed."""
    name = check.value
    if "{level}" in name:
        level = level_key(line.level)
        if level is None or not ctx.has(name.format(level=level)):
            ctx.add(
                WARNING,
                line,
                "level",
                "amount_mismatch",
                "无法按此等级计算补贴标准，请人工核对金额。",
                "No amount is set for this level; check the amount by hand.",
            )
            return None
        name = name.format(level=level)
    entry = ctx.types.get(f"{ctx.claim_type}.{name}")
    if not entry.is_set:
        return None
    limit = Decimal(entry.value)
    if check.kind == "per_day":
        if not (line.start_date and line.end_date):
            return None
        days = (line.end_date - line.start_date).days + 1
        return limit * days, f"{limit} × {days}"
    return limit, str(limit)


@rule("amount_mismatch")
def amount_mismatch(ctx: Context) -> None:
    check = AMOUNT_CHECKS.get(ctx.claim_type)
    if check is None:
        raise UnknownRule(f"amount_mismatch: no amount check for {ctx.claim_type!r}")
    severity = ERROR if check.hard else WARNING
    for line in ctx.read.rows:
        if line.amount is None:
            continue
        found = _limit(ctx, check, line)
        if found is None:
            continue
        limit, shown = found
        if check.kind == "minimum" and line.amount < limit:
            ctx.add(
                severity,
                line,
                "amount",
                "amount_mismatch",
                f"申报金额 {line.amount} 元低于政策标准（不低于 {shown} 元）。",
                f"The amount {line.amount} is below the policy minimum of {shown}.",
            )
        elif check.kind != "minimum" and line.amount > limit:
            ctx.add(
                severity,
                line,
                "amount",
                "amount_mismatch",
                f"申报金额 {line.amount} 元超过政策标准（{shown} 元）。",
                f"The amount {line.amount} is above the policy amount of {shown}.",
            )


# --- The check ----------------------------------------------------------------------------------


def claim_types(on: date) -> tuple[str, ...]:
    """The claim types that take a roster (their ``evidence`` lists ``roster``)."""
    types = policy.current("subsidy_types", on=on)
    evidence = {g.key: types.values.get(f"{g.key}.evidence") for g in types.groups}
    return tuple(key for key, entry in evidence.items() if entry and "roster" in entry.value)


def skipped_rules(codes) -> Iterator[Skipped]:
    for code in codes:
        if code in SKIPPED_RULES:
            zh, en = _NEEDS[code]
            yield Skipped(
                code, f"{RULE_NAMES[code].label_zh}：{zh}", f"{RULE_NAMES[code].label_en}: {en}"
            )


def check_roster(read: RosterRead, claim_type: str, *, on: date) -> RosterCheck:
    """Run the claim type's line rules on a read roster. Raises ``NoRoster`` for an unknown type
    or one without a roster, and ``UnknownRule`` for a policy rule code nobody implements."""
    if claim_type not in claim_types(on):
        known = ", ".join(claim_types(on))
        raise NoRoster(f"unknown claim type or no roster: {claim_type!r} (roster types: {known})")
    types = policy.current("subsidy_types", on=on)
    thresholds = policy.current("subsidy_thresholds", on=on)
    codes = tuple(types.value(f"{claim_type}.rules"))
    unknown = [c for c in codes if c not in RULES and c not in READER_RULES | SKIPPED_RULES]
    if unknown:
        raise UnknownRule(f"{claim_type}: rules not implemented and not skipped: {unknown}")
    ctx = Context(read, claim_type, on, types, thresholds)
    for code in codes:
        if code in RULES:
            RULES[code](ctx)
    errors = list(read.problems) + [p for severity, p in ctx.found if severity == ERROR]
    warnings = [p for severity, p in ctx.found if severity == WARNING]
    errors.sort(key=lambda p: p.row)  # stable: within a row, reader problems first
    warnings.sort(key=lambda p: p.row)
    bad = {p.row for p in errors}
    accepted = [line for line in read.rows if line.row not in bad]
    total = sum((line.amount or ZERO for line in accepted), ZERO)
    return RosterCheck(
        claim_type=claim_type,
        rows=len(read.rows),
        errors=errors,
        warnings=warnings,
        accepted=accepted,
        total_amount=total,
        skipped=list(skipped_rules(codes)),
        applied=tuple(c for c in codes if c in RULES or c in READER_RULES),
        policy_ids=(types.id, thresholds.id),
    )
