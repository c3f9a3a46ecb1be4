"""Every page renders for every role in zh_CN and in English, with no mixed-language text."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import User
from tests.helpers import login

ONE_USER_PER_ROLE = (
    "admin",
    "auditor",
    "province_reviewer",
    "leader",
    "government",
    "chengdu_reviewer",
    "chengdu_finance",
    "expert1",
    "inspector1",
    "school_clerk",
)
SKIP_ENDPOINTS = {"static", "main.set_language", "main.healthz", "auth.logout"}
# Pages of the login flow: a logged-in user is sent on from them; rendered anonymously below.
LOGIN_FLOW = {"auth.login", "auth.mfa_verify"}
CATALOGUE = (
    Path(__file__).parent.parent / "caseflow/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
)


def _catalogue():
    with CATALOGUE.open("rb") as fh:
        return [(m.id, m.string) for m in read_po(fh) if m.id and m.string]


def english_phrases():
    """Source strings long enough that seeing one on a Chinese page means it was not translated."""
    return [
        msgid
        for msgid, _ in _catalogue()
        if " " in msgid and len(msgid) >= 12 and "%(" not in msgid
    ]


def chinese_phrases():
    return [
        msgstr
        for msgid, msgstr in _catalogue()
        if len(msgstr) >= 4 and "%(" not in msgstr and msgstr != msgid
    ]


def data_strings(app):
    """Names stored as data (people, organisations, places): Chinese on every page, by right."""
    from caseflow.models import Organisation, Region

    with app.app_context():
        names = list(db.session.scalars(select(User.display_name)))
        names += list(db.session.scalars(select(Organisation.name)))
        names += list(db.session.scalars(select(Region.name_zh)))
    names += policy_strings()
    return sorted(names, key=len, reverse=True)


def policy_strings():
    """Policy data is written in Chinese (titles of the source documents, name suffixes such as
    技工学校): shown as it stands on every page."""
    from caseflow import policy

    out = []
    for p in policy.all_policies():
        for version in p.versions:
            out.append(version.source)
            for v in version.values.values():
                out.append(v.source or "")
                values = v.value if isinstance(v.value, tuple) else (v.value,)
                out += [x for x in values if isinstance(x, str)]
    return [x for x in out if x]


def case_strings(app):
    """What applicants and reviewers typed (case data, comments, items): shown as written."""
    from caseflow.models import Case, CaseEvent, SupplementItem

    with app.app_context():
        texts = [str(v) for data in db.session.scalars(select(Case.data)) for v in data.values()]
        texts += [c for c in db.session.scalars(select(CaseEvent.comment)) if c]
        texts += list(db.session.scalars(select(SupplementItem.text)))
    return sorted(set(texts), key=len, reverse=True)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text)


def sample_values(app, user_id) -> dict[str, str]:
    """Real values for route arguments: demo cases of the sample workflow in several states."""
    from caseflow.demo_cases import seed_demo_cases
    from caseflow.models import Case, Document, PublicNotice, Task

    with app.app_context():
        seed_demo_cases()
        returned = db.session.scalar(select(Case).where(Case.state == "supplement"))
        intake = db.session.scalar(select(Case).where(Case.state == "intake"))
        return {
            "user_id": str(user_id),
            "reference": returned.reference,
            "doc_id": str(db.session.scalar(select(Document.id).where(
                Document.case_id == returned.id))),
            "notice_id": str(db.session.scalar(select(PublicNotice.id))),
            "task_id": str(db.session.scalar(select(Task.id).where(
                Task.case_id == intake.id, Task.status == "open"))),
            "workflow": "test_permit",
            "kind": "standard",
            "key": "test_permit",
        }  # fmt: skip


def pages(app, values):
    """Every GET page of the app, with real ids for the routes that need one (downloads, which
    are files rather than pages, are left out)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS | LOGIN_FLOW or "GET" not in rule.methods:
            continue
        if rule.rule.startswith("/api/"):  # JSON for programs, not pages (tests/api/)
            continue
        if rule.arguments - set(values) or rule.rule.endswith(".pdf"):
            continue
        urls.append(rule.build(values, append_unknown=False)[1])
    return sorted(urls)


@pytest.mark.parametrize("username", ONE_USER_PER_ROLE)
@pytest.mark.parametrize(("lang", "html_lang"), [("zh_CN", "zh-CN"), ("en", "en")])
def test_every_page_renders_in_both_languages(demo, username, lang, html_lang):
    client = demo.test_client()
    assert login(client, username).status_code == 302
    client.get(f"/lang/{lang}")
    with demo.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "school_clerk"))
    urls = pages(demo, sample_values(demo, user_id))
    foreign = english_phrases() if lang == "zh_CN" else chinese_phrases()
    data = data_strings(demo) + case_strings(demo)
    rendered = 0
    for url in urls:
        response = client.get(url)
        # 404: a case (or task) outside the user's scope does not exist for them.
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        html = response.get_data(as_text=True)
        assert f'<html lang="{html_lang}">' in html, url
        text = visible_text(html)
        for name in data:
            text = text.replace(name, " ")
        leaked = [p for p in foreign if p in text]
        assert not leaked, (url, leaked[:5])
        rendered += response.status_code == 200
    assert rendered >= 3


