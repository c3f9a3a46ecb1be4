"""The public notice pages (公示) and objections (异议) over HTTP, and resolving objections."""

import io
from datetime import timedelta

import pytest
import time_machine
from flask import render_template_string
from flask_babel import force_locale, gettext
from flask_login import login_user
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from caseflow.extensions import db, limiter
from caseflow.models import Attachment, Case, CaseEvent, Objection, PublicNotice
from caseflow.timeutil import utcnow
from caseflow.workflows import engine, notices
from tests.helpers import csrf_from, get_csrf, login
from tests.workflows.conftest import act, drive, user

OBJECTION = {
    "name": "李小四",
    "contact": "13800001111",
    "text": "该项目场地为临时租赁，与公示不符。",
}


@pytest.fixture
def notice(demo):
    """(notice id, case reference) of a case in its public notice, opened today."""
    with demo.app_context():
        data = {"amount": 1000, "project": "数控实训基地", "contact_name": "张小三"}
        case = engine.create_case("test_permit", "standard", user("school_clerk"), data)
        drive(case, "notice")
        return notices.current_notice(case).id, case.reference


def page_of(notice_id):
    return f"/public/notices/{notice_id}"


def post_objection(client, notice_id, data=None, **kwargs):
    token = csrf_from(client.get(page_of(notice_id)).get_data(as_text=True))
    payload = {**OBJECTION, **(data or {}), "csrf_token": token}
    return client.post(f"{page_of(notice_id)}/objections", data=payload, **kwargs)


def objection_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Objection))


def in_language(app, lang, msgid) -> str:
    with app.test_request_context(), force_locale(lang):
        return gettext(msgid)


def test_list_and_detail_need_no_login_and_show_only_masked_data(demo, client, notice):
    notice_id, reference = notice
    listing = client.get("/public/notices")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "测试许可 · 数控实训基地" in html and page_of(notice_id) in html
    detail = client.get(page_of(notice_id)).get_data(as_text=True)
    assert "张*三" in detail and "张小三" not in detail
    assert reference in detail and "成都市示范技工学校" in detail
    for private in ("school_clerk", "成都示范技工学校经办", "省厅经办人", "user_id"):
        assert private not in detail
    assert 'name="text"' in detail and 'name="csrf_token"' in detail
    assert 'class="visually-hidden" aria-hidden="true"' in detail and "style=" not in detail


def test_the_detail_follows_the_language(demo, client, notice):
    notice_id, _ = notice
    client.get("/lang/en")
    html = client.get(page_of(notice_id)).get_data(as_text=True)
    assert "Test permit · 数控实训基地" in html and "Contact" in html and "张*三" in html


def test_an_objection_with_csrf_is_received_and_opens_a_task(demo, client, notice):
    notice_id, _ = notice
    response = post_objection(client, notice_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page_of(notice_id)}/received")
    assert client.get(response.headers["Location"]).status_code == 200
    with demo.app_context():
        objection = db.session.scalar(select(Objection))
        assert (objection.name, objection.contact) == ("李小四", "13800001111")
        assert objection.task_id is not None and objection.status == "open"


def test_an_objection_may_carry_a_file_and_a_bad_file_stores_nothing(demo, client, notice,
                                                                     tmp_path):  # fmt: skip
    notice_id, _ = notice
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    bad = {"attachment": (io.BytesIO(b"not a pdf"), "evidence.pdf")}
    response = post_objection(client, notice_id, bad, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "文件内容不是 PDF 格式" in response.get_data(as_text=True)  # under the file field
    assert objection_count(demo) == 0
    good = {"attachment": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "证据.pdf")}
    response = post_objection(client, notice_id, good, content_type="multipart/form-data")
    assert response.status_code == 302
    with demo.app_context():
        objection = db.session.scalar(select(Objection))
        attachment = db.session.get(Attachment, objection.attachment_id)
        assert (attachment.type, attachment.filename, attachment.uploaded_by_id) == (
            "objection", "证据.pdf", None)  # fmt: skip


