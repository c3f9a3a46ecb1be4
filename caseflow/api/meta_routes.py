"""The description of the API, the caller, and the workflow definitions."""

from flask import abort, jsonify
from flask_login import current_user

from caseflow.api import describe
from caseflow.api.openapi import document
from caseflow.api.schemas import workflow_keys
from caseflow.api.spec import operation
from caseflow.workflows import registry


@operation(
    "GET",
    "/openapi.json",
    tag="meta",
    permission=None,
    public=True,
    summary="This API's OpenAPI 3.1 description",
    answer_schema={"type": "object", "description": "An OpenAPI 3.1 document."},
)
def openapi():
    """Generated from the operations declared in code. Public: a client reads it before it has
    a token; it holds no data."""
    return jsonify(document())


@operation(
    "GET",
    "/me",
    tag="meta",
    permission=None,
    answer=describe.Me,
    summary="The caller: user, organisation, roles with scope",
)
def me():
    return describe.me(current_user)


@operation(
    "GET",
    "/workflows",
    tag="workflows",
    permission=None,
    answer=describe.WorkflowList,
    summary="The workflows cases can be filed in",
)
def list_workflows():
    return describe.WorkflowList(
        items=[describe.workflow_summary(wf) for _key, wf in sorted(registry.WORKFLOWS.items())]
    )


@operation(
    "GET",
    "/workflows/<key>",
    tag="workflows",
    permission=None,
    answer=describe.WorkflowDetail,
    summary="A workflow definition: states, transitions, kinds, fields",
    params={"key": "The workflow key, e.g. test_permit."},
    choices={"key": workflow_keys},
)
def get_workflow(key):
    """Everything a client needs to build its forms: the application form (``fields``), each
    transition's fields and comment rule, the attachment types and the time limits."""
    wf = registry.WORKFLOWS.get(key)
    if wf is None:
        abort(404)
    return describe.workflow_detail(wf)
