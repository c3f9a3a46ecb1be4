"""Access control over every operation at once: no token (or a bad one) is a 401, another
organisation's case, task or file is a 404 — never a 403 that would confirm it exists — and the
case list shows exactly the cases ``can_view`` grants."""

import io

import pytest
from sqlalchemy import select

from caseflow.api.spec import OPERATIONS
from caseflow.cases.access import can_view
from caseflow.extensions import db
from caseflow.models import Attachment, Case, SupplementItem, Task, User
from tests.api.conftest import assert_problem, in_app

PDF = b"%PDF-1.4\n% test\n"
PUBLIC = {"openapi"}


def sample(op) -> str:
    return (op.path.replace("{ref}", "TP-2026-510100-0001").replace("{action}", "submit")
            .replace("{stage}", "panel").replace("{key}", "test_permit")
            .replace("{task_id}", "1").replace("{item_id}", "1")
            .replace("{attachment_id}", "1"))  # fmt: skip


@pytest.mark.parametrize("token", [None, "cf_abcdefgh_" + "A" * 43, "not-a-token"])
def test_every_operation_needs_a_valid_token(api_client, token):
    client = api_client(None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    checked = 0
    for op in OPERATIONS:
        if op.endpoint in PUBLIC:
            continue
        response = client.open(op.method, sample(op), headers=headers, json={})
        body = assert_problem(response, 401)
        assert body["type"] == "about:blank"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        checked += 1
    assert checked == len(OPERATIONS) - len(PUBLIC)


def test_a_session_cookie_does_not_authenticate_the_api(demo):
    from tests.helpers import login

    client = demo.test_client()
    login(client, "school_clerk")
    assert client.get("/").status_code == 200
    assert_problem(client.get("/api/v1/me"), 401)
    assert_problem(client.post("/api/v1/cases", json={"workflow": "test_permit"}), 401)


@pytest.fixture
def chengdu_objects(demo, case_at, api_client):
    """A Chengdu case in supplement with a claimed task history and a file, and its ids."""
    ref = case_at("intake")
    reviewer = api_client("chengdu_reviewer")
    task_id = reviewer.get(f"/cases/{ref}").get_json()["tasks"][0]["id"]
    assert reviewer.post(f"/tasks/{task_id}/claim").status_code == 200
    body = {"version": 3, "comment": "补正", "data": {"items": ["材料"]}}
    assert (
        reviewer.post(f"/cases/{ref}/actions/return_for_supplement", json=body).status_code == 200
    )
    upload = {"type": "application_form", "file": (io.BytesIO(PDF), "form.pdf")}
    clerk = api_client("school_clerk")
    assert clerk.post(f"/cases/{ref}/attachments", data=upload).status_code == 201

    def ids():
        case = db.session.scalar(select(Case).where(Case.reference == ref))
        item = db.session.scalar(select(SupplementItem.id).where(SupplementItem.case_id == case.id))
        file = db.session.scalar(select(Attachment.id).where(Attachment.case_id == case.id))
        return {"ref": ref, "task_id": task_id, "item_id": item, "attachment_id": file}

    return in_app(demo, ids)


# Valid bodies, so that nothing but the object decides the answer.
BODIES = {
    "update_case": {"version": 4, "data": {"amount": 5}},
    "take_action": {"version": 4},
    "answer_item": {"answer": "已补充"},
    "assign_panel": {"usernames": ["expert1"]},
    "handover_task": {"to": "mianyang_reviewer", "note": "请办理"},
}


@pytest.mark.parametrize("username", ["senior_school_clerk", "mianyang_reviewer", "expert1"])
def test_other_organisations_objects_are_404_on_every_operation(api_client, chengdu_objects,
                                                                 username):  # fmt: skip
    client = api_client(username)
    checked = 0
    for op in OPERATIONS:
        if "{" not in op.path or op.path.startswith("/workflows"):
            continue
        path = op.path.replace("{action}", "resubmit").replace("{stage}", "panel")
        for name, value in chengdu_objects.items():
            path = path.replace("{" + name + "}", str(value))
        kwargs = {"json": BODIES[op.endpoint]} if op.endpoint in BODIES else {}
        if op.upload is not None:
            kwargs = {"data": {"type": "application_form", "file": (io.BytesIO(PDF), "a.pdf")}}
        response = client.open(op.method, path, **kwargs)
        if op.permission == "review.inbox" and username == "senior_school_clerk":
            assert_problem(response, 403, "permission")  # no inbox at all, before any object
        else:
            assert_problem(response, 404)
        checked += 1
    assert checked == 14


def test_unknown_objects_are_404(api_client, chengdu_objects):
    client = api_client("chengdu_reviewer")
    ref = chengdu_objects["ref"]
    for path in ("/cases/TP-1999-510100-9999", f"/cases/{ref}/attachments/999999",
                 f"/cases/{ref}/attachments/99999999999999999999", "/workflows/nope"):  # fmt: skip
        assert_problem(client.get(path), 404)
    assert_problem(client.post("/tasks/999999/claim"), 404)
    assert_problem(client.get("/api/v2/nothing"), 404)


def test_the_list_shows_exactly_what_can_view_grants(demo, api_client, case_at, chengdu_objects):
    """Panel members and task holders see their cases too; everyone else only their scope."""
    refs = [case_at("draft"), case_at("review"), case_at("board"), chengdu_objects["ref"]]
    with demo.app_context():
        cases = db.session.scalars(select(Case).where(Case.reference.in_(refs))).all()
        users = db.session.scalars(select(User).order_by(User.username)).all()
        expected = {u.username: {c.reference for c in cases if can_view(u, c)} for u in users}
        assert db.session.scalar(select(Task.id).where(Task.assignee_id.is_not(None)))
    for username, refs_seen in expected.items():
        if username == "admin":
            continue
        client = api_client(username)
        response = client.get("/cases?per_page=100")
        if response.status_code == 403:
            assert not refs_seen, username
            continue
        listed = {c["reference"] for c in response.get_json()["items"]}
        assert listed == refs_seen, username
    assert expected["expert1"] and not expected["senior_school_clerk"]
