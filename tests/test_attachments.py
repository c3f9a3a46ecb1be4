"""Attachments (附件): content checks, storage by hash, supersede with history, the audit event,
who may upload and download, and the HTTP routes."""

import io
import os
import stat
import zipfile
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import render_template
from flask_login import login_user
from werkzeug.datastructures import FileStorage

from caseflow import attachments
from caseflow.audit.verify import verify_case
from caseflow.extensions import db
from caseflow.models import Attachment, Case, CaseEvent, Task
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import ActionRefused, InvalidInput
from tests.helpers import get_csrf, login
from tests.workflows.conftest import act, drive, new_case, user

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
LIMIT = 256 * 1024
MAIN_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}


def office(kind: str, *, main=True, extra: dict | None = None) -> bytes:
    """A small valid XLSX/DOCX package (what the checks look at: the zip directory)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        if main:
            zf.writestr(MAIN_PART[kind], "<document/>")
        for name, content in (extra or {}).items():
            zf.writestr(name, content)
    return buf.getvalue()


def declared_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the central directory's uncompressed size of ``name`` (a lying zip bomb)."""
    at = data.index(b"PK\x01\x02")
    while True:
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_len] == name.encode():
            break
        at = data.index(b"PK\x01\x02", at + 4)
    return data[: at + 24] + size.to_bytes(4, "little") + data[at + 28 :]


def many_entries(n: int) -> bytes:
    return office("xlsx", extra={f"xl/part{i}.xml": "" for i in range(n)})


def ratio_bomb() -> bytes:
    return office("xlsx", extra={"xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024)})


@pytest.mark.parametrize(
    "name, data, content_type",
    [
        ("申请表.pdf", PDF, "application/pdf"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("scan.png", PNG, "image/png"),
        ("名单.xlsx", office("xlsx"), attachments.CONTENT_TYPES["xlsx"]),
        ("report.docx", office("docx"), attachments.CONTENT_TYPES["docx"]),
    ],
)
def test_sniff_accepts_matching_content(name, data, content_type):
    assert attachments.sniff(name, data, limit=1024 * 1024) == content_type


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("a.pdf", PNG, "content_mismatch"),  # a PNG called .pdf
        ("a.png", PDF, "content_mismatch"),
        ("a.jpg", PNG, "content_mismatch"),
        ("a.docx", office("docx", main=False), "content_mismatch"),  # no word/document.xml
        ("a.xlsx", office("docx"), "content_mismatch"),  # a DOCX called .xlsx
        ("a.docx", b"PK\x03\x04 not really a zip", "content_mismatch"),
        ("a.xlsx", declared_size(office("xlsx"), "xl/workbook.xml", 0xF000_0000), "zip_suspicious"),
        ("a.xlsx", many_entries(1001), "zip_suspicious"),
        ("a.xlsx", ratio_bomb(), "zip_suspicious"),
        ("a.docx", office("docx", extra={"word/vbaProject.bin": "x"}), "macros"),
        ("a.exe", PDF, "type_not_allowed"),
        ("a.pdf.html", PDF, "type_not_allowed"),
        ("pdf", PDF, "type_not_allowed"),
        ("a.pdf", b"", "empty"),
        ("a.pdf", PDF + b"\0" * LIMIT, "too_large"),
    ],
)
def test_sniff_refuses(name, data, code):
    with pytest.raises(InvalidInput) as refused:
        attachments.sniff(name, data, limit=LIMIT)
    assert refused.value.code == code
    assert refused.value.reason.zh and refused.value.reason.en


def test_many_entries_under_the_limit_pass():
    assert attachments.sniff("a.xlsx", many_entries(900), limit=10**7)


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\申请表.pdf", "申请表.pdf"),
        ("a\x00b\u202ec\x1f.pdf", "abc.pdf"),
        ("..hidden.pdf", "hidden.pdf"),
        ('a"b<c>|d.pdf', "a_b_c__d.pdf"),
        ("  证明 材料.PDF ", "证明 材料.PDF"),
        ("x" * 300 + ".docx", "x" * 195 + ".docx"),
        (None, ""),
    ],
)
def test_safe_filename(raw, clean):
    assert attachments.safe_filename(raw) == clean


