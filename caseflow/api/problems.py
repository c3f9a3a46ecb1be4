"""Errors of the API as RFC 9457 problems, in the language of ``Accept-Language``.

* invalid input (a body or query that does not fit its schema, or the engine's
  ``InvalidInput``) → 422 with ``errors``: field → what is wrong, e.g. ``{"data.amount": …}``;
* the engine's ``ActionRefused`` → 403 with ``code`` naming the refusing rule and ``detail``
  its reason; ``StaleCase`` → 409 with ``current_version``;
* a body that is not JSON → 400; not ``application/json`` → 415;
* 401, 404 (a case or task the caller may not see), 405, 413, 429 … come from
  ``caseflow.errors`` through the app's handlers.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import Forbidden

from caseflow.api import bp
from caseflow.errors import problem
from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.workflows.errors import WorkflowError

DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "No valid token: missing, malformed, unknown, expired or revoked.",
    403: "Not permitted: `code` names the rule that refused (role, scope, separation of "
    "duties, a guard).",
    404: "No such object, or one you may not see.",
    409: "The case changed since you read it (`version` is stale).",
    413: "The request is larger than allowed.",
    415: "The body must be `application/json` (or `multipart/form-data` for uploads).",
    422: "Invalid input: `errors` maps each field to what is wrong with it.",
    429: "Too many requests: wait `Retry-After` seconds.",
}


class ApiError(Exception):
    def __init__(self, status: int, detail: str | None = None, errors=None, **extra):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.extra = status, detail, errors, extra


def invalid(errors: dict[str, str], detail: str | None = None) -> ApiError:
    return ApiError(422, detail or _("Please check the input."), errors)


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not allowed here.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("string_type", "bytes_type"):
        return _("Enter text.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Enter true or false.")
    if kind == "string_too_short":
        return _("This field is required.")
    if kind == "string_too_long":
        return _("At most %(n)s characters.", n=ctx.get("max_length"))
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(n)s.", n=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(n)s.", n=ctx.get("le", ctx.get("lt")))
    if kind in ("literal_error", "enum"):
        return _("Not one of the allowed values.")
    if kind == "string_pattern_mismatch":
        return _("Not in the expected format.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Must be a JSON object.")
    if kind == "list_type":
        return _("Must be a list.")
    if kind == "too_long":
        return _("Too many entries.")
    if kind == "too_short":
        return _("Give at least one.")
    if kind == "field_value":
        return _("Must be text, a whole number, true or false, a list of texts, or null.")
    return _("Invalid value.")


def field_errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"]) or "body"
        out.setdefault(where, _message(error))
    return out


def parse_query(model: type[BaseModel]) -> BaseModel:
    values = {k: v for k, v in request.args.items() if v != ""}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise invalid(field_errors(exc)) from None


def parse_body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise ApiError(415, _("Send the body as application/json."))
    try:
        return model.model_validate_json(request.get_data(cache=True))
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors(include_url=False)):
            raise ApiError(400, _("The body is not valid JSON.")) from None
        raise invalid(field_errors(exc)) from None


def parse_upload(model: type[BaseModel]) -> BaseModel:
    """A multipart form: text fields from the form, file fields present or not."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, _("Send the file as multipart/form-data."))
    values: dict = dict(request.form.items())
    for name in request.files:
        values[name] = b""  # present; the view reads the stream itself
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise invalid(field_errors(exc)) from None


def workflow_problem(exc: WorkflowError):
    english = is_english()
    errors = {name: reason.text(english) for name, reason in exc.errors.items()}
    return problem(exc.status, exc.message(english), errors or None, code=exc.code)


@bp.errorhandler(WorkflowError)
def _workflow_error(exc: WorkflowError):
    db.session.rollback()
    return workflow_problem(exc)


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    extra = dict(exc.extra)
    if exc.status == 415:  # not one of caseflow.errors' titles
        extra.setdefault("title", _("Unsupported media type"))
    return problem(exc.status, exc.detail, exc.errors, **extra)


@bp.errorhandler(Forbidden)
def _forbidden(exc):
    """A role that lacks the operation's permission (``@permission_required``)."""
    return problem(403, _("Your roles do not allow this operation."), code="permission")
