"""What the case page shows, read from the case and its workflow definition.

Nothing here changes anything. The progress stepper is derived from the definition alone (no
per-workflow code): the *main path* is every non-terminal state reached from ``initial`` by
forward transitions (ordinary moves, signatures and system moves — not returns, resubmissions,
withdrawals or rejections), in breadth-first order; the terminal states so reached are the
outcomes the path leads to.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from sqlalchemy import select

from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.models import Case, CaseEvent, SupplementItem
from caseflow.workflows import clock as clocks
from caseflow.workflows import engine, registry
from caseflow.workflows.definition import Workflow
from caseflow.workflows.errors import ActionRefused

FORWARD_KINDS = frozenset({"transition", "sign", "system"})


# ---------------------------------------------------------------------------------------------
# Labels from the definition, in the reader's language


def state_label(wf: Workflow, key: str | None) -> str:
    if not key:
        return "—"
    return wf.state(key).label(is_english()) if wf.has_state(key) else key


def kind_label(wf: Workflow, kind: str) -> str:
    labels = wf.kinds.get(kind)
    if not labels:
        return kind
    return labels[1] if is_english() else labels[0]


def field_label(wf: Workflow, key: str) -> str:
    """A case-data or transition-field name as the definition labels it (else the name)."""
    english = is_english()
    for f in wf.fields:
        if f.name == key and (f.label_zh or f.label_en):
            return (f.label_en if english else f.label_zh) or key
    for t in wf.transitions:
        for f in t.fields:
            if f.name == key and (f.label_zh or f.label_en):
                return (f.label_en if english else f.label_zh) or key
    for s in wf.states:
        for f in s.notice_fields:
            if f.key == key:
                return f.label(english)
    return key


def join(texts) -> str:
    """A list of names or labels, with the list separator of the reader's language."""
    return (", " if is_english() else "、").join(str(t) for t in texts)


def display_value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        from flask_babel import gettext as _

        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(display_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {display_value(v)}" for k, v in sorted(value.items()))
    return str(value)


# ---------------------------------------------------------------------------------------------
# Progress stepper


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    status: str  # done | current | upcoming | skipped
    note: str = ""  # e.g. the side state the case is in now (a supplement)


@dataclass(frozen=True)
class Progress:
    steps: list[Step]
    outcome: str  # the terminal state reached, or the outcomes the path leads to
    closed: bool
    good: bool  # the case ended in an outcome of the main path


def main_path(wf: Workflow) -> tuple[list[str], list[str]]:
    """(non-terminal states, terminal outcomes) of the main path, in breadth-first order."""
    order_of = {s.key: i for i, s in enumerate(wf.states)}
    path, outcomes = [], []
    seen, queue = {wf.initial}, deque([wf.initial])
    while queue:
        key = queue.popleft()
        if wf.state(key).is_terminal:
            outcomes.append(key)
            continue
        path.append(key)
        for t in wf.transitions_from(key):
            if t.kind not in FORWARD_KINDS:
                continue
            for nxt in sorted(registry.targets(wf, t), key=lambda k: order_of.get(k, 0)):
                if nxt not in seen and wf.has_state(nxt):
                    seen.add(nxt)
                    queue.append(nxt)
    return path, outcomes


def progress(case: Case, wf: Workflow, visited: list[str]) -> Progress:
    """Where the case stands on the main path; ``visited`` lists its states in event order.
    A ``system`` state (a waiting period on a side branch, e.g. 筹设期) is shown only when the
    case is in it or went through it."""
    path, outcomes = main_path(wf)
    path = [k for k in path
            if wf.state(k).kind != "system" or k in visited or k == case.state]  # fmt: skip
    reached = {nxt for k in path for t in wf.transitions_from(k) if t.kind in FORWARD_KINDS
               for nxt in registry.targets(wf, t)}  # fmt: skip
    outcomes = [k for k in outcomes if k in reached]
    state = wf.state(case.state)
    on_path = [k for k in visited if k in path]
    note = ""
    if case.state in path:
        at, current = path.index(case.state), True
    else:
        anchor = case.returned_from if case.returned_from in path else None
        anchor = anchor or (on_path[-1] if on_path else path[0])
        at, current = path.index(anchor), not state.is_terminal
        if current:
            note = state.label(is_english())
    steps = []
    for i, key in enumerate(path):
        if i < at or (i == at and not current):
            status = "done" if key in visited or i < at else "skipped"
        elif i == at:
            status = "current"
        else:
            status = "skipped" if state.is_terminal else "upcoming"
        steps.append(Step(key, state_label(wf, key), status, note if i == at else ""))
    if state.is_terminal:
        return Progress(steps, state.label(is_english()), True, case.state in outcomes)
    return Progress(steps, " / ".join(state_label(wf, k) for k in outcomes), False, True)


# ---------------------------------------------------------------------------------------------
# Clock, supplement notice, the case's data


def clock(case: Case, wf: Workflow):
    """``(has_clock, ClockStatus | None)``: the licensing clock, if the workflow has one."""
    if wf.clock is None:
        return False, None
    return True, clocks.clock_status(case)


def supplement_items(case: Case) -> list[SupplementItem]:
    return engine.open_supplement_items(case)


def supplement_stage(items: list[SupplementItem], wf: Workflow) -> str:
    return state_label(wf, items[0].stage) if items else ""


def data_rows(case: Case, wf: Workflow) -> list[tuple[str, str]]:
    """The application form's fields of the case's kind in the definition's order (choices by
    their labels, land also in 亩), then any other data."""
    data = case.data or {}
    fields = {f.name: f for f in wf.fields if f.for_kind(case.kind) or f.name in data}
    keys = list(fields) + sorted(k for k in data if k not in fields)
    return [(field_label(wf, k), field_value(fields.get(k), data.get(k))) for k in keys]


def form_value(wf: Workflow, key: str, value) -> str:
    """A value of the case data as people read it (by the application form's field, if any)."""
    return field_value(next((f for f in wf.fields if f.name == key), None), value)


def field_value(f, value) -> str:
    """A value of the application form as people read it."""
    if f is None or value in (None, ""):
        return display_value(value)
    if f.type == "choice":
        return f.choice_label(value, is_english())
    if f.show_mu:
        from caseflow.policy.display import number
        from caseflow.policy.model import to_mu

        try:
            mu = number(to_mu(value))
        except ArithmeticError:
            return display_value(value)
        return f"{value} m² (≈ {mu} mu)" if is_english() else f"{value} 平方米（约{mu}亩）"
    return display_value(value)


def case_check(case: Case, wf: Workflow) -> list | None:
    """The workflow's check of the case's data (e.g. the school standards), under the policy in
    effect on the day of filing; None when the workflow registers no check."""
    check = registry.CASE_CHECKS.get(wf.key)
    if check is None:
        return None
    from caseflow import policy
    from caseflow.workdays import to_local_date

    try:
        return check(case.data or {}, case.kind, case.applicant_org, to_local_date(case.created_at))
    except policy.PolicyError:
        return None


def events(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )


open_tasks = engine.open_tasks


def is_case_applicant(case: Case, user) -> bool:
    """The user files for the case's organisation (and may answer its supplement items)."""
    try:
        return engine.applicant_role(case, user) == "applicant"
    except ActionRefused:
        return False