# ---------------------------------------------------------------------------------------------
# The service


@pytest.fixture
def folder(demo, tmp_path):
    """UPLOAD_FOLDER in the test's tmp_path (and a stand-in case page until it is built)."""
    path = tmp_path / "uploads"
    demo.config["UPLOAD_FOLDER"] = str(path)
    if "cases.case_page" not in demo.view_functions:
        demo.add_url_rule("/cases/<reference>", "cases.case_page", lambda reference: reference)
    return path


@pytest.fixture
def uploads(folder, demo):
    """For service tests: an app context (HTTP tests must not hold one across requests)."""
    with demo.app_context():
        yield folder


def upload(data: bytes, name: str = "申请表.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def attach_events(case) -> list[CaseEvent]:
    stmt = sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "attach")
    return list(db.session.scalars(stmt.order_by(CaseEvent.seq)))


def test_save_supersede_history_and_audit(uploads):
    case = new_case()
    clerk = user("school_clerk")
    first = attachments.save(case, "application_form", upload(PDF, "../申请表.pdf"), clerk)
    path = attachments.path_for(first)
    assert (
        path.read_bytes() == PDF and path.name == first.sha256 and path.parent.name == path.name[:2]
    )
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert (first.filename, first.content_type, first.size) == (
        "申请表.pdf",
        "application/pdf",
        len(PDF),
    )

    second = attachments.save(case, "application_form", upload(PDF + b"v2", "申请表2.pdf"), clerk)
    evidence = attachments.save(case, "supporting_evidence", upload(PNG, "scan.png"), clerk)
    db.session.refresh(first)
    assert first.superseded_by_id == second.id and first.superseded_at is not None
    assert second.current and evidence.current
    assert [a.id for a in attachments.case_attachments(case)] == [second.id, first.id, evidence.id]
    assert path.exists()  # history stays downloadable

    events = attach_events(case)
    assert [e.details["attachment_id"] for e in events] == [first.id, second.id, evidence.id]
    assert events[1].details == {
        "attachment_id": second.id, "type": "application_form", "filename": "申请表2.pdf",
        "size": len(PDF) + 2, "sha256": second.sha256, "supersedes": first.id,
    }  # fmt: skip
    assert events[1].actor_role == "applicant" and events[1].from_state == "draft"
    assert verify_case(case.reference).ok


def test_same_content_is_stored_once(uploads):
    case = new_case()
    clerk = user("school_clerk")
    a = attachments.save(case, "application_form", upload(PDF, "a.pdf"), clerk)
    b = attachments.save(case, "supporting_evidence", upload(PDF, "b.pdf"), clerk)
    assert a.sha256 == b.sha256
    assert stored_files(uploads) == [a.sha256]  # no temporary files left behind


def test_no_orphan_file_when_the_database_write_fails(uploads, monkeypatch):
    case = new_case()
    clerk = user("school_clerk")
    kept = attachments.save(case, "supporting_evidence", upload(PNG, "kept.png"), clerk)

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database went away"))

    monkeypatch.setattr(attachments, "append_event", broken)
    with pytest.raises(sa.exc.OperationalError):
        attachments.save(case, "application_form", upload(PDF), clerk)
    assert stored_files(uploads) == [kept.sha256]
    with pytest.raises(sa.exc.OperationalError):  # content another row holds is kept
        attachments.save(case, "application_form", upload(PNG, "same.png"), clerk)
    assert stored_files(uploads) == [kept.sha256]
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1
    assert verify_case(case.reference).ok


@pytest.mark.config(MAX_ATTACHMENT_MB=1)
def test_too_big_is_refused_and_leaves_nothing(uploads):
    case = new_case()
    big = PDF + b"\0" * (1024 * 1024)
    with pytest.raises(InvalidInput) as refused:
        attachments.save(case, "application_form", upload(big), user("school_clerk"))
    assert refused.value.code == "too_large" and "1 MB" in refused.value.reason.en
    assert stored_files(uploads) == []
    assert attach_events(case) == []


