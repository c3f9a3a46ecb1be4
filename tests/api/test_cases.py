"""Cases through the API: file, list, read, edit, act — success, refusal (403 with the rule),
stale version (409) and invalid input (422). Unauthenticated calls and other organisations'
objects are covered for every operation at once in test_access.py."""

import pytest

from tests.api.conftest import assert_problem, case_row

FULL = {"project": "实训楼", "amount": 1000, "contact_name": "张三丰"}


def action(client, ref, name, version, **body):
    return client.post(f"/cases/{ref}/actions/{name}", json={"version": version, **body})


# ---------------------------------------------------------------------------------------------
# POST /cases


def test_create_returns_the_draft_with_its_actions(api_client):
    clerk = api_client("school_clerk")
    body = {"workflow": "test_permit", "kind": "standard", "data": FULL}
    response = clerk.post("/cases", json=body)
    assert response.status_code == 201
    case = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/cases/{case['reference']}")
    assert case["reference"].startswith("TP-") and "-510100-" in case["reference"]
    assert (case["state"], case["version"], case["data"]) == ("draft", 1, FULL)
    assert case["applicant"]["region_code"] == "510100"
    assert {a["action"] for a in case["available_actions"]} == {"submit", "withdraw"}
    assert case["may_edit"] and case["may_attach"]
    assert case["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"state": "approved"}, "state"),
        ({"version": 9}, "version"),
        ({"applicant": "x"}, "applicant"),
        ({"region": "510700"}, "region"),
    ],
)
def test_create_refuses_fields_the_engine_decides(api_client, extra, field):
    """Mass assignment: state, version, applicant and region are never taken from input."""
    body = {"workflow": "test_permit", "kind": "standard", "data": {"amount": 1}, **extra}
    problem = assert_problem(api_client("school_clerk").post("/cases", json=body), 422)
    assert set(problem["errors"]) == {field}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"workflow": "nope", "kind": "standard"}, {"workflow"}),
        ({"workflow": "test_permit", "kind": "nope"}, {"kind"}),
        ({"workflow": "test_permit", "kind": "standard", "data": {"region_code": "510700"}},
         {"region_code"}),
        ({"workflow": "test_permit", "kind": "standard", "data": {"amount": "lots"}}, {"amount"}),
        ({"workflow": "test_permit", "kind": "standard", "data": {"amount": 1.5}},
         {"data.amount"}),
        ({"kind": "standard"}, {"workflow"}),
    ],
)  # fmt: skip
def test_create_invalid_input_is_422_per_field(api_client, body, fields):
    problem = assert_problem(api_client("school_clerk").post("/cases", json=body), 422)
    assert set(problem["errors"]) == fields


def test_create_needs_the_applicant_role(api_client):
    body = {"workflow": "test_permit", "kind": "standard", "data": {}}
    assert_problem(api_client("chengdu_reviewer").post("/cases", json=body), 403, "permission")


def test_create_body_must_be_json(api_client):
    clerk = api_client("school_clerk")
    assert_problem(clerk.post("/cases", data="workflow=test_permit"), 415)
    broken = clerk.post("/cases", data="{", content_type="application/json")
    assert_problem(broken, 400)


# ---------------------------------------------------------------------------------------------
# GET /cases


def test_list_shows_only_visible_cases_with_filters_and_pages(api_client, file_case, case_at):
    mine = [file_case(amount=n)["reference"] for n in (1, 2, 3)]
    intake = case_at("intake")
    clerk = api_client("school_clerk")
    page = clerk.get("/cases?per_page=2").get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (4, 2, 2)
    assert page["items"][0]["reference"] == intake  # newest activity first
    drafts = clerk.get("/cases?state=draft&workflow=test_permit").get_json()
    assert {c["reference"] for c in drafts["items"]} == set(mine)
    assert clerk.get(f"/cases?q={mine[0][-4:]}").get_json()["total"] == 1
    assert clerk.get("/cases?q=示范技工").get_json()["total"] == 4
    assert clerk.get("/cases?region=510700").get_json()["total"] == 0
    assert api_client("senior_school_clerk").get("/cases").get_json()["total"] == 0
    assert api_client("mianyang_reviewer").get("/cases").get_json()["total"] == 0
    assert api_client("chengdu_reviewer").get("/cases").get_json()["total"] == 4
    assert api_client("auditor").get("/cases?page=2&per_page=3").get_json()["items"]


