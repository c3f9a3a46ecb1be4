"""The inbox and the task operations through the API: the page's tabs, filters and counts,
and claim / release / hand-over decided by the engine."""

import pytest

from tests.api.conftest import assert_problem


def first_task(client, ref) -> int:
    return client.get(f"/cases/{ref}").get_json()["tasks"][0]["id"]


def test_inbox_tabs_counts_and_filters(api_client, case_at):
    refs = [case_at("intake"), case_at("intake")]
    reviewer = api_client("chengdu_reviewer")
    inbox = reviewer.get("/inbox?tab=unclaimed").get_json()
    assert inbox["counts"] == {"mine": 0, "unclaimed": 2, "overdue": 0, "done": 0}
    assert {i["case"] for i in inbox["items"]} == set(refs)
    item = inbox["items"][0]
    assert (item["stage"], item["role"], item["workflow"], item["region_code"]) == (
        "intake", "city_reviewer", "test_permit", "510100")  # fmt: skip
    assert item["organisation"] == "成都市示范技工学校" and item["due_on"]
    assert reviewer.get("/inbox").get_json()["tab"] == "mine"
    assert reviewer.get("/inbox?tab=unclaimed&region=510700").get_json()["total"] == 0
    assert reviewer.get("/inbox?tab=unclaimed&due=overdue").get_json()["total"] == 0
    assert reviewer.get("/inbox?tab=unclaimed&workflow=test_permit&kind=standard"
                        "&task=stage").get_json()["total"] == 2  # fmt: skip
    paged = reviewer.get("/inbox?tab=unclaimed&per_page=1&page=2").get_json()
    assert (paged["page"], paged["pages"], len(paged["items"])) == (2, 2, 1)
    assert api_client("mianyang_reviewer").get("/inbox?tab=unclaimed").get_json()["total"] == 0


@pytest.mark.parametrize("query", ["tab=all", "due=later", "task=other", "per_page=0"])
def test_inbox_invalid_filter_is_422(api_client, query):
    problem = assert_problem(api_client("chengdu_reviewer").get(f"/inbox?{query}"), 422)
    assert set(problem["errors"]) == {query.split("=")[0]}


def test_inbox_is_for_reviewers(api_client):
    assert_problem(api_client("school_clerk").get("/inbox"), 403, "permission")
    assert_problem(api_client("auditor").get("/inbox"), 403, "permission")


def test_claim_release_and_the_tabs(api_client, case_at):
    ref = case_at("intake")
    reviewer, colleague = api_client("chengdu_reviewer"), api_client("chengdu_reviewer2")
    task = first_task(reviewer, ref)
    claimed = reviewer.post(f"/tasks/{task}/claim")
    assert claimed.status_code == 200
    assert (claimed.get_json()["holder"], claimed.get_json()["yours"]) == ("成都市人社局经办", True)
    assert reviewer.get("/inbox").get_json()["counts"]["mine"] == 1
    assert_problem(colleague.post(f"/tasks/{task}/claim"), 403, "claimed_by_other")
    assert_problem(colleague.post(f"/tasks/{task}/release"), 403, "not_yours")
    released = reviewer.post(f"/tasks/{task}/release").get_json()
    assert released["holder"] is None
    assert colleague.post(f"/tasks/{task}/claim").status_code == 200


def test_claim_refusals_name_the_rule(api_client, case_at):
    ref = case_at("review")
    task = first_task(api_client("province_reviewer"), ref)
    # The city reviewer sees the case (they decided its intake) but the task is the province's.
    assert_problem(api_client("chengdu_reviewer").post(f"/tasks/{task}/claim"), 403,
                   "out_of_scope")  # fmt: skip
    assert_problem(api_client("auditor").post(f"/tasks/{task}/claim"), 403, "permission")


def test_handover_to_a_colleague(api_client, case_at):
    ref = case_at("intake")
    reviewer, colleague = api_client("chengdu_reviewer"), api_client("chengdu_reviewer2")
    task = first_task(reviewer, ref)
    reviewer.post(f"/tasks/{task}/claim")
    people = reviewer.get(f"/tasks/{task}/colleagues").get_json()["items"]
    assert people == [{"username": "chengdu_reviewer2", "display_name": "成都市人社局复核"}]
    assert colleague.get(f"/tasks/{task}/colleagues").get_json()["items"] == []
    bad = reviewer.post(f"/tasks/{task}/handover", json={"to": "mianyang_reviewer", "note": "x"})
    assert_problem(bad, 403, "handover_target")
    back = colleague.post(f"/tasks/{task}/handover", json={"to": "chengdu_reviewer", "note": "x"})
    assert_problem(back, 403, "not_yours")
    missing = reviewer.post(f"/tasks/{task}/handover", json={"to": "chengdu_reviewer2"})
    assert set(assert_problem(missing, 422)["errors"]) == {"note"}
    unknown = reviewer.post(f"/tasks/{task}/handover", json={"to": "nobody", "note": "x"})
    assert set(assert_problem(unknown, 422)["errors"]) == {"to"}
    done = reviewer.post(
        f"/tasks/{task}/handover", json={"to": "chengdu_reviewer2", "note": "请接手"}
    )
    assert done.status_code == 200
    assert done.get_json()["holder"] == "成都市人社局复核"
    assert done.get_json()["note"] == "请接手"
    assert colleague.get("/inbox").get_json()["counts"]["mine"] == 1
