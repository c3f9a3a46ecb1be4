"""What API clients send: request bodies and query strings, as Pydantic models.

Bodies are strict JSON (``extra="forbid"``: an unknown key is a 422, so a client can never set
``state``, ``version``, ``applicant`` or ``region`` by adding them). Case ``data`` is a map of
form fields to plain JSON values; which keys are allowed, and their types and bounds, is decided
by the engine from the workflow's ``fields`` (the same check as the web form). Query strings are
parsed leniently ("2" is 2) and unknown parameters are ignored.

The models are also the OpenAPI description's request schemas (``spec.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from caseflow.cases.forms import ANSWER_MAX, COMMENT_MAX, TEXT_MAX
from caseflow.review.forms import NOTE_MAX

# The web forms' bounds (caseflow.cases.forms, caseflow.review.forms) hold here too, so both doors
# take the same input: a text value or item TEXT_MAX characters, a comment COMMENT_MAX …
LIST_MAX = 200
INT_LIMIT = 2**53 - 1  # the integers every JSON client represents exactly
NAME_MAX = 40

KEY_MAX = 40  # a sheet's criterion key
VERDICT_SCHEMA = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["met", "not_met"]},
        "remarks": {"type": "string", "maxLength": TEXT_MAX},
    },
    "required": ["verdict"],
    "additionalProperties": False,
}
SHEET_SCHEMA = {
    "type": "object",
    "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$", "maxLength": KEY_MAX},
    "additionalProperties": {
        "anyOf": [
            {"type": "integer", "minimum": 0, "maximum": INT_LIMIT},
            {"type": "string", "maxLength": TEXT_MAX},
            VERDICT_SCHEMA,
        ]
    },
    "maxProperties": LIST_MAX,
    "description": 'A sheet (type "sheet") by criterion: points ({"facilities": 22}), or a '
    'verdict ({"campus_land": {"verdict": "not_met", "remarks": "…"}}, remarks required when '
    "not met). A sheet may also be given as lines criterion=value.",
}
VALUE_SCHEMA = {
    "anyOf": [
        {"type": "string", "maxLength": TEXT_MAX},
        {"type": "integer", "minimum": -INT_LIMIT, "maximum": INT_LIMIT},
        {"type": "boolean"},
        {"type": "array", "items": {"type": "string", "maxLength": TEXT_MAX}, "maxItems": LIST_MAX},
        SHEET_SCHEMA,
        {"type": "null"},
    ],
    "description": "Text, a whole number, true/false, a list of texts (items), a sheet (an "
    'object by criterion) or null. Decimal amounts and dates are given as text ("12.50", '
    '"2026-03-01").',
}


def _texts(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= LIST_MAX
        and all(isinstance(v, str) and len(v) <= TEXT_MAX for v in value)
    )


def _sheet_entry(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= INT_LIMIT
    if isinstance(value, str):
        return len(value) <= TEXT_MAX
    if isinstance(value, dict):
        remarks = value.get("remarks", "")
        return (
            set(value) <= {"verdict", "remarks"}
            and value.get("verdict") in ("met", "not_met")
            and isinstance(remarks, str)
            and len(remarks) <= TEXT_MAX
        )
    return False


def _sheet(value: Any) -> bool:
    """An object by criterion: points, a text, or ``{"verdict", "remarks"}``."""
    return (
        isinstance(value, dict)
        and len(value) <= LIST_MAX
        and all(isinstance(k, str) and 0 < len(k) <= KEY_MAX for k in value)
        and all(_sheet_entry(v) for v in value.values())
    )


def _field_value(value: Any) -> Any:
    """One value of case or action data: a plain JSON scalar, a list of texts or a sheet."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -INT_LIMIT <= value <= INT_LIMIT:
            return value
    elif isinstance(value, str):
        if len(value) <= TEXT_MAX:
            return value
    elif _texts(value) or _sheet(value):
        return value
    raise PydanticCustomError(
        "field_value", "not a text, whole number, true/false, list or sheet object"
    )


