"""Registered workflows, guards, routers and effects, and the consistency check of definitions.

``validate()`` runs at start-up and in ``flask --app wsgi caseflow check``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from caseflow.roles import ROLES
from caseflow.workflows.definition import (
    CLOCK_IN_STATE,
    CLOCK_OPS,
    COMMENT_RULES,
    FIELD_TYPES,
    NOTICE_MASKS,
    SCOPE_RULES,
    SIGN_OFF_MODES,
    STATE_KINDS,
    TIME_UNITS,
    TRANSITION_KINDS,
    UPLOADERS,
    PolicyRef,
    Workflow,
    spec,
)

WORKFLOWS: dict[str, Workflow] = {}
GUARDS: dict[str, Callable] = {}
ROUTERS: dict[str, Callable] = {}
EFFECTS: dict[str, Callable] = {}
# Per-workflow readers of event details: what a given user may read of an event (e.g. blind
# expert scores). Pages and the API show details only through ``readable_details``.
DETAIL_READERS: dict[str, Callable] = {}
# Per-workflow checks of a case's data that pages show beside it (advisory, never a guard):
# ``check(data, kind, org, on) -> list of rows`` (e.g. the school standards check).
CASE_CHECKS: dict[str, Callable] = {}
# Sheet providers (field type ``sheet``): ``provider(case, day) -> list[sheets.SheetRow]``.
SHEET_PROVIDERS: dict[str, Callable] = {}
# Per-workflow summaries of a complete panel for the case page: ``summary(case, user)`` → an
# object with the figures ``user`` may read, or None (e.g. the experts' mean and spread).
PANEL_SUMMARIES: dict[str, Callable] = {}
# Numbered document kinds (caseflow.documents registers them): name → its description.
DOCUMENT_KINDS: dict[str, object] = {}
ACTOR_ROLES = set(ROLES) | {"system", "public"}
# Engine-level actions every stage may offer; a definition may not reuse these names.
RESERVED_ACTIONS = frozenset(
    {"create", "edit", "claim", "release", "handover", "add_cosigner", "countersign",
     "assign_panel", "answer_item", "remind", "overdue", "attach", "file_objection",
     "dismiss_objection"}
)  # fmt: skip


def guard(name: str):
    def decorator(fn):
        GUARDS[name] = fn
        return fn

    return decorator


def router(name: str, targets: tuple[str, ...]):
    """Register a router; ``targets`` lists every state it may return (for validation)."""

    def decorator(fn):
        fn.targets = tuple(targets)
        ROUTERS[name] = fn
        return fn

    return decorator


def effect(name: str):
    def decorator(fn):
        EFFECTS[name] = fn
        return fn

    return decorator


def detail_reader(workflow_key: str):
    def decorator(fn):
        DETAIL_READERS[workflow_key] = fn
        return fn

    return decorator


def readable_details(case, event, user) -> dict | None:
    """``event.details`` as ``user`` may read them (the workflow's reader, if it has one)."""
    reader = DETAIL_READERS.get(case.workflow)
    return reader(case, event, user) if reader else event.details


def case_check(workflow_key: str):
    """Register the workflow's check of application data (see ``CASE_CHECKS``)."""

    def decorator(fn):
        CASE_CHECKS[workflow_key] = fn
        return fn

    return decorator


def sheet_provider(name: str):
    """Register the rows of a sheet field (``Field(type="sheet", sheet=name)``)."""

    def decorator(fn):
        SHEET_PROVIDERS[name] = fn
        return fn

    return decorator


def sheet_rows(case, f, day) -> list:
    """The rows of sheet field ``f`` for ``case`` on ``day`` (empty for any other field)."""
    provider = SHEET_PROVIDERS.get(f.sheet or "") if f.type == "sheet" else None
    return list(provider(case, day)) if provider else []


def panel_summary(workflow_key: str):
    """Register the workflow's summary of a complete panel (see ``PANEL_SUMMARIES``)."""

    def decorator(fn):
        PANEL_SUMMARIES[workflow_key] = fn
        return fn

    return decorator


def panel_summary_for(case, user):
    """The panel summary ``user`` may read on ``case`` (None: none, or not yet)."""
    summary = PANEL_SUMMARIES.get(case.workflow)
    return summary(case, user) if summary else None


def document_kind(name: str, spec) -> None:
    DOCUMENT_KINDS[name] = spec


def register(workflow: Workflow) -> Workflow:
    WORKFLOWS[workflow.key] = workflow
    return workflow


def get(key: str) -> Workflow:
    return WORKFLOWS[key]


class DefinitionError(ValueError):
    pass


def problems(wf: Workflow) -> list[str]:
    """Every inconsistency in one definition, as sentences naming the row."""
    out: list[str] = []
    keys = [s.key for s in wf.states]
    if len(keys) != len(set(keys)):
        out.append(f"{wf.key}: duplicate state keys")
    if not wf.has_state(wf.initial):
        out.append(f"{wf.key}: initial state {wf.initial!r} is not defined")
        return out
    if wf.subject_field is not None and wf.subject_field not in {f.name for f in wf.fields}:
        out.append(f"{wf.key}: subject_field {wf.subject_field!r} is not a field of the form")
    for s in wf.states:
        where = f"{wf.key}.{s.key}"
        if s.kind not in STATE_KINDS:
            out.append(f"{where}: unknown kind {s.kind!r}")
        if s.is_stage:
            if s.mode not in SIGN_OFF_MODES:
                out.append(f"{where}: a stage needs a sign-off mode (single, all, any)")
            if s.assign is None:
                out.append(f"{where}: a stage needs an assignment (role and scope)")
            elif s.assign.role not in ROLES or s.assign.scope not in SCOPE_RULES:
                out.append(f"{where}: unknown assignment {s.assign.role}/{s.assign.scope}")
            elif s.mode in ("all", "any") and s.assign.scope != "panel":
                out.append(f"{where}: `{s.mode}` stages are assigned to a panel")
        if s.clock is not None and s.clock not in CLOCK_IN_STATE:
            out.append(f"{where}: clock must be runs or paused")
        if s.time_unit not in TIME_UNITS:
            out.append(f"{where}: time_unit must be one of {', '.join(TIME_UNITS)}")
        if s.supervisor is not None and s.supervisor not in ROLES:
            out.append(f"{where}: unknown supervisor role {s.supervisor!r}")
        if s.on_timeout is not None:
            t = wf.transition(s.key, s.on_timeout)
            if t is None or "system" not in t.roles:
                out.append(f"{where}: on_timeout {s.on_timeout!r} is not a system action here")
            if not spec(s, "time_limit"):
                out.append(f"{where}: on_timeout needs a time limit")
        if s.is_terminal and wf.transitions_from(s.key):
            out.append(f"{where}: terminal states have no exits")
        if not s.is_terminal and not wf.transitions_from(s.key):
            out.append(f"{where}: a non-terminal state needs an exit")
        if s.panel_assigned_by not in ROLES:
            out.append(f"{where}: unknown panel_assigned_by role {s.panel_assigned_by!r}")
        out.extend(_notice_problems(wf, s, where))
    seen_actions: set[tuple[str, str]] = set()
    for t in wf.transitions:
        where = f"{wf.key}:{t.action}"
        for source in t.source:
            if (source, t.action) in seen_actions:
                out.append(f"{where}: defined twice from {source!r}")
            seen_actions.add((source, t.action))
        if t.action in RESERVED_ACTIONS:
            out.append(f"{where}: {t.action!r} is reserved for the engine")
        if t.kind not in TRANSITION_KINDS:
            out.append(f"{where}: unknown kind {t.kind!r}")
        for source in t.source:
            if not wf.has_state(source):
                out.append(f"{where}: source state {source!r} is not defined")
        if t.kind == "resubmit":
            if t.target or t.router:
                out.append(f"{where}: resubmit goes back to the returning stage; no target")
        elif (t.target is None) == (t.router is None):
            out.append(f"{where}: give exactly one of target or router")
        if t.target is not None and not wf.has_state(t.target):
            out.append(f"{where}: target {t.target!r} is not defined")
        if t.router is not None and t.router not in ROUTERS:
            out.append(f"{where}: router {t.router!r} is not registered")
        elif t.router is not None:
            for declared in ROUTERS[t.router].targets:
                if not wf.has_state(declared):
                    out.append(f"{where}: router {t.router!r} may return undefined {declared!r}")
        if t.kind == "return_supplement" and not any(f.name == "items" for f in t.fields):
            out.append(f"{where}: a supplement return needs an `items` field")
        back_to = t.target if t.kind == "return_stage" and wf.has_state(t.target or "") else None
        if back_to and not wf.state(back_to).is_stage:
            out.append(f"{where}: return_stage must lead back to a stage")
        for name in t.guards:
            if name not in GUARDS:
                out.append(f"{where}: guard {name!r} is not registered")
        for name in t.effects:
            if name not in EFFECTS:
                out.append(f"{where}: effect {name!r} is not registered")
        for name in t.documents:
            if name not in DOCUMENT_KINDS:
                out.append(f"{where}: document kind {name!r} is not registered")
        for role in t.roles:
            if role not in ACTOR_ROLES:
                out.append(f"{where}: unknown role {role!r}")
        if not t.roles:
            out.append(f"{where}: no role may take this action")
        if t.comment not in COMMENT_RULES:
            out.append(f"{where}: comment must be one of {COMMENT_RULES}")
        if t.kind in ("reject", "return_supplement", "return_stage") and t.comment != "required":
            out.append(f"{where}: returns and rejections require a comment")
        if t.clock is not None and t.clock not in CLOCK_OPS:
            out.append(f"{where}: unknown clock operation {t.clock!r}")
        if t.clock is not None and wf.clock is None:
            out.append(f"{where}: clock operation without a workflow clock")
        for f in t.fields:
            if f.type not in FIELD_TYPES:
                out.append(f"{where}: field {f.name!r} has unknown type {f.type!r}")
            if f.type == "sheet" and f.sheet not in SHEET_PROVIDERS:
                out.append(f"{where}: field {f.name!r} names no registered sheet {f.sheet!r}")
            elif f.type != "sheet" and f.sheet is not None:
                out.append(f"{where}: field {f.name!r} is not a sheet but names one")
        if t.kind == "sign":
            for source in t.source:
                if wf.has_state(source) and wf.state(source).mode not in ("all", "any"):
                    out.append(f"{where}: sign actions belong to all/any stages")
        supplement_target = t.kind == "return_supplement" and t.target and wf.has_state(t.target)
        if supplement_target and wf.state(t.target).kind != "applicant":
            out.append(f"{where}: supplements go to an applicant state")
    out.extend(_form_problems(wf))
    out.extend(_attachment_problems(wf))
    out.extend(policy_ref_problems(wf))
    out.extend(unreachable(wf))
    return out


def _form_problems(wf: Workflow) -> list[str]:
    """Application-form fields name known kinds and label only their own choices."""
    out = []
    for f in wf.fields:
        where = f"{wf.key}.fields.{f.name}"
        if f.type not in FIELD_TYPES:
            out.append(f"{where}: unknown type {f.type!r}")
        for kind in f.kinds or ():
            if kind not in wf.kinds:
                out.append(f"{where}: unknown kind {kind!r}")
        for key in f.choice_labels or {}:
            if key not in f.choices:
                out.append(f"{where}: label for {key!r}, which is not a choice")
    return out


def _attachment_problems(wf: Workflow) -> list[str]:
    out = []
    for a in wf.attachments:
        where = f"{wf.key}: attachment type {a.key!r}"
        if not a.uploaded_by or not set(a.uploaded_by) <= set(UPLOADERS):
            out.append(f"{where}: uploaded_by must name some of {', '.join(UPLOADERS)}")
        for state in a.states:
            if not wf.has_state(state):
                out.append(f"{where}: state {state!r} is not defined")
        if a.required and (a.multiple or "applicant" not in a.uploaded_by):
            out.append(f"{where}: a required type is one file the applicant uploads")
    return out


def _policy_refs(wf: Workflow):
    """(where, declared value) for every number of the definition that may be policy data."""
    for s in wf.states:
        for name in ("time_limit", "objection_time_limit"):
            yield f"{wf.key}.{s.key}.{name}", spec(s, name)
    if wf.clock is not None:
        for name in ("limit_days", "extension_days", "extensions_allowed"):
            yield f"{wf.key}.clock.{name}", spec(wf.clock, name)


def policy_ref_problems(wf: Workflow) -> list[str]:
    """A PolicyRef names a policy the workflow declares, and every version of that policy holds
    the key as a whole number (when the policy data can be read here; broken or missing data is
    reported by the policy checks)."""
    from caseflow import policy

    out = []
    for where, value in _policy_refs(wf):
        if not isinstance(value, PolicyRef):
            continue
        if value.policy not in wf.policies:
            out.append(f"{where}: policy {value.policy!r} is not in the workflow's policies")
            continue
        try:
            versions = policy.get_policy(value.policy).versions
        except policy.PolicyError:
            continue
        for version in versions:
            entry = version.values.get(value.key)
            if entry is None or not isinstance(entry.value, int) or isinstance(entry.value, bool):
                out.append(f"{where}: {version.id} has no whole number {value.key!r}")
    return out


def _notice_problems(wf: Workflow, s, where: str) -> list[str]:
    out = []
    if s.kind != "public":
        if s.notice_fields or s.objections or s.objection_upheld:
            out.append(f"{where}: notice fields and objections belong to public states")
        return out
    if not spec(s, "time_limit") or not s.on_timeout:
        out.append(f"{where}: a public notice needs a period (time_limit) and an on_timeout action")
    for f in s.notice_fields:
        if f.mask is not None and f.mask not in NOTICE_MASKS:
            out.append(f"{where}: notice field {f.key!r} has unknown mask {f.mask!r}")
    if s.objections is not None:
        scoped = s.objections.scope in ("province", "applicant_region")
        if s.objections.role not in ROLES or not scoped:
            out.append(f"{where}: objections go to a role with province or applicant_region scope")
        upheld = wf.transition(s.key, s.objection_upheld or "")
        if upheld is None or s.objections.role not in upheld.roles:
            out.append(f"{where}: objection_upheld must be an action of the objection role here")
    return out


def targets(wf: Workflow, t) -> set[str]:
    if t.target:
        return {t.target}
    if t.kind == "resubmit":  # back to whichever stage returned the case
        return {src for r in wf.transitions if r.kind == "return_supplement" for src in r.source}
    router_fn = ROUTERS.get(t.router)
    return set(getattr(router_fn, "targets", ()))


def unreachable(wf: Workflow) -> list[str]:
    seen = {wf.initial}
    queue = deque([wf.initial])
    while queue:
        state = queue.popleft()
        for t in wf.transitions_from(state):
            for nxt in targets(wf, t):
                if nxt not in seen and wf.has_state(nxt):
                    seen.add(nxt)
                    queue.append(nxt)
    return [f"{wf.key}.{s.key}: not reachable from {wf.initial}" for s in wf.states
            if s.key not in seen]  # fmt: skip


def validate(workflows: dict[str, Workflow] | None = None) -> list[str]:
    found = []
    for wf in (workflows or WORKFLOWS).values():
        found.extend(problems(wf))
    return found


def validate_or_raise(workflows=None) -> None:
    found = validate(workflows)
    if found:
        raise DefinitionError("invalid workflow definitions:\n" + "\n".join(found))