@pytest.mark.parametrize(("lang", "html_lang"), [("zh_CN", "zh-CN"), ("en", "en")])
def test_login_page_in_both_languages(demo, lang, html_lang):
    client = demo.test_client()
    client.get(f"/lang/{lang}")
    html = client.get("/auth/login").get_data(as_text=True)
    assert f'<html lang="{html_lang}">' in html
    foreign = english_phrases() if lang == "zh_CN" else chinese_phrases()
    assert not [p for p in foreign if p in visible_text(html)]


@pytest.mark.parametrize(("lang", "word"), [("zh_CN", "未找到"), ("en", "Not found")])
def test_error_pages_in_both_languages(demo, lang, word):
    client = demo.test_client()
    client.get(f"/lang/{lang}")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert word in response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("status", [403, 404, 409, 500])
def test_every_error_page_renders(database_url, lang, status):
    from werkzeug.exceptions import Conflict, Forbidden, NotFound

    from tests.conftest import empty_tables, make_app

    app = make_app(database_url)
    errors = {403: Forbidden(), 404: NotFound(), 409: Conflict()}

    @app.get("/_boom")
    def boom():
        if status == 500:
            raise RuntimeError("boom")
        raise errors[status]

    from caseflow.security import public

    public(boom)
    try:
        client = app.test_client()
        client.get(f"/lang/{lang}")
        response = client.get("/_boom")
        assert response.status_code == status
        html = response.get_data(as_text=True)
        assert f'<html lang="{"en" if lang == "en" else "zh-CN"}">' in html
        assert str(status) in html
    finally:
        empty_tables(app)


def test_language_choice_is_remembered_per_user(demo):
    first = demo.test_client()
    login(first, "auditor")
    first.get("/lang/en")
    second = demo.test_client()
    login(second, "auditor")
    assert '<html lang="en">' in second.get("/").get_data(as_text=True)


def test_home_page_shows_who_and_what(demo):
    client = demo.test_client()
    login(client, "chengdu_reviewer")
    client.get("/lang/zh_CN")
    html = client.get("/").get_data(as_text=True)
    assert "成都市人力资源和社会保障局" in html
    assert "成都市" in html and "510100" in html
    assert "市州人社局经办人" in html


def test_language_chosen_before_login_survives_login(demo):
    client = demo.test_client()
    client.get("/lang/en")
    login(client, "chengdu_reviewer")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "chengdu_reviewer"))
        assert user.locale == "en"


def test_language_survives_logout(demo):
    from tests.helpers import logout

    client = demo.test_client()
    login(client, "chengdu_reviewer")
    client.get("/lang/en")
    logout(client)
    assert '<html lang="en">' in client.get("/auth/login").get_data(as_text=True)


def test_explicit_choice_on_login_page_overrides_stored_preference(demo):
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "chengdu_reviewer"))
        user.locale = "zh_CN"
        db.session.commit()
    client = demo.test_client()
    client.get("/lang/en")
    login(client, "chengdu_reviewer")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_language_left_by_a_previous_user_does_not_change_preference(demo):
    from tests.helpers import logout

    client = demo.test_client()
    login(client, "auditor")
    client.get("/lang/en")
    logout(client)
    login(client, "chengdu_reviewer")  # same browser, next person; prefers the default
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "chengdu_reviewer"))
        assert user.locale is None


@pytest.mark.parametrize(("lang", "foreign"), [("zh_CN", "wrong password"), ("en", "密码错误")])
def test_sign_in_log_details_are_in_the_page_language(demo, lang, foreign):
    from tests.helpers import get_csrf

    intruder = demo.test_client()
    for _ in range(5):
        login(intruder, "chengdu_reviewer", "Wrong-password-1")
    login(intruder, "nobody-here", "Wrong-password-1")
    auditor = demo.test_client()
    login(auditor, "auditor")
    auditor.get(f"/lang/{lang}")
    admin = demo.test_client()
    login(admin, "admin")
    with demo.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "chengdu_reviewer"))
    token = get_csrf(admin, f"/admin/users/{user_id}")
    admin.post(f"/admin/users/{user_id}/unlock", data={"csrf_token": token})
    html = auditor.get("/audit/auth-events").get_data(as_text=True)
    text = visible_text(html)
    assert foreign not in text
    for english in ("unknown user", "locked until", "by admin", "wrong password"):
        if lang == "zh_CN":
            assert english not in text
    expected = "密码错误（第 5 次）" if lang == "zh_CN" else "wrong password (attempt 5)"
    assert expected in text
