"""Login, lockout, generic failures, and the authentication event record."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import AuthEvent, User
from tests.helpers import DEMO_PASSWORD, login

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def events(app, kind=None):
    with app.app_context():
        stmt = select(AuthEvent).order_by(AuthEvent.id)
        if kind:
            stmt = stmt.where(AuthEvent.kind == kind)
        return [(e.kind, e.outcome, e.username, e.ip) for e in db.session.scalars(stmt)]


def test_login_success_records_event_and_shows_home(demo, client):
    response = login(client, "chengdu_reviewer")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "成都市人社局经办" in page
    assert ("login", "success", "chengdu_reviewer", "127.0.0.1") in events(demo, "login")


def test_login_page_is_chinese_by_default(demo, client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "登录" in page


def _strip_token(html: str) -> str:
    """Blank the per-request CSRF token and the echoed user name before comparing pages."""
    return re.sub(r'value="[^"]*"', 'value=""', html)


def test_unknown_user_and_wrong_password_look_the_same(demo, client):
    unknown = login(client, "nobody-here", "Wrong-password-1")
    wrong = login(client, "chengdu_reviewer", "Wrong-password-1")
    assert unknown.status_code == wrong.status_code == 200
    same = _strip_token(unknown.get_data(as_text=True)), _strip_token(wrong.get_data(as_text=True))
    assert same[0] == same[1]
    outcomes = events(demo, "login")
    assert ("login", "failure", "nobody-here", "127.0.0.1") in outcomes
    assert ("login", "failure", "chengdu_reviewer", "127.0.0.1") in outcomes


def test_lockout_after_five_failures_and_unlock_after_fifteen_minutes(demo, client):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            assert login(client, "chengdu_reviewer", "Wrong-password-1").status_code == 200
        assert ("lockout", "info", "chengdu_reviewer", "127.0.0.1") in events(demo, "lockout")
        # The right password is refused while locked, with the same generic message.
        locked = login(client, "chengdu_reviewer", DEMO_PASSWORD)
        assert locked.status_code == 200
        unknown = login(client, "nobody-here", DEMO_PASSWORD)
        assert _strip_token(locked.get_data(as_text=True)) == _strip_token(
            unknown.get_data(as_text=True)
        )
        traveller.shift(timedelta(minutes=14, seconds=59))
        assert login(client, "chengdu_reviewer", DEMO_PASSWORD).status_code == 200
        traveller.shift(timedelta(seconds=2))
        assert login(client, "chengdu_reviewer", DEMO_PASSWORD).status_code == 302
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "chengdu_reviewer"))
        assert user.failed_logins == 0 and user.locked_until is None


def test_failures_that_are_not_consecutive_do_not_lock(demo, client):
    for _ in range(4):
        login(client, "chengdu_reviewer", "Wrong-password-1")
    assert login(client, "chengdu_reviewer").status_code == 302
    client.post("/auth/logout")  # no CSRF token: refused, but irrelevant here
    client.delete_cookie("caseflow_session")
    for _ in range(4):
        login(client, "chengdu_reviewer", "Wrong-password-1")
    assert login(client, "chengdu_reviewer").status_code == 302


@pytest.mark.config(LOCKOUT_THRESHOLD=3, LOCKOUT_MINUTES=1)
def test_lockout_is_configurable(demo, client):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(3):
            login(client, "chengdu_reviewer", "Wrong-password-1")
        assert login(client, "chengdu_reviewer").status_code == 200
        traveller.shift(timedelta(minutes=1, seconds=1))
        assert login(client, "chengdu_reviewer").status_code == 302


def test_disabled_user_cannot_log_in(demo, client):
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "chengdu_reviewer"))
        user.disabled = True
        db.session.commit()
    assert login(client, "chengdu_reviewer").status_code == 200
    assert ("login", "refused", "chengdu_reviewer", "127.0.0.1") in events(demo, "login")


def test_logout_requires_post_with_csrf(demo, client):
    login(client, "chengdu_reviewer")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_open_redirect_is_refused(demo, client):
    from tests.helpers import get_csrf

    token = get_csrf(client)
    response = client.post(
        "/auth/login?next=https://evil.example/",
        data={"username": "chengdu_reviewer", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"