@pytest.mark.parametrize("query", ["page=0", "per_page=500", "region=chengdu", "page=x"])
def test_list_invalid_query_is_422(api_client, query):
    problem = assert_problem(api_client("school_clerk").get(f"/cases?{query}"), 422)
    assert set(problem["errors"]) == {query.split("=")[0]}


def test_list_needs_a_case_role(api_client):
    assert_problem(api_client("admin").get("/cases"), 403, "permission")


# ---------------------------------------------------------------------------------------------
# GET /cases/{ref}


def test_get_case_has_version_state_actions_tasks_deadlines_and_clock(api_client, case_at):
    ref = case_at("review")
    case = api_client("province_reviewer").get(f"/cases/{ref}").get_json()
    assert (case["state"], case["version"]) == ("review", 3)
    assert "send_to_panel" not in {a["action"] for a in case["available_actions"]}  # no panel
    assert {a["action"] for a in case["available_actions"]} >= {"return_for_supplement"}
    task = case["tasks"][0]
    assert (task["stage"], task["role"], task["holder"], task["yours"]) == (
        "review", "province_reviewer", None, False)  # fmt: skip
    assert case["deadlines"][0]["task"] == task["id"]
    assert case["clock"]["status"] == "running" and case["clock"]["limit"] == 20
    seen_by_clerk = api_client("school_clerk").get(f"/cases/{ref}").get_json()
    assert seen_by_clerk["available_actions"][0]["action"] == "withdraw"
    assert not seen_by_clerk["may_edit"]


def test_get_case_labels_follow_accept_language(api_client, case_at):
    ref = case_at("intake")
    assert api_client("school_clerk", lang="en").get(f"/cases/{ref}").get_json()[
        "state_label"] == "Intake"  # fmt: skip
    zh = api_client("school_clerk", lang=None).get(f"/cases/{ref}")
    assert zh.get_json()["state_label"] == "初审"
    assert zh.headers["Content-Language"] == "zh-CN"


def test_get_case_needs_a_case_role(api_client, case_at):
    assert_problem(api_client("admin").get(f"/cases/{case_at()}"), 403, "permission")


# ---------------------------------------------------------------------------------------------
# PATCH /cases/{ref}


def test_patch_merges_the_data_and_bumps_the_version(api_client, file_case):
    case = file_case(project="旧名")
    clerk = api_client("school_clerk")
    data = {"project": "新名", "contact_name": None}
    response = clerk.patch(f"/cases/{case['reference']}", json={"version": 1, "data": data})
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 2
    assert body["data"] == {"amount": 1000, "project": "新名", "contact_name": None}


def test_patch_stale_version_is_409_with_the_current_version(api_client, file_case):
    case = file_case()
    clerk = api_client("school_clerk")
    ref = case["reference"]
    assert (
        clerk.patch(f"/cases/{ref}", json={"version": 1, "data": {"amount": 5}}).status_code == 200
    )
    problem = assert_problem(
        clerk.patch(f"/cases/{ref}", json={"version": 1, "data": {"amount": 6}}), 409, "stale"
    )
    assert problem["current_version"] == 2


