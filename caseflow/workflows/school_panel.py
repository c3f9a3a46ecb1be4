"""The expert panel's scoring sheets and the inspectors' checklists of Workflow A.

Both are ``sheet`` fields (``sheets.py``): the scoring sheet ``se_scores`` has a row per
criterion of the policy ``expert_scoring`` (points up to its weight), the checklist
``se_checklist`` a row per setting standard of the case's tier (``school_standards``: met, or
not met with remarks, beside the standard's figure and the applicant's). The rows are the policy
data in effect on the day, so the guards check every sheet against them. A sheet is stored as
lines ``criterion=value`` (``facilities=22``, ``campus_land=not_met: 占地不足``), whichever way it
was entered.

Each expert's sheet is recorded in the details of their ``score`` event (on the hash chain).
``panel_result`` derives the mean total and the recommendation from those events and the pass
mark; the router uses it to pick the next stage (a router may not write, and the engine keeps
no router output: the figures are derived from the chain, never stored twice). The sheets are
blind (``may_read_sheet``): until the whole panel has signed, an expert reads only their own and
nobody else reads any; pages and the API read sheets through ``visible_scores`` and event
details through ``readable_details``. The figures per criterion are in ``school_sheets.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, or_, select

from caseflow import policy
from caseflow.extensions import db
from caseflow.models import CaseEvent
from caseflow.timeutil import utcnow
from caseflow.workflows import sheets
from caseflow.workflows.clock import local_date
from caseflow.workflows.errors import Reason
from caseflow.workflows.registry import detail_reader, guard, router, sheet_provider
from caseflow.workflows.school_rules import tier_of
from caseflow.workflows.sheets import SheetRow

REVIEW = "expert_review"


def score_criteria(day: date | None) -> dict:
    """The scoring sheet in effect on ``day``: criterion key → its value (weight in points)."""
    return {v.name: v for v in policy.current("expert_scoring", on=day).in_group("criteria")}


def _score_rows(criteria: dict) -> list[SheetRow]:
    return [SheetRow(key, v.label_zh, v.label_en, "points", v.value)
            for key, v in criteria.items()]  # fmt: skip


@sheet_provider("se_scores")
def score_rows(case, day: date | None) -> list[SheetRow]:
    """The rows of the scoring sheet: each criterion with its weight as the maximum."""
    return _score_rows(score_criteria(day))


def _messages(problems) -> tuple[list[str], list[str]]:
    return [p.zh for p in problems], [p.en for p in problems]


def parse_scores(lines, criteria: dict) -> tuple[dict[str, int], list[str], list[str]]:
    """(scores by criterion, problems in Chinese, problems in English)."""
    scores, problems = sheets.read(_score_rows(criteria), lines)
    return (scores, *_messages(problems))


def checklist_criteria(case, day: date | None) -> dict:
    """The setting standards of the case's tier in effect on ``day``: criterion key → value."""
    standards = policy.current("school_standards", on=day)
    return {v.name: v for v in standards.in_group(tier_of(case) or "")}


def _checklist_rows(criteria: dict) -> list[SheetRow]:
    return [SheetRow(key, v.label_zh, v.label_en, "verdict") for key, v in criteria.items()]


@sheet_provider("se_checklist")
def checklist_rows(case, day: date | None) -> list[SheetRow]:
    """A row per setting standard of the case's tier, with the standard's figure and the
    applicant's declared one beside it (the standards check, ``school_standards.py``)."""
    from caseflow.workflows import school_standards

    on = day or local_date(utcnow())
    checked = {row.key: row for row in school_standards.check(
        case.data or {}, case.kind, case.applicant_org, on)}  # fmt: skip
    rows = []
    for key, v in checklist_criteria(case, day).items():
        found = checked.get(key)
        texts = {}
        for english, lang in ((False, "zh"), (True, "en")):
            texts[f"required_{lang}"] = (found and found.required_text(english)) or ""
            texts[f"declared_{lang}"] = (found and found.actual_text(english)) or ""
        rows.append(SheetRow(key, v.label_zh, v.label_en, "verdict", **texts))
    return rows


def parse_checklist(lines, criteria: dict) -> tuple[dict[str, dict], list[str], list[str]]:
    """(verdict and remarks by criterion, problems in Chinese, in English)."""
    out, problems = sheets.read(_checklist_rows(criteria), lines)
    return (out, *_messages(problems))


@guard("stage_panel_ready")
def stage_panel_ready(ctx):
    """The panel of the current stage meets its size rules (≥ n, odd) before anyone signs: a
    panel may be assigned after the case entered the stage (e.g. after deemed acceptance), and
    an `all` stage must not complete with fewer people than the definition requires."""
    state = ctx.state
    if state.min_panel is None:
        return None
    size = len(ctx.participants(state.key))
    if size < state.min_panel:
        return Reason("panel_too_small",
                      f"{state.label_zh}需要至少 {state.min_panel} 人，目前 {size} 人。",
                      f"{state.label_en} needs at least {state.min_panel} people; {size} "
                      "assigned.")  # fmt: skip
    if state.odd_panel and size % 2 == 0:
        return Reason("panel_not_odd", f"{state.label_zh}人数须为奇数，目前 {size} 人。",
                      f"{state.label_en} needs an odd number of people; {size} "
                      "assigned.")  # fmt: skip
    return None


