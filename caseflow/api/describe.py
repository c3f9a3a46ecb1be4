"""The caller and the workflow definitions, as the API answers them: what a client needs to know
who it is and to build its forms. Labels follow ``Accept-Language``; stored codes do not."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from caseflow.authz import PERMISSIONS, can
from caseflow.labels import is_english, region_name, scope_label
from caseflow.models import User
from caseflow.review import display
from caseflow.workflows import registry
from caseflow.workflows.definition import Field as FormField
from caseflow.workflows.definition import Workflow

from . import resources as r
from .resources import FieldSpec, Label, Out

# ---------------------------------------------------------------------------------------------
# The answers' shapes


class RoleOut(Out):
    role: str
    label: str
    scope_kind: Literal["organisation", "region", "province", "assigned", "system"]
    scope: str = Field(description="The scope as people read it, e.g. 市州：成都市.")
    region_code: str | None


class OrganisationOut(Out):
    name: str
    kind: str
    region_code: str
    region_name: str


class UserOut(Out):
    username: str
    display_name: str
    locale: str | None


class Me(Out):
    user: UserOut
    organisation: OrganisationOut
    roles: list[RoleOut]
    permissions: list[str] = Field(description="Permissions your roles carry (scope aside).")


class StateSpec(Out):
    key: str
    label: str
    kind: Literal["applicant", "stage", "system", "public", "terminal"]
    mode: Literal["single", "all", "any"] | None
    role: str | None = Field(description="Who acts in this stage.")
    scope: str | None
    time_limit: int | None
    time_unit: str
    clock: Literal["runs", "paused"] | None


class TransitionSpec(Out):
    action: str
    label: str
    kind: str
    source: list[str]
    targets: list[str]
    roles: list[str]
    comment: Literal["optional", "required", "none"]
    fields: list[FieldSpec]


class AttachmentTypeSpec(Out):
    key: str
    label: str
    required: bool


class ClockSpec(Out):
    limit_days: int
    extension_days: int
    extensions_allowed: int


class WorkflowSummary(Out):
    key: str
    prefix: str
    label: str
    kinds: list[Label]


class WorkflowList(Out):
    items: list[WorkflowSummary]


class WorkflowDetail(WorkflowSummary):
    initial: str
    fields: list[FieldSpec] = Field(description="The application form (case data).")
    states: list[StateSpec]
    transitions: list[TransitionSpec]
    attachment_types: list[AttachmentTypeSpec]
    clock: ClockSpec | None


def me(user: User) -> Me:
    org = user.organisation
    roles = [
        RoleOut(
            role=a.role,
            label=display.role_label(a.role),
            scope_kind=a.scope_kind,
            scope=scope_label(a),
            region_code=a.region_code,
        )
        for a in sorted(user.roles, key=lambda a: (a.role, a.scope_kind, a.region_code or ""))
    ]
    return Me(
        user=UserOut(username=user.username, display_name=user.display_name, locale=user.locale),
        organisation=OrganisationOut(
            name=org.name,
            kind=org.kind,
            region_code=org.region_code,
            region_name=region_name(org.region),
        ),
        roles=roles,
        permissions=sorted(p for p in PERMISSIONS if can(user, p)),
    )


def field_spec(f: FormField) -> r.FieldSpec:
    label = (f.label_en if is_english() else f.label_zh) or f.label_zh or f.label_en or f.name
    return r.FieldSpec(
        name=f.name,
        type=f.type,
        required=f.required,
        label=label,
        choices=list(f.choices),
        min_value=f.min_value,
        max_value=f.max_value,
        sheet=f.sheet,
        choice_labels={c: f.choice_label(c, is_english()) for c in f.choices},
        kinds=list(f.kinds) if f.kinds is not None else None,
    )


def _kinds(wf: Workflow) -> list[r.Label]:
    return [r.Label(key=k, label=display.kind_label(wf.key, k)) for k in wf.kinds]


def workflow_summary(wf: Workflow) -> WorkflowSummary:
    return WorkflowSummary(
        key=wf.key, prefix=wf.prefix, label=wf.label(is_english()), kinds=_kinds(wf)
    )


def workflow_detail(wf: Workflow) -> WorkflowDetail:
    english = is_english()
    states = [
        StateSpec(
            key=s.key,
            label=s.label(english),
            kind=s.kind,
            mode=s.mode,
            role=s.assign.role if s.assign else None,
            scope=s.assign.scope if s.assign else None,
            time_limit=s.time_limit,
            time_unit=s.time_unit,
            clock=s.clock,
        )
        for s in wf.states
    ]
    transitions = [
        TransitionSpec(
            action=t.action,
            label=t.label(english),
            kind=t.kind,
            source=list(t.source),
            targets=sorted(registry.targets(wf, t)),
            roles=sorted(t.roles),
            comment=t.comment,
            fields=[field_spec(f) for f in t.fields],
        )
        for t in wf.transitions
    ]
    clock = None
    if wf.clock is not None:
        clock = ClockSpec(
            limit_days=wf.clock.limit_days,
            extension_days=wf.clock.extension_days,
            extensions_allowed=wf.clock.extensions_allowed,
        )
    return WorkflowDetail(
        **workflow_summary(wf).model_dump(),
        initial=wf.initial,
        fields=[field_spec(f) for f in wf.fields],
        states=states,
        transitions=transitions,
        attachment_types=[
            AttachmentTypeSpec(key=a.key, label=a.label(english), required=a.required)
            for a in wf.attachments
        ],
        clock=clock,
    )