@pytest.mark.parametrize(
    ("username", "state", "code"),
    [
        ("chengdu_reviewer", "draft", "not_applicant_of_case"),
        ("school_clerk", "intake", "not_editable"),
    ],
)
def test_patch_refusals_name_the_rule(api_client, case_at, username, state, code):
    ref = case_at(state)
    version = api_client(username).get(f"/cases/{ref}").get_json()["version"]
    body = {"version": version, "data": {"amount": 5}}
    assert_problem(api_client(username).patch(f"/cases/{ref}", json=body), 403, code)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"version": 1, "data": {"nope": 1}}, {"nope"}),
        ({"version": 1, "data": {"amount": -1}}, {"amount"}),
        ({"version": 1, "data": {}, "state": "approved"}, {"state"}),
        ({"data": {"amount": 1}}, {"version"}),
        ({"version": "1", "data": {}}, {"version"}),
    ],
)
def test_patch_invalid_input_is_422(api_client, file_case, body, fields):
    ref = file_case()["reference"]
    problem = assert_problem(api_client("school_clerk").patch(f"/cases/{ref}", json=body), 422)
    assert set(problem["errors"]) == fields


# ---------------------------------------------------------------------------------------------
# POST /cases/{ref}/actions/{action}


def test_action_moves_the_case_and_answers_the_new_state(api_client, file_case):
    ref = file_case()["reference"]
    response = action(api_client("school_clerk"), ref, "submit", 1, comment="请审核")
    assert response.status_code == 200
    case = response.get_json()
    assert (case["state"], case["version"]) == ("intake", 2)
    reviewer = api_client("chengdu_reviewer")
    case = action(reviewer, ref, "recommend", 2, comment="同意").get_json()
    assert case["state"] == "review"
    assert case["clock"]["status"] == "running"


def test_action_stale_version_is_409(api_client, case_at):
    ref = case_at("intake")
    problem = assert_problem(action(api_client("chengdu_reviewer"), ref, "recommend", 1), 409,
                             "stale")  # fmt: skip
    assert problem["current_version"] == 2


@pytest.mark.parametrize(
    ("username", "state", "name", "code"),
    [
        ("chengdu_reviewer", "draft", "submit", "not_applicant_of_case"),
        ("school_clerk", "intake", "recommend", "own_organisation"),
        ("mianyang_reviewer", "intake", "recommend", None),  # cannot see it: 404, see below
        ("province_reviewer", "intake", "recommend", "out_of_scope"),
        ("auditor", "intake", "recommend", "separation_admin"),
        ("province_reviewer", "review", "send_to_panel", "panel_too_small"),
        ("chengdu_reviewer", "intake", "approve", "unknown_action"),
    ],
)
def test_action_refusal_is_403_with_the_rule(api_client, case_at, username, state, name, code):
    ref = case_at(state)
    client = api_client(username)
    version = api_client("auditor").get(f"/cases/{ref}").get_json()["version"]
    response = action(client, ref, name, version, comment="x")
    if code is None:
        assert_problem(response, 404)
        return
    problem = assert_problem(response, 403, code)
    assert problem["detail"] and problem["detail"] != problem["title"]


def test_action_refusal_reason_in_chinese_by_default(api_client, case_at):
    ref = case_at("intake")
    response = action(api_client("school_clerk", lang=None), ref, "recommend", 2)
    assert assert_problem(response, 403)["detail"] == "不能审核本单位提交的案件。"


@pytest.mark.parametrize(
    ("name", "body", "fields"),
    [
        ("reject", {}, {"comment"}),
        ("return_for_supplement", {"comment": "请补正"}, {"items"}),
        ("recommend", {"state": "approved"}, {"state"}),
        ("recommend", {"data": {"x": {"y": [1]}}}, {"data.x"}),  # not a text, list or sheet
    ],
)
def test_action_invalid_input_is_422_per_field(api_client, case_at, name, body, fields):
    ref = case_at("intake")
    response = action(api_client("chengdu_reviewer"), ref, name, 2, **body)
    assert set(assert_problem(response, 422)["errors"]) == fields


