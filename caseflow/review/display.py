"""How tasks and cases read on the lists: labels from the workflow definitions in the reader's
language, and due dates in working days. Passed to templates as ``show``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from caseflow.labels import is_english
from caseflow.roles import ROLES
from caseflow.workdays import current_calendar
from caseflow.workflows import registry

OBJECTION = _l("Objection")


def workflow_label(key: str) -> str:
    wf = registry.WORKFLOWS.get(key)
    return wf.label(is_english()) if wf else key


def kind_label(workflow: str, kind: str) -> str:
    wf = registry.WORKFLOWS.get(workflow)
    labels = wf.kinds.get(kind) if wf else None
    if not labels:
        return kind
    return labels[1] if is_english() else labels[0]


def state_label(workflow: str, state: str) -> str:
    wf = registry.WORKFLOWS.get(workflow)
    if wf is None or not wf.has_state(state):
        return state
    return wf.state(state).label(is_english())


def state_kind(workflow: str, state: str) -> str | None:
    wf = registry.WORKFLOWS.get(workflow)
    if wf is None or not wf.has_state(state):
        return None
    return wf.state(state).kind


def task_label(task) -> str:
    """What the task is about: its stage, or "Objection" for an objection (异议) to resolve."""
    if task.kind == "objection":
        return str(OBJECTION)
    return state_label(task.case.workflow, task.stage)


def outcome_label(task) -> str:
    """The decision that closed a task (its transition's label), e.g. "Recommend"."""
    if not task.outcome:
        return ""
    wf = registry.WORKFLOWS.get(task.case.workflow)
    t = wf.transition(task.stage, task.outcome) if wf else None
    if t is None:
        return _("Co-signed") if task.outcome == "countersign" else task.outcome
    return t.label(is_english())


def role_label(role: str) -> str:
    entry = ROLES.get(role)
    return str(entry.label) if entry else role


def workflow_choices() -> list[tuple[str, str]]:
    return [(key, wf.label(is_english())) for key, wf in sorted(registry.WORKFLOWS.items())]


def kind_choices() -> list[tuple[str, str]]:
    """Every kind of every workflow, once (kinds shared by workflows read the same)."""
    seen: dict[str, str] = {}
    for _key, wf in sorted(registry.WORKFLOWS.items()):
        for kind, (zh, en) in wf.kinds.items():
            seen.setdefault(kind, en if is_english() else zh)
    return sorted(seen.items())


@dataclass(frozen=True)
class Due:
    day: date
    provisional: bool
    overdue: bool
    workdays: int  # working days left, or working days overdue

    @property
    def today(self) -> bool:
        return not self.overdue and self.workdays == 0


def due(day: date | None, provisional: bool, today: date) -> Due | None:
    """The due date seen from ``today``: working days left (the start day not counted), or
    working days overdue. Provisional when the deadline or the count rests on a guessed year."""
    if day is None:
        return None
    cal = current_calendar()
    if day < today:
        days, guessed = cal.workdays_between(day, today)
        return Due(day, provisional or guessed, True, days)
    days, guessed = cal.workdays_between(today, day)
    return Due(day, provisional or guessed, False, days)