FieldValue = Annotated[Any, BeforeValidator(_field_value), WithJsonSchema(VALUE_SCHEMA)]
Data = Annotated[dict[str, FieldValue], Field(max_length=200)]
Version = Annotated[int, Field(ge=1, le=INT_LIMIT, description="The case version you read.")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _choices(schema: dict, **values) -> None:
    """Add ``enum``s read from the workflow registry when the description is generated."""
    for name, found in values.items():
        if found:
            schema["properties"][name]["enum"] = sorted(found)


def workflow_keys() -> set[str]:
    from caseflow.workflows import registry

    return set(registry.WORKFLOWS)


def kind_keys() -> set[str]:
    from caseflow.workflows import registry

    return {kind for wf in registry.WORKFLOWS.values() for kind in wf.kinds}


def action_names() -> set[str]:
    from caseflow.workflows import registry

    return {t.action for wf in registry.WORKFLOWS.values() for t in wf.transitions}


def panel_stages() -> set[str]:
    from caseflow.workflows import registry

    return {s.key for wf in registry.WORKFLOWS.values() for s in wf.states
            if s.assign is not None and s.assign.scope == "panel"}  # fmt: skip


def _filing_choices(schema: dict) -> None:
    _choices(schema, workflow=workflow_keys(), kind=kind_keys())


class CaseCreate(Body):
    """File a new case (a draft) for your organisation."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_filing_choices)

    workflow: str = Field(min_length=1, max_length=NAME_MAX, examples=["test_permit"])
    kind: str = Field(min_length=1, max_length=NAME_MAX, examples=["standard"])
    data: Data = Field(default_factory=dict, examples=[{"project": "实训楼", "amount": 1000}])


class CaseUpdate(Body):
    """Change application data while the case is with the applicant (draft, supplement)."""

    version: Version
    data: Data


class ActionRequest(Body):
    """Take a workflow action. ``data`` holds the action's fields (see available_actions)."""

    version: Version
    comment: str | None = Field(None, max_length=COMMENT_MAX)
    data: Data = Field(default_factory=dict)


class ItemAnswer(Body):
    """The applicant's answer to one item of a supplement notice (补正)."""

    answer: str = Field(min_length=1, max_length=ANSWER_MAX)


class PanelAssignment(Body):
    """People (by user name) assigned to a panel stage, e.g. the experts."""

    usernames: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(
        min_length=1, max_length=50
    )


class Handover(Body):
    """Hand your task to a colleague of the same role and scope (转交), with a note."""

    to: str = Field(min_length=1, max_length=80, description="The colleague's user name.")
    note: str = Field(min_length=1, max_length=NOTE_MAX)


class AttachmentUpload(BaseModel):
    """``multipart/form-data``: the attachment type (see the workflow's attachment_types) and
    the file (PDF, JPEG, PNG, XLSX or DOCX)."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=NAME_MAX)
    file: bytes


# ---------------------------------------------------------------------------------------------
# Query strings


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Paging(Query):
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(25, ge=1, le=100)


class CaseListQuery(Paging):
    workflow: str | None = Field(None, max_length=NAME_MAX)
    state: str | None = Field(None, max_length=NAME_MAX)
    region: str | None = Field(None, pattern=r"^[0-9]{6}$", description="A region code.")
    q: str | None = Field(
        None, max_length=100, description="Part of the reference or the organisation's name."
    )


class InboxQuery(Paging):
    tab: Literal["mine", "unclaimed", "overdue", "done"] = "mine"
    workflow: str | None = Field(None, max_length=NAME_MAX)
    kind: str | None = Field(None, max_length=NAME_MAX)
    region: str | None = Field(None, pattern=r"^[0-9]{6}$")
    due: Literal["soon", "overdue"] | None = None
    task: Literal["stage", "objection"] | None = None
