"""Attachments, history and chain verification through the API."""

import io
import itertools

import pytest
import sqlalchemy as sa

from caseflow.extensions import db
from tests.api.conftest import assert_problem

PDF = b"%PDF-1.4\n% caseflow test\n"


def upload(client, ref, content=PDF, name="申请表.pdf", type_="application_form"):
    data = {"type": type_, "file": (io.BytesIO(content), name)}
    return client.post(f"/cases/{ref}/attachments", data=data)


# ---------------------------------------------------------------------------------------------
# Attachments


def test_upload_list_and_download(api_client, file_case):
    ref = file_case()["reference"]
    clerk = api_client("school_clerk")
    response = upload(clerk, ref)
    assert response.status_code == 201
    saved = response.get_json()
    assert (saved["type"], saved["filename"], saved["content_type"]) == (
        "application_form", "申请表.pdf", "application/pdf")  # fmt: skip
    assert saved["current"] and saved["uploaded_by"] == "成都示范技工学校经办"
    newer = upload(clerk, ref, PDF + b"v2").get_json()
    items = clerk.get(f"/cases/{ref}/attachments").get_json()["items"]
    assert [(i["id"], i["current"]) for i in items] == [(newer["id"], True), (saved["id"], False)]
    download = api_client("chengdu_reviewer").get(response.headers["Location"])
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"content": b"MZ\x90\x00"}, "file"),
        ({"name": "virus.exe"}, "file"),
        ({"type_": "nope"}, "type"),
        ({"type_": "objection"}, "type"),  # internal types are attached by their own feature
    ],
)
def test_upload_invalid_is_422_per_field(api_client, file_case, kwargs, field):
    ref = file_case()["reference"]
    problem = assert_problem(upload(api_client("school_clerk"), ref, **kwargs), 422)
    assert set(problem["errors"]) == {field}


def test_upload_without_a_file_or_type(api_client, file_case):
    ref = file_case()["reference"]
    clerk = api_client("school_clerk")
    missing = clerk.post(
        f"/cases/{ref}/attachments",
        data={"type": "application_form"},
        content_type="multipart/form-data",
    )
    assert set(assert_problem(missing, 422)["errors"]) == {"file"}
    no_type = clerk.post(f"/cases/{ref}/attachments", data={"file": (io.BytesIO(PDF), "a.pdf")})
    assert set(assert_problem(no_type, 422)["errors"]) == {"type"}
    assert_problem(clerk.post(f"/cases/{ref}/attachments", json={"type": "x"}), 415)


def test_upload_refused_outside_the_applicants_turn(api_client, case_at):
    ref = case_at("intake")
    assert_problem(upload(api_client("school_clerk"), ref), 403, "attach_not_allowed")
    assert_problem(upload(api_client("chengdu_reviewer"), ref), 403, "attach_not_allowed")


@pytest.mark.config(MAX_CONTENT_LENGTH=1024)
def test_upload_too_large_is_413(api_client, file_case):
    ref = file_case()["reference"]
    assert_problem(upload(api_client("school_clerk"), ref, PDF + b"x" * 4096), 413)


# ---------------------------------------------------------------------------------------------
# Events and verification


def test_events_are_the_full_history_with_the_hash_chain(api_client, case_at):
    ref = case_at("board")
    events = api_client("auditor").get(f"/cases/{ref}/events").get_json()["items"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["prev_hash"] is None
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(events))
    assert [e["action"] for e in events[:5]] == [
        "create", "assign_panel", "assign_panel", "submit", "recommend"]  # fmt: skip
    panel = next(e for e in events if e["action"] == "assign_panel")
    assert panel["details"]["users"] == ["评审专家甲", "评审专家乙", "评审专家丙"]
    assert "user_ids" not in panel["details"]
    recommend = events[4]
    assert recommend["actor"] == {"name": "成都市人社局经办", "role": "city_reviewer",
                                  "role_label": "City reviewer",
                                  "organisation": "成都市人力资源和社会保障局"}  # fmt: skip
    assert recommend["occurred_at"].endswith("Z")


def test_handover_events_name_the_colleague(api_client, case_at):
    ref = case_at("intake")
    reviewer = api_client("chengdu_reviewer")
    task = reviewer.get(f"/cases/{ref}").get_json()["tasks"][0]["id"]
    reviewer.post(f"/tasks/{task}/claim")
    body = {"to": "chengdu_reviewer2", "note": "请接手"}
    assert reviewer.post(f"/tasks/{task}/handover", json=body).status_code == 200
    events = reviewer.get(f"/cases/{ref}/events").get_json()["items"]
    assert events[-1]["details"] == {"task_id": task, "to_user": "成都市人社局复核"}
    assert events[-1]["comment"] == "请接手"


def test_verify_reports_a_broken_chain(demo, api_client, case_at):
    ref = case_at("intake")
    auditor = api_client("auditor")
    assert auditor.get(f"/cases/{ref}/verify").get_json() == {
        "ok": True, "events": 2, "first_bad": None}  # fmt: skip
    with demo.app_context():
        db.session.execute(sa.text("UPDATE cases SET chain_head = :h WHERE reference = :r"),
                           {"h": "0" * 64, "r": ref})  # fmt: skip
        db.session.commit()
    result = auditor.get(f"/cases/{ref}/verify").get_json()
    assert result["ok"] is False
    assert result["first_bad"]["seq"] == 2
    assert "chain head" in result["first_bad"]["problem"]


def test_history_and_files_need_a_case_role(api_client, case_at):
    ref = case_at()
    assert_problem(api_client("admin").get(f"/cases/{ref}/events"), 403, "permission")
    assert_problem(api_client("admin").get(f"/cases/{ref}/verify"), 403, "permission")
    assert_problem(api_client("admin").get(f"/cases/{ref}/attachments"), 403, "permission")
