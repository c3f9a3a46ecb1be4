"""The OpenAPI description is generated from the declared operations, validates as OpenAPI 3.1,
and matches the routes; problems follow RFC 9457 in the caller's language; /me and the
workflow definitions."""

import pytest
from openapi_spec_validator import validate

from caseflow.api.openapi import ERRORS
from caseflow.api.spec import OPERATIONS
from tests.api.conftest import assert_problem


@pytest.fixture
def spec(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_description_validates_as_openapi_3_1(spec):
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "/api/v1"}]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_route_is_described_once(app, spec):
    routes = {
        (method, rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    declared = {(op.method, op.rule) for op in OPERATIONS}
    assert routes == declared
    described = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    assert described == {(op.method, op.path) for op in OPERATIONS}
    assert len(described) >= 21


def test_every_operation_declares_its_errors_as_problems(spec):
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert {str(c) for c in ERRORS} <= codes, (method, path)
            for code in codes - {"200", "201"}:
                content = op["responses"][code]["content"]
                assert content == {"application/problem+json": {"schema": problem}}
            assert "Retry-After" in op["responses"]["429"]["headers"]
            public = op.get("security") == []
            assert public == (path == "/openapi.json"), path
    problem_schema = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors", "code"} <= set(
        problem_schema["properties"]
    )


def test_request_bodies_forbid_unknown_fields(spec):
    """Mass assignment is impossible by schema: no request body takes state, version of its
    own choosing beyond the optimistic lock, applicant or region."""
    schemas = spec["components"]["schemas"]
    for name in ("CaseCreate", "CaseUpdate", "ActionRequest", "Handover", "ItemAnswer",
                 "PanelAssignment", "AttachmentUpload"):  # fmt: skip
        assert schemas[name]["additionalProperties"] is False, name
        assert not {"state", "applicant", "region", "region_code"} & set(
            schemas[name]["properties"]
        )
    create = schemas["CaseCreate"]["properties"]
    assert create["workflow"]["enum"] == ["school_establishment", "test_permit"]
    assert (
        "standard" in create["kind"]["enum"] and "new_technician_college" in create["kind"]["enum"]
    )
    action = spec["paths"]["/cases/{ref}/actions/{action}"]["post"]["parameters"][1]
    assert "recommend" in action["schema"]["enum"]


def test_problems_speak_the_callers_language(demo, api_client):
    english = api_client(None, lang="en").get("/api/v1/cases")
    assert assert_problem(english, 401)["title"] == "Login required"
    assert english.headers["Content-Language"] == "en"
    chinese = api_client(None, lang="zh-CN,zh;q=0.9").get("/api/v1/cases")
    assert assert_problem(chinese, 401)["title"] != "Login required"
    assert chinese.headers["Content-Language"] == "zh-CN"
    default = api_client(None, lang=None).get("/api/v1/cases")
    assert default.headers["Content-Language"] == "zh-CN"
    assert_problem(api_client("school_clerk").open("DELETE", "/cases"), 405)


def test_me(api_client):
    me = api_client("chengdu_reviewer").get("/me").get_json()
    assert me["user"] == {"username": "chengdu_reviewer", "display_name": "成都市人社局经办",
                          "locale": None}  # fmt: skip
    assert me["organisation"]["region_code"] == "510100"
    assert me["roles"] == [{"role": "city_reviewer", "label": "City reviewer",
                            "scope_kind": "region", "scope": "city: Chengdu",
                            "region_code": "510100"}]  # fmt: skip
    assert me["permissions"] == ["case.view", "review.inbox"]
    assert api_client("school_clerk").get("/me").get_json()["permissions"] == [
        "applicant.cases", "case.create", "case.view"]  # fmt: skip
    assert api_client("admin").get("/me").status_code == 200


def test_workflows_for_building_forms(api_client):
    client = api_client("school_clerk")
    listed = client.get("/workflows").get_json()["items"]
    assert [w["key"] for w in listed] == ["school_establishment", "test_permit"]
    assert listed[1] == {"key": "test_permit", "prefix": "TP", "label": "Test permit",
                         "kinds": [{"key": "standard", "label": "Standard"}]}  # fmt: skip
    wf = client.get("/workflows/test_permit").get_json()
    assert wf["initial"] == "draft"
    assert [f["name"] for f in wf["fields"]] == ["project", "amount", "contact_name"]
    amount = wf["fields"][1]
    assert (amount["type"], amount["required"], amount["min_value"]) == ("int", True, 0)
    score = next(t for t in wf["transitions"] if t["action"] == "score")
    assert score["fields"][0]["max_value"] == 100 and score["roles"] == ["expert"]
    notice_ends = next(t for t in wf["transitions"] if t["action"] == "notice_ends")
    assert notice_ends["targets"] == ["approved", "finance"]
    assert {a["key"] for a in wf["attachment_types"]} == {"application_form",
                                                          "supporting_evidence"}  # fmt: skip
    assert wf["clock"] == {"limit_days": 20, "extension_days": 10, "extensions_allowed": 1}
    zh = api_client("school_clerk", lang="zh-CN").get("/workflows/test_permit").get_json()
    assert zh["label"] == "测试许可" and zh["states"][0]["label"] == "草稿"
    assert_problem(client.get("/workflows/nope"), 404)
