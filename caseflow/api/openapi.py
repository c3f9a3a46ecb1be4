"""The OpenAPI 3.1 description, generated from the operations declared with
``spec.operation``: paths, parameters (from the Flask rules and the query models), request and
response bodies (Pydantic's JSON Schema, draft 2020-12 — the dialect of OpenAPI 3.1 — under
``components/schemas``), the problem responses every operation may give, and bearer security.
Registry-dependent values (workflow keys, kinds, actions, panel stages) are read when the
description is generated, so it always matches the running configuration."""

from __future__ import annotations

from pydantic.json_schema import models_json_schema

from caseflow.api import problems
from caseflow.api.resources import Problem
from caseflow.api.spec import ID_MAX, OPERATIONS, RULE_PARAM, Operation

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
# Every operation may answer with these (problem+json); bodies add 413 and 415.
ERRORS = (400, 401, 403, 404, 409, 422, 429)
BODY_ERRORS = (413, 415)


def _param_schema(schema: dict) -> dict:
    """A query parameter's schema without the ``null`` branch (absent means null)."""
    options = schema.get("anyOf")
    if options:
        rest = [s for s in options if s.get("type") != "null"]
        if len(rest) == 1:
            schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **rest[0]}
    schema.pop("title", None)
    if schema.get("default") is None:
        schema.pop("default", None)
    return schema


def _parameters(op: Operation) -> list[dict]:
    out = []
    for converter, name in RULE_PARAM.findall(op.rule):
        schema = (
            {"type": "integer", "minimum": 1, "maximum": ID_MAX}
            if converter == "int"
            else {"type": "string", "minLength": 1, "maxLength": 80}
        )
        found = op.choices[name]() if name in op.choices else None
        if found:
            schema = {"type": "string", "enum": sorted(found)}
        out.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": schema,
                "description": op.params.get(name, ""),
            }
        )
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        for name, prop in schema["properties"].items():
            description = prop.pop("description", "")
            param = {
                "name": name,
                "in": "query",
                "required": name in schema.get("required", ()),
                "schema": _param_schema(prop),
            }
            if description:
                param["description"] = description
            out.append(param)
    return out


def _problem_response(status: int, ref: dict) -> dict:
    response = {
        "description": problems.DESCRIPTIONS[status],
        "content": {"application/problem+json": {"schema": ref}},
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer"},
            }
        }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": "The Bearer challenge (RFC 6750).",
                "schema": {"type": "string"},
            }
        }
    return response


def _operation_doc(op: Operation, refs: dict) -> dict:
    problem = refs[(Problem, "serialization")]
    success: dict = {"description": op.summary}
    if op.answer is not None:
        success["content"] = {"application/json": {"schema": refs[(op.answer, "serialization")]}}
    elif op.answer_schema is not None:
        success["content"] = {"application/json": {"schema": op.answer_schema}}
    elif op.files:
        binary = {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
        success["content"] = dict.fromkeys(op.files, binary)
    if op.headers:
        success["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in op.headers.items()
        }
    errors = ERRORS + (BODY_ERRORS if op.body or op.upload else ())
    doc = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op),
        "responses": {
            str(op.status): success,
            **{str(code): _problem_response(code, problem) for code in sorted(errors)},
        },
    }
    if op.description:
        doc["description"] = op.description
    if op.public:
        doc["security"] = []
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if op.upload is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": refs[(op.upload, "validation")]}},
        }
    return doc


def document() -> dict:
    """The OpenAPI 3.1 description of every declared operation."""
    from caseflow import __version__

    models = {(Problem, "serialization")}
    for op in OPERATIONS:
        if op.answer is not None:
            models.add((op.answer, "serialization"))
        for model in (op.body, op.upload):
            if model is not None:
                models.add((model, "validation"))
    ordered = sorted(models, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, defs = models_json_schema(ordered, ref_template=REF)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation_doc(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "caseflow API",
            "version": __version__,
            "summary": "File, act on and trace cases: the same rules and history as the pages.",
            "description": (
                "Authenticate with a personal access token: `Authorization: Bearer cf_…`. "
                "Errors are `application/problem+json` (RFC 9457) in the language of "
                "`Accept-Language` (zh-CN by default, en). See docs/api.md."
            ),
        },
        "servers": [{"url": PREFIX}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token (cf_…).",
                }
            },
        },
    }
