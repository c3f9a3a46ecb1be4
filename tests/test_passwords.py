"""The two password profiles, rotation, and the first-login password change."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from caseflow.auth.passwords import PROFILES, password_problems
from caseflow.extensions import db
from caseflow.models import User
from tests.helpers import DEMO_PASSWORD, login, post_form


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Abcdefg1", True),  # 3 classes
        ("abcdef1!", True),  # 3 classes
        ("abcdefgh", False),  # 1 class
        ("abcdefg1", False),  # 2 classes
        ("Ab1!", False),  # too short
        ("Password1", True),  # dengbao does not check common passwords
    ],
)
def test_dengbao_profile(app, password, ok):
    with app.test_request_context():
        assert (password_problems(password, prof=PROFILES["dengbao"]) == []) is ok


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("correct horse battery", True),  # no composition rule
        ("abcdefghij", True),
        ("password", False),  # common
        ("iloveyou", False),  # common
        ("woaini1314", False),  # common in Chinese leaks
        ("short", False),
    ],
)
def test_asvs_profile(app, password, ok):
    with app.test_request_context():
        assert (password_problems(password, prof=PROFILES["asvs"]) == []) is ok


def test_password_may_not_contain_user_name(app):
    with app.test_request_context():
        assert password_problems("Xchengdu_reviewer1!", "chengdu_reviewer")


def test_dengbao_forces_change_after_90_days(demo, client):
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "chengdu_reviewer"))
        user.password_changed_at = start
        db.session.commit()
    with time_machine.travel(start + timedelta(days=89), tick=False):
        login(client, "chengdu_reviewer")
        assert client.get("/").status_code == 200
    client.delete_cookie("caseflow_session")
    with time_machine.travel(start + timedelta(days=90, minutes=1), tick=False):
        response = login(client, "chengdu_reviewer")
        assert response.headers["Location"] == "/auth/password"
        assert client.get("/").headers["Location"] == "/auth/password"


@pytest.mark.config(PASSWORD_PROFILE="asvs")
def test_asvs_has_no_rotation(demo, client):
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "chengdu_reviewer"))
        user.password_changed_at = datetime(2020, 1, 1, tzinfo=UTC)
        db.session.commit()
    login(client, "chengdu_reviewer")
    assert client.get("/").status_code == 200


def test_admin_created_user_must_change_password_first(demo, client):
    from caseflow.accounts import create_user
    from caseflow.models import Organisation

    with demo.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "school"))
        _, password = create_user(username="new_clerk", org=org, role_specs=["applicant"])
        db.session.commit()
    response = login(client, "new_clerk", password)
    assert response.headers["Location"] == "/auth/password"
    # Every other page sends the user back to the password form.
    assert client.get("/auth/account").headers["Location"] == "/auth/password"
    weak = post_form(
        client,
        "/auth/password",
        {"current_password": password, "new_password": "abcdefgh", "confirm": "abcdefgh"},
    )
    assert weak.status_code == 200  # refused with a message
    good = post_form(
        client,
        "/auth/password",
        {"current_password": password, "new_password": "Fresh-pass-26", "confirm": "Fresh-pass-26"},
    )
    assert good.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_current_password_is_refused(demo, client):
    login(client, "chengdu_reviewer")
    response = post_form(
        client,
        "/auth/password",
        {"current_password": "nope", "new_password": "Fresh-pass-26", "confirm": "Fresh-pass-26"},
    )
    assert response.status_code == 200
    client.delete_cookie("caseflow_session")
    assert login(client, "chengdu_reviewer", DEMO_PASSWORD).status_code == 302