@pytest.mark.parametrize(
    "type_key, username, error, code",
    [
        ("nonsense", "school_clerk", InvalidInput, "unknown_type"),
        ("application_form", "chengdu_reviewer", ActionRefused, "attach_not_allowed"),
        ("application_form", "senior_school_clerk", ActionRefused, "attach_not_allowed"),
        ("objection", "school_clerk", ActionRefused, "attach_not_allowed"),
        ("objection", None, ActionRefused, "attach_not_allowed"),  # only during a notice
    ],
)
def test_save_refusals(uploads, type_key, username, error, code):
    case = new_case()
    with pytest.raises(error) as refused:
        attachments.save(case, type_key, upload(PDF), user(username) if username else None)
    assert refused.value.code == code
    assert stored_files(uploads) == []


def test_may_upload(uploads):
    case = new_case()
    assert attachments.may_upload(case, user("school_clerk"))
    for name in ("chengdu_reviewer", "senior_school_clerk", "auditor", "admin"):
        assert not attachments.may_upload(case, user(name)), name
    act(case, "submit", "school_clerk")
    assert not attachments.may_upload(case, user("school_clerk"))
    assert not attachments.may_upload(case, user("chengdu_reviewer"))  # not claimed yet
    task = db.session.scalar(sa.select(Task).where(Task.case_id == case.id, Task.status == "open"))
    engine.claim(task, user("chengdu_reviewer"))
    assert attachments.may_upload(case, user("chengdu_reviewer"))
    assert not attachments.may_upload(case, user("chengdu_reviewer2"))
    saved = attachments.save(case, "supporting_evidence", upload(PNG, "核查.png"),
                             user("chengdu_reviewer"))  # fmt: skip
    assert attach_events(case)[-1].actor_role == "city_reviewer" and saved.current
    act(case, "return_for_supplement", "chengdu_reviewer", {"items": ["补充申请表"]})
    assert case.state == "supplement"
    assert attachments.may_upload(case, user("school_clerk"))
    assert not attachments.may_upload(case, user("chengdu_reviewer"))


def test_attachments_complete_guard(uploads):
    case = new_case()
    wf = registry.get("test_permit")
    ctx = engine.ActionContext(case, user("school_clerk"), wf, wf.state("draft"), None, {}, None,
                               engine.utcnow())  # fmt: skip
    guard = registry.GUARDS["attachments_complete"]
    reason = guard(ctx)
    assert reason.code == "attachments_missing"
    assert "申请表" in reason.zh and "Application form" in reason.en
    assert "证明材料" not in reason.zh  # optional types are not required
    attachments.save(case, "application_form", upload(PDF), user("school_clerk"))
    attachments.save(case, "application_form", upload(PDF + b"2"), user("school_clerk"))
    assert guard(ctx) is None


def test_objection_files_keep_their_own_history(uploads):
    case = drive(new_case(), "notice")
    one = attachments.save(case, "objection", upload(PDF, "异议1.pdf"), None)
    two = attachments.save(case, "objection", upload(PNG, "异议2.png"), None)
    assert one.current and two.current  # objections supersede nothing
    event = attach_events(case)[-1]
    assert event.actor_role == "public" and event.actor_id is None
    assert "filename" not in event.details  # the objector's file name stays off the chain
    for name, allowed in (("school_clerk", False), ("chengdu_reviewer", False),
                          ("province_reviewer", True), ("auditor", True)):  # fmt: skip
        assert attachments.may_download(case, one, user(name)) is allowed, name
    assert verify_case(case.reference).ok


# ---------------------------------------------------------------------------------------------
# HTTP