@guard("se_score_sheet_valid")
def score_sheet_valid(ctx):
    """Every criterion of the scoring sheet in effect is scored once, within its weight. (The
    required field asks for the sheet; without one there is nothing to check yet.)"""
    if "scores" not in ctx.data:
        return None
    _scores, problems = sheets.read(score_rows(ctx.case, ctx.today), ctx.data["scores"])
    if problems:
        return sheets.refusal("score_sheet_invalid", "评分表有误：",
                              "The scoring sheet is wrong: ", "scores", problems)  # fmt: skip
    return None


@guard("se_checklist_valid")
def checklist_valid(ctx):
    """Every standard of the case's tier has a verdict, with remarks where it is not met."""
    if "checklist" not in ctx.data:
        return None
    rows = _checklist_rows(checklist_criteria(ctx.case, ctx.today))
    _out, problems = sheets.read(rows, ctx.data["checklist"])
    if problems:
        return sheets.refusal("checklist_invalid", "考察记录有误：",
                              "The inspection checklist is wrong: ", "checklist",
                              problems)  # fmt: skip
    return None


# ---------------------------------------------------------------------------------------------
# Sheets, the panel's result, blind reading


@dataclass(frozen=True)
class Sheet:
    seq: int  # the event that signed it
    expert_id: int | None
    expert_name: str
    scores: dict
    total: int
    signed_at: datetime | None
    visit: int | None


@dataclass(frozen=True)
class PanelResult:
    sheets: int
    mean: Decimal  # mean total score, to two decimals
    pass_mark: int
    passed: bool
    recommendation: str  # "site_inspection" or "refuse"
    policy_id: str  # the scoring sheet's version the result was taken under


def sheets_by_visit(case) -> dict[int | None, list[Sheet]]:
    """Every signed scoring sheet of ``case``, by visit of the expert review (the seq of the
    event that entered the stage, as on its tasks)."""
    rows = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id,
               or_(CaseEvent.action == "score",
                   and_(CaseEvent.to_state == REVIEW, CaseEvent.from_state != REVIEW)))
        .order_by(CaseEvent.seq)
    )  # fmt: skip
    out: dict[int | None, list[Sheet]] = {}
    visit = None
    for e in rows:
        if e.action != "score":
            visit = e.seq
            continue
        pairs = sheets.pairs((e.details or {}).get("scores"))
        scores = {k: int(v) for k, v in pairs.items() if v.isdigit()}  # checked when signed
        out.setdefault(visit, []).append(
            Sheet(
                e.seq, e.actor_id, e.actor_name, scores, sum(scores.values()), e.occurred_at, visit
            )
        )
    return out


def panel_result(case, pending=None, on: date | None = None) -> PanelResult | None:
    """The panel's mean total against the pass mark (policy ``expert_scoring``) for the latest
    expert review, with ``pending`` — the sheet lines of a signature being taken — added.

    The pass mark is the one in effect on ``on`` (default: the day of the last signature).
    There is no result while the panel is still signing: a partial mean is not blind."""
    visits = sheets_by_visit(case)
    latest = max(visits, key=lambda v: v or 0) if visits else None
    if pending is None and case.state == REVIEW and latest == case.entered_seq:
        return None
    signed = list(visits[latest]) if visits else []
    totals = [s.total for s in signed]
    if on is None and signed:
        on = local_date(signed[-1].signed_at)
    sheet = policy.current("expert_scoring", on=on)
    if pending is not None:
        scores, _zh, _en = parse_scores(pending, score_criteria(on))
        totals.append(sum(scores.values()))
    if not totals:
        return None
    mark = sheet.value("pass_mark")
    passed = sum(totals) >= mark * len(totals)  # exact: no rounding before the comparison
    mean = (Decimal(sum(totals)) / len(totals)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return PanelResult(len(totals), mean, mark, passed,
                       "site_inspection" if passed else "refuse", sheet.id)  # fmt: skip


@router("se_by_panel_mean", targets=("site_inspection", "decision"))
def by_panel_mean(ctx):
    """Once the whole panel has signed: a mean total at or above the pass mark goes on to the
    site inspection; below it, to the decision with a recommendation to refuse."""
    result = panel_result(ctx.case, pending=ctx.data.get("scores"), on=ctx.today)
    return "site_inspection" if result is not None and result.passed else "decision"


def may_read_sheet(case, seq: int, author_id: int | None, user) -> bool:
    """May ``user`` read the scoring sheet signed by ``author_id`` in the event ``seq``?

    While the panel is still signing (the case is in the expert review it entered before that
    event), only the author — blind scoring. Afterwards, the people working on the case; the
    applicant's organisation never. Auditors always. (The caller has checked that ``user`` may
    see the case.)"""
    if user.has_role("auditor"):
        return True
    if user.organisation_id == case.applicant_org_id:
        return False
    signing = case.state == REVIEW and seq > case.entered_seq
    return not signing or author_id == user.id


def visible_scores(case, user) -> list[Sheet]:
    """The scoring sheets ``user`` may read (see :func:`may_read_sheet`), oldest first."""
    return [s for signed in sheets_by_visit(case).values() for s in signed
            if may_read_sheet(case, s.seq, s.expert_id, user)]  # fmt: skip


@detail_reader("school_establishment")
def readable_details(case, event, user) -> dict | None:
    """The details of ``event`` as ``user`` may read them: the pages and the API show event
    details through this, so a ``score`` event's sheet stays hidden while it is blind."""
    details = event.details
    if event.action != "score" or not details or "scores" not in details:
        return details
    if may_read_sheet(case, event.seq, event.actor_id, user):
        return details
    return {k: v for k, v in details.items() if k != "scores"}