def test_a_failed_objection_leaves_no_file_and_no_attachment(demo, notice, tmp_path,
                                                             monkeypatch):  # fmt: skip
    """The file is stored in the objection's own transaction: when the objection fails after
    the file was written, both go — no orphan file, no attachment row, no event."""
    from caseflow.workflows import notices as notice_module

    notice_id, _ = notice
    uploads = tmp_path / "uploads"
    demo.config["UPLOAD_FOLDER"] = str(uploads)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(notice_module, "_objection_task", broken)
    with demo.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(CaseEvent))
        upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="证据.pdf")
        with pytest.raises(RuntimeError):
            notices.file_objection(db.session.get(PublicNotice, notice_id), "李小四",
                                   "13800001111", "场地与公示不符。", upload)  # fmt: skip
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == events_before
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_an_objection_without_csrf_is_refused(demo, client, notice):
    notice_id, _ = notice
    response = client.post(f"{page_of(notice_id)}/objections", data=OBJECTION)
    assert response.status_code == 400
    assert objection_count(demo) == 0


def test_a_filled_honeypot_is_dropped_silently(demo, client, notice):
    notice_id, _ = notice
    response = post_objection(client, notice_id, {"website": "http://spam.example"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page_of(notice_id)}/received")
    assert objection_count(demo) == 0


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_validation_messages_are_in_the_users_language(demo, client, notice, lang):
    notice_id, _ = notice
    client.get(f"/lang/{lang}")
    response = post_objection(client, notice_id, {"name": "", "contact": "call me", "text": "短"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for msgid in (
        "Please enter your name.",
        "Enter a phone number or an e-mail address so that we can reply.",
    ):
        assert in_language(demo, lang, msgid) in html
    if lang == "en":
        assert "Between 10 and 5000 characters, please." in html
    assert objection_count(demo) == 0


@pytest.mark.parametrize(("lang", "text"), [("zh_CN", "公示期已于"), ("en", "notice period ended")])
def test_filing_after_the_period_is_refused_in_the_users_language(demo, client, notice, lang,
                                                                  text):  # fmt: skip
    notice_id, _ = notice
    with demo.app_context():
        ends_on = db.session.get(PublicNotice, notice_id).ends_on
    later = utcnow() + timedelta(days=(ends_on - utcnow().date()).days + 3)
    with time_machine.travel(later, tick=False):
        client.get(f"/lang/{lang}")
        page = client.get(page_of(notice_id)).get_data(as_text=True)
        assert 'name="text"' not in page  # the period is over: no form …
        token = get_csrf(client, "/auth/login")
        response = client.post(f"{page_of(notice_id)}/objections",
                               data={**OBJECTION, "csrf_token": token})  # fmt: skip
    # … and a form kept open in a browser since then is refused in the user's language
    assert response.status_code == 403 and text in response.get_data(as_text=True)
    assert objection_count(demo) == 0


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_objections_are_rate_limited_per_address(demo, client, notice):
    notice_id, _ = notice
    limiter.reset()
    honeypot = {"website": "x"}  # counted like any other POST, stores nothing
    for _ in range(5):
        assert post_objection(client, notice_id, honeypot).status_code == 302
    assert post_objection(client, notice_id, honeypot).status_code == 429
    other = demo.test_client()
    assert post_objection(other, notice_id, honeypot,
                          environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302  # fmt: skip


def test_a_closed_notice_shows_closed_and_no_form(demo, client, notice):
    notice_id, reference = notice
    with demo.app_context():
        act(db.session.scalar(select(Case).where(Case.reference == reference)), "notice_ends",
            "system")  # fmt: skip
    html = client.get(page_of(notice_id)).get_data(as_text=True)
    assert in_language(demo, "zh_CN", "Closed") in html and 'name="text"' not in html
    assert page_of(notice_id) not in client.get("/public/notices").get_data(as_text=True)


def test_a_closed_notice_stays_public_for_the_policy_days_then_is_gone(demo, client, notice):
    notice_id, reference = notice
    with demo.app_context():
        act(db.session.scalar(select(Case).where(Case.reference == reference)), "notice_ends",
            "system")  # fmt: skip
        closed_at = db.session.get(PublicNotice, notice_id).closed_at
    with time_machine.travel(closed_at + timedelta(days=30), tick=False):
        assert client.get(page_of(notice_id)).status_code == 200
    with time_machine.travel(closed_at + timedelta(days=31, hours=16), tick=False):
        gone = client.get(page_of(notice_id))
        assert gone.status_code == 410
        assert "该公示已结束，不再公开。" in gone.get_data(as_text=True)


def test_an_unknown_notice_is_404(demo, client, notice):
    notice_id, _ = notice
    assert client.get("/public/notices/99999").status_code == 404
    token = get_csrf(client, page_of(notice_id))
    response = client.post("/public/notices/99999/objections",
                           data={**OBJECTION, "csrf_token": token})  # fmt: skip
    assert response.status_code == 404
    assert client.get("/public/notices/99999/received").status_code == 404


def _file_one(demo, notice_id) -> int:
    with demo.app_context():
        notice = db.session.get(PublicNotice, notice_id)
        return notices.file_objection(notice, "李小四", "13800001111", "场地不符。").id


def test_resolving_is_404_for_someone_who_cannot_see_the_case(demo, client, notice):
    notice_id, reference = notice
    objection_id = _file_one(demo, notice_id)
    login(client, "mianyang_reviewer")
    token = get_csrf(client, "/")
    data = {"outcome": "dismiss", "reason": "x", "csrf_token": token}
    response = client.post(f"/cases/{reference}/objections/{objection_id}/resolve", data=data)
    assert response.status_code == 404
    with demo.app_context():
        assert db.session.get(Objection, objection_id).status == "open"


def test_a_province_reviewer_upholds_an_objection(demo, client, notice):
    notice_id, reference = notice
    objection_id = _file_one(demo, notice_id)
    login(client, "province_reviewer")
    token = get_csrf(client, "/")
    url = f"/cases/{reference}/objections/{objection_id}/resolve"
    missing = client.post(url, data={"outcome": "uphold", "csrf_token": token})
    assert missing.status_code == 303
    assert missing.headers["Location"].endswith(f"/cases/{reference}#objections")
    response = client.post(url, data={"outcome": "uphold", "reason": "经核实属实",
                                      "csrf_token": token})  # fmt: skip
    assert response.status_code == 303
    with demo.app_context():
        assert db.session.get(Objection, objection_id).status == "upheld"
        assert db.session.scalar(select(Case.state).where(Case.reference == reference)) == "board"


@pytest.mark.parametrize(("username", "sees_contact", "has_form"), [
    ("province_reviewer", True, True),
    ("auditor", True, False),
    ("school_clerk", False, False),
])  # fmt: skip
def test_the_objections_card(demo, notice, username, sees_contact, has_form):
    notice_id, reference = notice
    _file_one(demo, notice_id)
    with demo.test_request_context():
        login_user(user(username))
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        html = render_template_string('{% include "cases/_objections.html" %}', case=case)
    assert "场地不符。" in html
    assert ("13800001111" in html) is sees_contact and ("李小四" in html) is sees_contact
    assert ("李*四" in html) is not sees_contact
    assert ('name="outcome"' in html) is has_form and "style=" not in html


@pytest.mark.parametrize(("lang", "text"), [("zh_CN", "您无权处理该异议。"),
                                            ("en", "not within your role and scope")])  # fmt: skip
def test_a_refusal_is_flashed_in_the_users_language(demo, client, notice, lang, text):
    notice_id, reference = notice
    objection_id = _file_one(demo, notice_id)
    login(client, "chengdu_reviewer")  # sees the case (its city) but does not resolve objections
    client.get(f"/lang/{lang}")
    token = get_csrf(client, "/")
    data = {"outcome": "dismiss", "reason": "不成立", "csrf_token": token}
    response = client.post(f"/cases/{reference}/objections/{objection_id}/resolve", data=data)
    assert response.headers["Location"].endswith(f"/cases/{reference}#objections")
    with client.session_transaction() as session:
        assert any(text in message for _, message in session["_flashes"])
    with demo.app_context():
        assert db.session.get(Objection, objection_id).status == "open"


@pytest.mark.parametrize(("username", "sees_contact"), [("province_reviewer", True),
                                                        ("school_clerk", False)])  # fmt: skip
def test_the_case_page_shows_the_objections(demo, client, notice, username, sees_contact):
    notice_id, reference = notice
    _file_one(demo, notice_id)
    login(client, username)
    html = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert 'id="objections"' in html and "场地不符。" in html
    assert ("13800001111" in html) is sees_contact
    assert ("/objections/" in html and 'name="outcome"' in html) is sees_contact
