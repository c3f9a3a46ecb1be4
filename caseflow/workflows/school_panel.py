"""The expert panel's scoring sheets and the inspectors' checklists of Workflow A.

A sheet is entered as lines ``criterion=value`` (an ``items`` field: the definition's field types
have no per-criterion sheet yet): ``facilities=22`` for a score, ``campus_land=met`` or
``campus_land=not_met: 占地不足`` for a checklist line. The criteria are policy data in effect on
the day — the scoring sheet ``expert_scoring`` (points up to each weight) and the setting
standards ``school_standards`` of the case's tier — so the guards check every line against them.

Each expert's sheet is recorded in the details of their ``score`` event (on the hash chain).
``panel_result`` derives the mean total and the recommendation from those events and the pass
mark; the router uses it to pick the next stage (a router may not write, and the engine keeps
no router output: the figures are derived from the chain, never stored twice). The sheets are
blind (``may_read_sheet``): until the whole panel has signed, an expert reads only their own and
nobody else reads any; pages and the API read sheets through ``visible_scores`` and event
details through ``readable_details``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, or_, select

from caseflow import policy
from caseflow.extensions import db
from caseflow.models import CaseEvent
from caseflow.workflows.clock import local_date
from caseflow.workflows.errors import Reason
from caseflow.workflows.registry import detail_reader, guard, router
from caseflow.workflows.school_rules import refusal, tier_of

REVIEW = "expert_review"
LINE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*[=:：＝]\s*(.*?)\s*$")
VERDICT_LINE = re.compile(r"([^:：]*)[:：]?(.*)", re.S)
VERDICTS = {"met": "met", "符合": "met", "not_met": "not_met", "不符合": "not_met"}


def _pairs(lines, zh: list[str], en: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in lines or ():
        match = LINE.match(str(line))
        if match is None:
            zh.append(f"无法识别“{line}”（格式：评分项=取值）")
            en.append(f"cannot read “{line}” (write criterion=value)")
        elif match.group(1) in pairs:
            zh.append(f"{match.group(1)} 填写了两次")
            en.append(f"{match.group(1)} is given twice")
        else:
            pairs[match.group(1)] = match.group(2)
    return pairs


def _coverage(pairs: dict, criteria: dict, zh: list[str], en: list[str]) -> None:
    for key in sorted(pairs.keys() - criteria.keys()):
        zh.append(f"表中没有 {key} 一项")
        en.append(f"there is no criterion {key}")
    for key, entry in criteria.items():
        if key not in pairs:
            zh.append(f"缺少 {key}（{entry.label_zh}）")
            en.append(f"{key} ({entry.label_en}) is missing")


def score_criteria(day: date | None) -> dict:
    """The scoring sheet in effect on ``day``: criterion key → its value (weight in points)."""
    return {v.name: v for v in policy.current("expert_scoring", on=day).in_group("criteria")}


def parse_scores(lines, criteria: dict) -> tuple[dict[str, int], list[str], list[str]]:
    """(scores by criterion, problems in Chinese, problems in English)."""
    zh, en = [], []
    pairs = _pairs(lines, zh, en)
    _coverage(pairs, criteria, zh, en)
    scores = {}
    for key, raw in pairs.items():
        if key not in criteria:
            continue
        weight = criteria[key].value
        if not re.fullmatch(r"\d+", raw) or int(raw) > weight:
            zh.append(f"{key} 应为 0 至 {weight} 的整数")
            en.append(f"{key} must be a whole number from 0 to {weight}")
        else:
            scores[key] = int(raw)
    return scores, zh, en


def checklist_criteria(case, day: date | None) -> dict:
    """The setting standards of the case's tier in effect on ``day``: criterion key → value."""
    standards = policy.current("school_standards", on=day)
    return {v.name: v for v in standards.in_group(tier_of(case) or "")}


def parse_checklist(lines, criteria: dict) -> tuple[dict[str, dict], list[str], list[str]]:
    """(verdict and remarks by criterion, problems in Chinese, in English)."""
    zh, en = [], []
    pairs = _pairs(lines, zh, en)
    _coverage(pairs, criteria, zh, en)
    out = {}
    for key, raw in pairs.items():
        if key not in criteria:
            continue
        verdict, remarks = VERDICT_LINE.match(raw).groups()  # "not_met: remarks"
        verdict, remarks = VERDICTS.get(verdict.strip()), remarks.strip()
        if verdict is None:
            zh.append(f"{key} 应填写 met（符合）或 not_met（不符合）")
            en.append(f"{key} must be met or not_met")
        elif verdict == "not_met" and not remarks:
            zh.append(f"{key} 不符合时须写明情况（not_met: 说明）")
            en.append(f"{key} is not met: add remarks (not_met: remarks)")
        else:
            out[key] = {"verdict": verdict, "remarks": remarks}
    return out, zh, en


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
    _scores, zh, en = parse_scores(ctx.data["scores"], score_criteria(ctx.today))
    if zh:
        return refusal("score_sheet_invalid", "评分表有误：", "The scoring sheet is wrong: ",
                       zh, en)  # fmt: skip
    return None


@guard("se_checklist_valid")
def checklist_valid(ctx):
    """Every standard of the case's tier has a verdict, with remarks where it is not met."""
    if "checklist" not in ctx.data:
        return None
    _out, zh, en = parse_checklist(ctx.data["checklist"], checklist_criteria(ctx.case, ctx.today))
    if zh:
        return refusal("checklist_invalid", "考察记录有误：", "The inspection checklist is wrong: ",
                       zh, en)  # fmt: skip
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
        pairs = _pairs((e.details or {}).get("scores"), [], [])
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
    sheets = list(visits[latest]) if visits else []
    totals = [s.total for s in sheets]
    if on is None and sheets:
        on = local_date(sheets[-1].signed_at)
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
    return [s for sheets in sheets_by_visit(case).values() for s in sheets
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