def test_supplement_loop_through_the_api(api_client, case_at, demo):
    ref = case_at("intake")
    reviewer, clerk = api_client("chengdu_reviewer"), api_client("school_clerk")
    body = {"comment": "请补正", "data": {"items": ["营业执照", "场地证明"]}}
    case = action(reviewer, ref, "return_for_supplement", 2, **body).get_json()
    assert case["state"] == "supplement"
    items = clerk.get(f"/cases/{ref}").get_json()["supplement_items"]
    assert [i["text"] for i in items] == ["营业执照", "场地证明"]
    refused = action(clerk, ref, "resubmit", case["version"])
    assert_problem(refused, 403, "supplement_unanswered")
    assert_problem(clerk.post(f"/cases/{ref}/supplement-items/{items[0]['id']}",
                              json={"answer": ""}), 422)  # fmt: skip
    assert_problem(reviewer.post(f"/cases/{ref}/supplement-items/{items[0]['id']}",
                                 json={"answer": "x"}), 403, "not_applicant_of_case")  # fmt: skip
    for item in items:
        answered = clerk.post(f"/cases/{ref}/supplement-items/{item['id']}",
                              json={"answer": "已补充"})  # fmt: skip
        assert answered.status_code == 200
    version = answered.get_json()["version"]
    assert action(clerk, ref, "resubmit", version).get_json()["state"] == "intake"
    with demo.app_context():
        assert case_row(ref).returned_from is None


def test_panels_then_a_decision(api_client, case_at):
    ref = case_at("review")
    province = api_client("province_reviewer")
    assert_problem(province.post(f"/cases/{ref}/panels/panel", json={"usernames": ["ghost"]}),
                   422)  # fmt: skip
    assert_problem(province.post(f"/cases/{ref}/panels/review", json={"usernames": ["expert1"]}),
                   422)  # fmt: skip
    assert_problem(api_client("chengdu_reviewer").post(f"/cases/{ref}/panels/panel",
                   json={"usernames": ["expert1"]}), 403, "not_panel_assigner")  # fmt: skip
    experts = {"usernames": ["expert1", "expert2", "expert3"]}
    assert province.post(f"/cases/{ref}/panels/panel", json=experts).status_code == 200
    assert (
        province.post(f"/cases/{ref}/panels/board", json={"usernames": ["leader"]}).status_code
        == 200
    )
    version = province.get(f"/cases/{ref}").get_json()["version"]
    assert action(province, ref, "send_to_panel", version).get_json()["state"] == "panel"
    for expert in ("expert1", "expert2", "expert3"):
        client = api_client(expert)
        version = client.get(f"/cases/{ref}").get_json()["version"]
        bad = action(client, ref, "score", version, data={"score": 101})
        assert set(assert_problem(bad, 422)["errors"]) == {"score"}
        assert action(client, ref, "score", version, data={"score": 90}).status_code == 200
    leader = api_client("leader")
    version = leader.get(f"/cases/{ref}").get_json()["version"]
    assert action(leader, ref, "approve", version, comment="同意").get_json()["state"] == "notice"


def test_no_resident_id_number_leaves_the_api_unmasked(api_client, file_case):
    """Case data has no ID-number fields yet; an ID number typed into any text is masked in
    every answer (the case, its history), while other long numbers pass untouched."""
    text = "负责人身份证 11010519491231002X，合同编号 123456789012345678"
    ref = file_case(project=text)["reference"]
    masked = "负责人身份证 110105********002X，合同编号 123456789012345678"
    reviewer = api_client("chengdu_reviewer")
    assert reviewer.get(f"/cases/{ref}").get_json()["data"]["project"] == masked
    events = reviewer.get(f"/cases/{ref}/events").get_json()["items"]
    assert events[0]["changes"]["project"] == [None, masked]
    assert "11010519491231002X" not in reviewer.get(f"/cases?q={ref}").get_data(as_text=True)


def test_a_case_under_public_notice_shows_the_notice_period(api_client, case_at):
    ref = case_at("notice")
    case = api_client("province_reviewer").get(f"/cases/{ref}").get_json()
    notice = case["notice"]
    assert notice["starts_on"] <= notice["ends_on"]
    assert notice["public_url"] == f"/public/notices/{notice['id']}"
    assert api_client("province_reviewer").get(f"/cases/{case_at('intake')}").get_json()[
        "notice"] is None
