"""What the API answers: response bodies as Pydantic models.

Every view builds one of these, so a response always matches the schema the OpenAPI description
publishes (``spec.py``). Times are ISO 8601 in UTC (``2026-03-02T01:30:00Z``), dates are
``YYYY-MM-DD`` working days in Asia/Shanghai, money and decimals are strings. Labels are in the
language of ``Accept-Language``; stored codes (states, actions, roles) never change with it.
People other than the caller are named by display name, never by their internal id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class Problem(BaseModel):
    """An error (RFC 9457 ``application/problem+json``). ``code``, ``errors`` and
    ``current_version`` are present only where they apply."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str | None = Field(
        None, description="The refusing rule or error, stable across languages."
    )
    errors: dict[str, str] | None = Field(None, description="Field → what is wrong with it.")
    current_version: int | None = Field(None, description="On 409: the case's version now.")


class Label(Out):
    key: str
    label: str


# ---------------------------------------------------------------------------------------------
# Workflow definitions


class FieldSpec(Out):
    name: str
    type: Literal["text", "int", "decimal", "date", "choice", "items", "user", "bool", "sheet"]
    required: bool
    label: str
    choices: list[str]
    min_value: int | None
    max_value: int | None
    sheet: str | None = Field(
        None, description="A sheet field: its rows' provider (the case's rows are its criteria)."
    )
    choice_labels: dict[str, str] = Field(
        default_factory=dict, description="Each choice's label in the answer's language."
    )
    kinds: list[str] | None = Field(
        None, description="The case kinds whose form asks this field (null: every kind)."
    )


# ---------------------------------------------------------------------------------------------
# Cases


class ActionOut(Out):
    action: str
    label: str
    kind: str
    comment: Literal["optional", "required", "none"]
    fields: list[FieldSpec]


class TaskOut(Out):
    id: int
    case: str = Field(description="The case reference.")
    kind: Literal["stage", "objection"]
    stage: str
    stage_label: str
    role: str
    mode: Literal["single", "all", "any"]
    status: Literal["open", "done", "cancelled"]
    holder: str | None = Field(description="Who holds the task (display name).")
    yours: bool
    due_on: date | None
    due_provisional: bool
    overdue: bool
    note: str | None


class ClockOut(Out):
    status: Literal["not_started", "running", "paused", "stopped"]
    elapsed: int
    limit: int
    remaining: int
    deadline: date | None
    provisional: bool
    extended: bool


class NoticeOut(Out):
    id: int
    starts_on: date
    ends_on: date = Field(description="The last day of the period (Asia/Shanghai).")
    public_url: str = Field(description="The public page of the notice (no login).")


class Deadline(Out):
    task: int
    stage: str
    due_on: date
    provisional: bool
    overdue: bool
    workdays: int = Field(description="Working days left, or overdue by.")


class SupplementItemOut(Out):
    id: int
    position: int
    stage: str
    text: str
    answer: str | None
    answered_at: datetime | None


class ApplicantOut(Out):
    organisation: str
    region_code: str
    region_name: str


class CaseSummary(Out):
    reference: str
    workflow: str
    kind: str
    state: str
    state_label: str
    version: int
    applicant: ApplicantOut
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CaseOut(CaseSummary):
    workflow_label: str
    kind_label: str
    data: dict[str, Any]
    available_actions: list[ActionOut]
    tasks: list[TaskOut]
    deadlines: list[Deadline]
    clock: ClockOut | None = Field(description="Null when the workflow has no licensing clock.")
    supplement_items: list[SupplementItemOut]
    may_edit: bool = Field(description="Whether you may PATCH the data now.")
    may_attach: bool
    notice: NoticeOut | None = Field(
        None, description="The public notice (公示) the case is under now, if any."
    )


class CasePage(Out):
    items: list[CaseSummary]
    page: int
    per_page: int
    total: int
    pages: int


# ---------------------------------------------------------------------------------------------
# History, attachments, inbox


class Actor(Out):
    name: str
    role: str | None
    role_label: str
    organisation: str | None


class EventOut(Out):
    seq: int
    action: str
    label: str
    from_state: str | None
    to_state: str | None
    actor: Actor
    occurred_at: datetime
    comment: str | None
    changes: dict[str, Any] | None
    details: dict[str, Any] | None = Field(
        description="As stored, except that people are named (to_user, cosigner, users) "
        "instead of their internal ids."
    )
    policy_version: str | None
    prev_hash: str | None
    hash: str


class EventList(Out):
    reference: str
    items: list[EventOut]


class BadEvent(Out):
    seq: int | None
    problem: str


class VerifyOut(Out):
    ok: bool
    events: int
    first_bad: BadEvent | None


class AttachmentOut(Out):
    id: int
    type: str
    type_label: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str | None
    current: bool = Field(description="False once a newer file of the type superseded it.")


class AttachmentList(Out):
    items: list[AttachmentOut]


class TabCounts(Out):
    mine: int | None
    unclaimed: int | None
    overdue: int | None
    done: int | None = Field(description="Null when not counted (a filter on the done tab).")


class InboxItem(TaskOut):
    workflow: str
    case_state: str
    organisation: str
    region_code: str
    completed_at: datetime | None
    outcome: str | None


class Inbox(Out):
    tab: Literal["mine", "unclaimed", "overdue", "done"]
    counts: TabCounts
    items: list[InboxItem]
    page: int
    per_page: int
    total: int
    pages: int


class Colleague(Out):
    username: str
    display_name: str


class ColleagueList(Out):
    items: list[Colleague]
