"""TOTP second factor for privileged roles when CASEFLOW_REQUIRE_MFA is on."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import AuthEvent
from tests.helpers import csrf_from, login

pytestmark = pytest.mark.config(REQUIRE_MFA=True)
START = datetime(2026, 3, 2, 1, 0, 10, tzinfo=UTC)


def enrol(client):
    page = client.get("/auth/mfa/setup").get_data(as_text=True)
    assert "<svg" in page  # the otpauth QR code, drawn inline
    secret = re.search(r'class="cf-secret">([A-Z2-7]+)<', page).group(1)
    code = pyotp.TOTP(secret).now()
    response = client.post("/auth/mfa/setup", data={"code": code, "csrf_token": csrf_from(page)})
    return secret, response


def submit_code(client, code):
    page = client.get("/auth/mfa").get_data(as_text=True)
    return client.post("/auth/mfa", data={"code": code, "csrf_token": csrf_from(page)})


def test_privileged_user_must_enrol_before_anything(demo, client):
    with time_machine.travel(START, tick=False):
        response = login(client, "province_reviewer")
        assert response.headers["Location"] == "/auth/mfa/setup"
        assert client.get("/").status_code == 302  # not logged in yet
        _secret, done = enrol(client)
        assert done.status_code == 302
        assert client.get("/").status_code == 200
    with demo.app_context():
        kinds = [e.kind for e in db.session.scalars(select(AuthEvent))]
    assert "mfa_enrol" in kinds and kinds.count("login") == 1


def test_enrolled_user_needs_a_code_and_each_code_works_once(demo, app):
    first = app.test_client()
    with time_machine.travel(START, tick=False) as traveller:
        login(first, "province_reviewer")
        secret, _ = enrol(first)
        traveller.shift(timedelta(seconds=30))
        totp = pyotp.TOTP(secret)
        code = totp.now()

        second = app.test_client()
        assert login(second, "province_reviewer").headers["Location"] == "/auth/mfa"
        assert submit_code(second, code).status_code == 302
        assert second.get("/").status_code == 200

        third = app.test_client()
        login(third, "province_reviewer")
        reused = submit_code(third, code)
        assert reused.status_code == 200  # refused: the code was already used
        assert third.get("/").status_code == 302
        traveller.shift(timedelta(seconds=30))
        assert submit_code(third, totp.now()).status_code == 302


def test_wrong_codes_count_towards_lockout(demo, client):
    with time_machine.travel(START, tick=False):
        login(client, "province_reviewer")
        enrol(client)
    client.delete_cookie("caseflow_session")
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        login(client, "province_reviewer")
        for _ in range(5):
            submit_code(client, "000000")
        assert client.get("/auth/mfa").headers["Location"] == "/auth/login"
        with demo.app_context():
            kinds = [e.kind for e in db.session.scalars(select(AuthEvent))]
        assert "lockout" in kinds


def test_applicants_are_not_asked_for_a_second_factor(demo, client):
    assert login(client, "school_clerk").headers["Location"] == "/"


@pytest.mark.config(REQUIRE_MFA=False)
def test_mfa_off_in_the_embedded_demo(demo, client):
    assert login(client, "province_reviewer").headers["Location"] == "/"


def test_pending_second_factor_expires(demo, client):
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "province_reviewer")
        traveller.shift(timedelta(minutes=6))
        assert client.get("/auth/mfa/setup").headers["Location"] == "/auth/login"


def test_language_chosen_before_a_two_step_login_is_kept(demo, client):
    with time_machine.travel(START, tick=False):
        client.get("/lang/en")
        login(client, "province_reviewer")
        enrol(client)
        assert '<html lang="en">' in client.get("/").get_data(as_text=True)
