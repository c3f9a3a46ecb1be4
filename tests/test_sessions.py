"""Server-side sessions: timeouts and revocation. A replayed old cookie must not work."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import User, UserSession
from tests.helpers import DEMO_PASSWORD, get_csrf, login, logout, post_form

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
COOKIE = "caseflow_session"


def cookie_value(client):
    return client.get_cookie(COOKIE).value


def is_logged_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def replay(client, value):
    client.set_cookie(COOKIE, value)
    return is_logged_in(client)


def test_idle_timeout(demo, client):
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "chengdu_reviewer")
        traveller.shift(timedelta(minutes=29))
        assert is_logged_in(client)
        traveller.shift(timedelta(minutes=29))  # activity at 29 min reset the idle clock
        assert is_logged_in(client)
        traveller.shift(timedelta(minutes=30, seconds=1))
        response = client.get("/")
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_absolute_lifetime_even_when_active(demo, client):
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "chengdu_reviewer")
        for _ in range(35):  # 35 × 20 min = 11 h 40 min of steady activity
            traveller.shift(timedelta(minutes=20))
            assert is_logged_in(client)
        traveller.shift(timedelta(minutes=21))  # past 12 h
        assert not is_logged_in(client)
    with demo.app_context():
        row = db.session.scalar(select(UserSession))
        assert row.revoked_reason == "absolute_lifetime"


def test_no_long_lived_remember_cookie(demo, client):
    response = login(client, "chengdu_reviewer")
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token") for c in cookies)
    session_cookie = next(c for c in cookies if c.startswith(COOKIE))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_replayed_cookie_after_logout_is_refused(demo, client):
    login(client, "chengdu_reviewer")
    old = cookie_value(client)
    assert logout(client).status_code == 302
    assert not replay(client, old)


def test_logout_ends_only_that_session(demo, app):
    first, second = app.test_client(), app.test_client()
    login(first, "chengdu_reviewer")
    login(second, "chengdu_reviewer")
    logout(first)
    assert not is_logged_in(first)
    assert is_logged_in(second)


def test_password_change_ends_every_other_session(demo, app):
    other, me = app.test_client(), app.test_client()
    login(other, "chengdu_reviewer")
    login(me, "chengdu_reviewer")
    old_mine = cookie_value(me)
    response = post_form(
        me,
        "/auth/password",
        {
            "current_password": DEMO_PASSWORD,
            "new_password": "Another-pass-2026",
            "confirm": "Another-pass-2026",
        },
    )
    assert response.status_code == 302
    assert is_logged_in(me)  # the changing browser gets a fresh session
    assert not is_logged_in(other)
    assert not replay(app.test_client(), old_mine)


def test_disabling_a_user_ends_their_sessions_at_once(demo, app):
    victim, admin = app.test_client(), app.test_client()
    login(victim, "chengdu_reviewer")
    old = cookie_value(victim)
    login(admin, "admin")
    with demo.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "chengdu_reviewer"))
    token = get_csrf(admin, f"/admin/users/{user_id}")
    response = admin.post(f"/admin/users/{user_id}/disable", data={"csrf_token": token})
    assert response.status_code == 302
    assert not is_logged_in(victim)
    assert not replay(app.test_client(), old)


def test_forged_cookie_is_refused(demo, client):
    client.set_cookie(COOKIE, "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
    assert not is_logged_in(client)
