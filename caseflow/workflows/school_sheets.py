"""The expert panel's figures per criterion (Workflow A): once the whole panel has signed, each
expert's points on each criterion of the scoring sheet, their mean, lowest, highest and spread
(highest − lowest), and the total mean against the pass mark with the recommendation
(``school_panel.panel_result``). Decimal arithmetic, two places.

Registered as the workflow's ``panel_summary``: the case page shows it without knowing about
schools. It follows the blind reading of the sheets (``school_panel.may_read_sheet``): nothing
while the panel is still signing, never anything for the applicant's organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from caseflow.workflows.clock import local_date
from caseflow.workflows.registry import panel_summary
from caseflow.workflows.school_panel import (
    PanelResult,
    Sheet,
    may_read_sheet,
    panel_result,
    score_criteria,
    sheets_by_visit,
)

CENTS = Decimal("0.01")
DECISION = "decision"  # the stage that decides on the panel's recommendation
RECOMMENDATIONS = {
    "site_inspection": ("进入实地考察", "Go on to the site inspection"),
    "refuse": ("不予许可", "Refuse"),
}


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENTS, ROUND_HALF_UP)


@dataclass(frozen=True)
class CriterionStat:
    """One criterion (or the total): each expert's points in signing order and their figures."""

    key: str
    label_zh: str
    label_en: str
    max_points: int | None
    points: tuple[int | None, ...]
    mean: Decimal | None
    low: Decimal | None
    high: Decimal | None

    @property
    def spread(self) -> Decimal | None:
        return None if self.low is None else self.high - self.low

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh


def stat(key: str, label_zh: str, label_en: str, max_points, points) -> CriterionStat:
    given = [p for p in points if p is not None]
    if not given:
        return CriterionStat(key, label_zh, label_en, max_points, tuple(points), None, None, None)
    mean = cents(Decimal(sum(given)) / len(given))
    return CriterionStat(key, label_zh, label_en, max_points, tuple(points), mean,
                         cents(min(given)), cents(max(given)))  # fmt: skip


def latest_sheets(case) -> list[Sheet]:
    """The sheets of the latest expert review, in signing order."""
    visits = sheets_by_visit(case)
    return list(visits[max(visits, key=lambda v: v or 0)]) if visits else []


def criterion_stats(case, signed: list[Sheet] | None = None) -> list[CriterionStat]:
    """A row per criterion of the scoring sheet in effect on the day of the last signature
    (criteria found only in older sheets follow), then the total. Empty without sheets."""
    signed = latest_sheets(case) if signed is None else signed
    if not signed:
        return []
    criteria = score_criteria(local_date(signed[-1].signed_at))
    keys = list(criteria) + sorted({k for s in signed for k in s.scores} - criteria.keys())
    rows = []
    for key in keys:
        entry = criteria.get(key)
        rows.append(stat(key, entry.label_zh if entry else key, entry.label_en if entry else key,
                         entry.value if entry else None,
                         [s.scores.get(key) for s in signed]))  # fmt: skip
    top = sum(r.max_points or 0 for r in rows)
    rows.append(stat("total", "总分", "Total", top, [s.total for s in signed]))
    return rows


@dataclass(frozen=True)
class PanelSummary:
    experts: tuple[str, ...]  # the experts' names, in signing order (the columns)
    rows: tuple[CriterionStat, ...]  # the criteria, then the total
    result: PanelResult
    decision_pending: bool  # the case waits in the stage that decides on the recommendation

    @property
    def refuse(self) -> bool:
        return self.result.recommendation == "refuse"

    @property
    def prominent(self) -> bool:
        """Shown as a warning: below the pass mark while the decision is being taken."""
        return self.refuse and self.decision_pending

    def recommendation(self, english: bool) -> str:
        zh, en = RECOMMENDATIONS.get(self.result.recommendation, (self.result.recommendation,) * 2)
        return en if english else zh


@panel_summary("school_establishment")
def summary(case, user) -> PanelSummary | None:
    """The panel's figures as ``user`` may read them: None until the whole panel has signed, and
    None for anyone who may not read every sheet of the panel (the applicant's organisation)."""
    result = panel_result(case)
    signed = latest_sheets(case)
    if result is None or not signed:
        return None
    if not all(may_read_sheet(case, s.seq, s.expert_id, user) for s in signed):
        return None
    return PanelSummary(tuple(s.expert_name for s in signed), tuple(criterion_stats(case, signed)),
                        result, case.state == DECISION)  # fmt: skip
