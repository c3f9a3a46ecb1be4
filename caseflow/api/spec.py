"""Each API operation is declared once, with :func:`operation`; from that one declaration come
the Flask route, its permission check, the parsing and validation of the query string and the
body, the serialisation of the answer — and the OpenAPI 3.1 description (``openapi.py``).

::

    @operation("POST", "/cases/<ref>/actions/<action>", tag="cases", permission="case.view",
               summary="Take a workflow action", body=ActionRequest, answer=CaseOut)
    def take_action(ref, action, body): ...

The view receives the path values, ``query=`` (a validated ``query`` model) and ``body=``
(a validated ``body`` model) and returns an instance of ``answer`` — serialised with the
status ``status`` — or a ready Flask response (a file download), optionally with headers as
``(model, headers)``. ``openapi.py`` turns :data:`OPERATIONS` into the description.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Response, abort, jsonify
from pydantic import BaseModel

from caseflow.api import bp, problems
from caseflow.authz import permission_required
from caseflow.security import public

ID_MAX = 2**31 - 1  # ids are 32-bit integer columns
RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    permission: str | None
    answer: type[BaseModel] | None
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    upload: type[BaseModel] | None = None  # multipart/form-data
    files: tuple[str, ...] = ()  # media types of a file download
    answer_schema: dict | None = None  # a JSON answer described by a literal schema
    public: bool = False  # no token needed
    params: dict[str, str] = field(default_factory=dict)
    # Path parameters whose values come from the registry: name → () → the allowed values.
    choices: dict[str, Callable[[], set[str]]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # answer headers: name → description
    description: str = ""

    @property
    def path(self) -> str:
        return RULE_PARAM.sub(lambda m: "{" + m.group(2) + "}", self.rule)


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    permission: str | None,
    answer: type[BaseModel] | None = None,
    **options,
):
    """Declare an API operation. Every operation needs a token (``security.enforce_login``)
    unless ``public=True``; ``permission`` (``authz``) is checked before the view runs, and
    ``None`` means that any user may call it (the object checks are the view's)."""

    def decorator(view):
        op = Operation(method, rule, view.__name__, summary, tag, permission, answer, **options)
        op.description = op.description or (view.__doc__ or "").strip()

        @wraps(view)
        def handler(**path_values):
            if any(isinstance(v, int) and v > ID_MAX for v in path_values.values()):
                abort(404)  # no row has such an id (and the database could not compare it)
            kwargs = dict(path_values)
            if op.query is not None:
                kwargs["query"] = problems.parse_query(op.query)
            if op.body is not None:
                kwargs["body"] = problems.parse_body(op.body)
            if op.upload is not None:
                kwargs["form"] = problems.parse_upload(op.upload)
            return _reply(op, view(**kwargs))

        if op.public:
            guarded = public(handler)
        elif permission is not None:
            guarded = permission_required(permission)(handler)
        else:
            guarded = handler
        bp.add_url_rule(rule, endpoint=op.endpoint, view_func=guarded, methods=[method])
        OPERATIONS.append(op)
        return view

    return decorator


def _reply(op: Operation, result):
    if isinstance(result, Response):
        return result
    headers = {}
    if isinstance(result, tuple):
        result, headers = result
    response = jsonify(result.model_dump(mode="json"))
    response.status_code = op.status
    response.headers.update(headers)
    return response