def post_upload(client, reference, type_key, data, name):
    token = get_csrf(client, "/auth/account")
    return client.post(
        f"/cases/{reference}/attachments",
        data={"csrf_token": token, "type": type_key, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def client_of(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def count_attachments(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Attachment.id)))


def test_upload_and_download_over_http(folder, demo):
    with demo.app_context():
        reference = new_case().reference
    client = client_of(demo, "school_clerk")
    response = post_upload(client, reference, "application_form", PDF, "申请表.pdf")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cases/{reference}")
    with demo.app_context():
        saved = db.session.scalar(sa.select(Attachment))
        assert saved.filename == "申请表.pdf"

    with client.get(f"/cases/{reference}/attachments/{saved.id}") as response:
        assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('申请表.pdf')}" in disposition
    page = client.get("/auth/account").get_data(as_text=True)
    assert "申请表.pdf" in page  # the success message names the file


def test_refused_upload_is_flashed_and_saves_nothing(folder, demo):
    with demo.app_context():
        reference = new_case().reference
    client = client_of(demo, "school_clerk")
    response = post_upload(client, reference, "application_form", PNG, "伪装.pdf")
    assert response.status_code == 303
    assert "与扩展名不符" in client.get("/auth/account").get_data(as_text=True)
    assert count_attachments(demo) == 0 and stored_files(folder) == []
    response = post_upload(client, reference, "objection", PDF, "a.pdf")  # internal type
    assert response.status_code == 303 and count_attachments(demo) == 0
    client.get("/auth/account")  # the flashed messages are shown once
    client.get("/lang/en")
    post_upload(client, reference, "application_form", b"", "empty.pdf")
    assert "The file is empty." in client.get("/auth/account").get_data(as_text=True)
    post_upload(client, reference, "application_form", b"%PDF", "a.txt")
    assert "Only PDF, JPEG, PNG" in client.get("/auth/account").get_data(as_text=True)


def test_upload_without_csrf_is_refused(folder, demo):
    with demo.app_context():
        reference = new_case().reference
    client = client_of(demo, "school_clerk")
    response = client.post(
        f"/cases/{reference}/attachments",
        data={"type": "application_form", "file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and stored_files(folder) == []


def test_who_gets_404_and_403(folder, demo):
    with demo.app_context():
        case, other = new_case(), new_case()
        saved = attachments.save(case, "application_form", upload(PDF), user("school_clerk"))
        reference, other_reference, saved_id = case.reference, other.reference, saved.id
    url = f"/cases/{reference}/attachments/{saved_id}"
    stranger = client_of(demo, "mianyang_reviewer")  # another city: the case does not exist
    assert stranger.get(url).status_code == 404
    assert post_upload(stranger, reference, "application_form", PDF, "a.pdf").status_code == 404
    viewer = client_of(demo, "chengdu_reviewer")  # sees the case, may not add files to a draft
    with viewer.get(url) as response:
        assert response.status_code == 200
    assert viewer.get(f"/cases/{other_reference}/attachments/{saved_id}").status_code == 404
    assert viewer.get(f"/cases/{reference}/attachments/99999").status_code == 404
    response = post_upload(viewer, reference, "application_form", PDF, "a.pdf")
    assert response.status_code == 403
    assert "当前环节不允许上传附件" in response.get_data(as_text=True)
    assert count_attachments(demo) == 1


def test_partial_lists_files_and_offers_upload(folder, demo):
    with demo.app_context():
        case = new_case()
        clerk = user("school_clerk")
        old = attachments.save(case, "application_form", upload(PDF, "旧申请表.pdf"), clerk).id
        attachments.save(case, "application_form", upload(PDF + b"2", "新申请表.pdf"), clerk)
        case_id = case.id
    for username, can_upload in (("school_clerk", True), ("chengdu_reviewer", False)):
        with demo.test_request_context():
            login_user(user(username))
            html = render_template("cases/_attachments.html", case=db.session.get(Case, case_id))
        assert "新申请表.pdf" in html and "旧申请表.pdf" in html
        assert f"/attachments/{old}" in html and "已替换" in html
        assert "申请表" in html and "证明材料" in html  # labels in the default language
        assert ('name="file"' in html) is can_upload
