"""Personal access tokens: made by function, command line and profile page; shown once, stored
as a keyed hash; Bearer-only on /api/ (never the session cookie); refusals recorded."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_login import current_user
from sqlalchemy import select

from caseflow.api import tokens
from caseflow.api.auth import rate_limit_key
from caseflow.crypto import encrypt
from caseflow.extensions import db, limiter
from caseflow.models import ApiToken, AuthEvent, User
from caseflow.timeutil import to_local
from tests.helpers import csrf_from, get_csrf, login, post_form

TOKEN_RE = re.compile(r"cf_[a-z0-9]{8}_[A-Za-z0-9_-]{43}")
WHOAMI = "/api/v1/_whoami"
START = datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def api(demo):
    """The demo app with a throwaway protected API route that names the caller."""

    @demo.get(WHOAMI)
    def whoami():
        return {"username": current_user.username}

    @demo.get("/api/v1/_limited")
    @limiter.limit("2 per minute", key_func=rate_limit_key)
    def limited():
        return {"ok": True}

    return demo


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def make(app, username="school_clerk", **kwargs) -> tuple[int, str]:
    with app.app_context():
        token, plaintext = tokens.create_token(user(username), name="test", **kwargs)
        db.session.commit()
        return token.id, plaintext


def bearer(plaintext: str) -> dict:
    return {"Authorization": f"Bearer {plaintext}"}


def token_events(app) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        rows = db.session.scalars(select(AuthEvent).where(AuthEvent.kind == "token"))
        return [(e.outcome, e.username, e.detail) for e in rows]


def run(app, *args):
    return app.test_cli_runner().invoke(args=["caseflow", "token", *args])


def test_a_token_is_shown_once_and_stored_only_as_a_keyed_hash(api):
    token_id, plaintext = make(api, expires_days=30)
    assert TOKEN_RE.fullmatch(plaintext) and len(plaintext) == 55
    with api.app_context():
        row = db.session.get(ApiToken, token_id)
        assert row.prefix == plaintext[3:11] and row.display == f"cf_{row.prefix}_…"
        assert row.token_hash == tokens.hash_token(plaintext) != plaintext
        assert row.expires_at - row.created_at == timedelta(days=30)
        with db.engine.connect() as conn:
            dump = repr(conn.execute(sa.text("SELECT * FROM api_tokens")).all())
            dump += repr(conn.execute(sa.text("SELECT * FROM auth_events")).all())
    assert plaintext[12:] not in dump and plaintext not in dump
    assert token_events(api) == [
        # the expiry day as the reader counts it (Asia/Shanghai), which is not UTC's after 16:00
        ("success", "school_clerk",
         f"token_created_cli|{row.prefix}|{to_local(row.expires_at):%Y-%m-%d}")
    ]
    response = api.test_client().get(WHOAMI, headers=bearer(plaintext))
    assert response.status_code == 200 and response.json == {"username": "school_clerk"}
    assert response.headers["Cache-Control"] == "no-store"
    # A token opens the API only: a web page still wants a login.
    page = api.test_client().get("/", headers=bearer(plaintext))
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]


@pytest.mark.parametrize(
    ("name", "days", "code"),
    [("", 30, "name"), ("x" * 81, 30, "name"), ("ok", 0, "expiry"), ("ok", 366, "expiry")],
)
def test_creation_checks_name_and_expiry(demo, name, days, code):
    with demo.app_context(), pytest.raises(tokens.TokenError) as info:
        tokens.create_token(user("school_clerk"), name=name, expires_days=days)
    assert info.value.code == code


def _revoke(app, token_id):
    with app.app_context():
        tokens.revoke(db.session.get(ApiToken, token_id), by=None)
        db.session.commit()


def _disable(app, _token_id):
    with app.app_context():
        user("school_clerk").disabled = True
        db.session.commit()


def _owe_password_change(app, _token_id):
    with app.app_context():
        user("school_clerk").must_change_password = True
        db.session.commit()


@pytest.mark.parametrize(
    ("spoil", "detail"),
    [
        (lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"), "token_wrong_secret"),
        (lambda p: "cf_zzzzzzzz" + p[11:], "token_unknown"),
        (lambda p: p[:20], "token_malformed"),
        (lambda p: "Basic " + p, "token_malformed"),
    ],
)
def test_a_wrong_token_is_refused_and_recorded(api, spoil, detail):
    _id, plaintext = make(api)
    value = spoil(plaintext)
    header = {"Authorization": value if value.startswith("Basic") else f"Bearer {value}"}
    response = api.test_client().get(WHOAMI, headers=header)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="caseflow", error="invalid_token"'
    outcome, _user, recorded = token_events(api)[-1]
    assert outcome == "failure" and recorded.startswith(detail)
    assert plaintext[12:] not in recorded


@pytest.mark.parametrize(
    ("spoil", "detail"),
    [
        (_revoke, "token_use_revoked"),
        (_disable, "token_user_disabled"),
        (_owe_password_change, "token_password_change"),
    ],
)
def test_revoked_token_disabled_user_and_password_change_are_refused(api, spoil, detail):
    token_id, plaintext = make(api)
    client = api.test_client()
    assert client.get(WHOAMI, headers=bearer(plaintext)).status_code == 200
    spoil(api, token_id)
    assert client.get(WHOAMI, headers=bearer(plaintext)).status_code == 401
    assert token_events(api)[-1] == ("refused", "school_clerk", f"{detail}|{plaintext[3:11]}")


def test_an_expired_token_is_refused(api):
    with time_machine.travel(START, tick=False) as traveller:
        _id, plaintext = make(api, expires_days=1)
        client = api.test_client()
        traveller.shift(timedelta(hours=23, minutes=59))
        assert client.get(WHOAMI, headers=bearer(plaintext)).status_code == 200
        traveller.shift(timedelta(minutes=1))
        assert client.get(WHOAMI, headers=bearer(plaintext)).status_code == 401
    assert token_events(api)[-1][2] == f"token_use_expired|{plaintext[3:11]}"


def test_the_session_cookie_never_authenticates_the_api(api):
    client = api.test_client()
    login(client, "admin")
    assert client.get("/").status_code == 200
    response = client.get(WHOAMI)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="caseflow"'
    _id, plaintext = make(api, "school_clerk")
    assert client.get(WHOAMI, headers=bearer(plaintext)).json == {"username": "school_clerk"}
    assert client.get("/auth/account").status_code == 200  # the web session is untouched
    assert not any(d.startswith("token_malformed") for _o, _u, d in token_events(api))


def _enrol_mfa(app, username):
    with app.app_context():
        u = user(username)
        u.totp_secret_enc = encrypt("totp", "JBSWY3DPEHPK3PXP")
        u.mfa_enrolled_at = START
        db.session.commit()


def test_privileged_tokens_need_mfa_when_it_is_required(api):
    _id, reviewer = make(api, "chengdu_reviewer")
    _id, clerk = make(api, "school_clerk")
    client = api.test_client()
    assert client.get(WHOAMI, headers=bearer(reviewer)).status_code == 200
    api.config["REQUIRE_MFA"] = True
    assert client.get(WHOAMI, headers=bearer(reviewer)).status_code == 401
    assert token_events(api)[-1] == ("refused", "chengdu_reviewer",
                                     f"token_mfa_required|{reviewer[3:11]}")  # fmt: skip
    assert client.get(WHOAMI, headers=bearer(clerk)).status_code == 200  # not privileged
    _enrol_mfa(api, "chengdu_reviewer")
    assert client.get(WHOAMI, headers=bearer(reviewer)).status_code == 200


@pytest.mark.config(REQUIRE_MFA=True)
def test_no_token_for_a_privileged_user_without_mfa(api):
    refused = run(api, "create", "--username", "chengdu_reviewer")
    assert refused.exit_code != 0 and "two-factor" in refused.output
    assert not TOKEN_RE.search(refused.output)
    assert token_events(api) == [
        ("refused", "chengdu_reviewer", "token_create_refused|mfa_required")
    ]
    _enrol_mfa(api, "chengdu_reviewer")
    created = run(api, "create", "--username", "chengdu_reviewer")
    assert created.exit_code == 0
    plaintext = created.stdout.strip()
    assert api.test_client().get(WHOAMI, headers=bearer(plaintext)).status_code == 200


def test_last_used_is_written_at_most_once_a_minute(api):
    def last_used():
        with api.app_context():
            return db.session.get(ApiToken, token_id).last_used_at

    with time_machine.travel(START, tick=False) as traveller:
        token_id, plaintext = make(api)
        client = api.test_client()
        assert last_used() is None
        client.get(WHOAMI, headers=bearer(plaintext))
        assert last_used() == START
        traveller.shift(timedelta(seconds=59))
        client.get(WHOAMI, headers=bearer(plaintext))
        assert last_used() == START
        traveller.shift(timedelta(seconds=1))
        client.get(WHOAMI, headers=bearer(plaintext))
        assert last_used() == START + timedelta(seconds=60)
    assert token_events(api) == [token_events(api)[0]]  # successful uses are not events


def test_rate_limit_key_is_the_token_or_the_address(api):
    token_id, plaintext = make(api)
    ip = {"REMOTE_ADDR": "10.1.2.3"}
    with api.test_request_context(WHOAMI, headers=bearer(plaintext), environ_base=ip):
        assert rate_limit_key() == f"token:{token_id}"
    with api.test_request_context(WHOAMI, environ_base=ip):
        assert rate_limit_key() == "10.1.2.3"
    with api.test_request_context("/", headers=bearer(plaintext), environ_base=ip):
        assert rate_limit_key() == "10.1.2.3"


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_each_token_has_its_own_rate_limit(api):
    _id, first = make(api)
    _id, second = make(api, "chengdu_reviewer")
    client = api.test_client()
    for _ in range(2):
        assert client.get("/api/v1/_limited", headers=bearer(first)).status_code == 200
    limited = client.get("/api/v1/_limited", headers=bearer(first))
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/_limited", headers=bearer(second)).status_code == 200


def test_the_profile_page_creates_shows_once_and_revokes(api):
    client = api.test_client()
    login(client, "school_clerk")
    assert 'href="/auth/tokens"' in client.get("/auth/account").get_data(as_text=True)
    page = client.get("/auth/tokens").get_data(as_text=True)
    assert 'name="expires_days"' in page and 'value="90"' in page
    created = post_form(client, "/auth/tokens", {"name": "导出脚本", "expires_days": "30"})
    html = created.get_data(as_text=True)
    assert created.status_code == 200
    (plaintext,) = TOKEN_RE.findall(html)
    cookies = " ".join(created.headers.getlist("Set-Cookie"))
    assert plaintext not in cookies and plaintext[12:] not in cookies
    again = client.get("/auth/tokens").get_data(as_text=True)
    assert "导出脚本" in again and plaintext[:11] in again and plaintext not in again
    assert client.get(WHOAMI).status_code == 401  # the page's own cookie is no API credential
    assert client.get(WHOAMI, headers=bearer(plaintext)).status_code == 200
    with api.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.name == "导出脚本"
        assert token.expires_at - token.created_at == timedelta(days=30)
        token_id = token.id
    assert token_events(api)[0][2].startswith(f"token_created|{plaintext[3:11]}|")

    csrf = csrf_from(again)
    assert client.post(f"/auth/tokens/{token_id}/revoke").status_code == 400  # no CSRF token
    done = client.post(f"/auth/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert done.status_code == 302 and done.headers["Location"] == "/auth/tokens"
    assert client.get(WHOAMI, headers=bearer(plaintext)).status_code == 401
    with api.app_context():
        token = db.session.get(ApiToken, token_id)
        assert token.revoked_by.username == "school_clerk"
    assert ("info", "school_clerk", f"token_revoked|{plaintext[3:11]}") in token_events(api)


@pytest.mark.parametrize("days", ["0", "366", "abc"])
def test_the_page_rejects_bad_expiry_and_creates_nothing(api, days):
    client = api.test_client()
    login(client, "school_clerk")
    response = post_form(client, "/auth/tokens", {"name": "x", "expires_days": days})
    assert response.status_code == 422 and not TOKEN_RE.search(response.get_data(as_text=True))
    with api.app_context():
        assert db.session.scalar(select(sa.func.count(ApiToken.id))) == 0


def test_nobody_revokes_another_users_token(api):
    token_id, plaintext = make(api, "chengdu_reviewer")
    client = api.test_client()
    login(client, "school_clerk")
    page = client.get("/auth/tokens").get_data(as_text=True)
    assert plaintext[:11] not in page
    csrf = get_csrf(client, "/auth/tokens")
    response = client.post(f"/auth/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 404
    assert api.test_client().get(WHOAMI, headers=bearer(plaintext)).status_code == 200


def test_the_command_line_creates_lists_and_revokes(api):
    created = run(api, "create", "--username", "school_clerk", "--expires-days", "7",
                  "--name", "nightly")  # fmt: skip
    assert created.exit_code == 0, created.output
    plaintext = created.stdout.strip()
    assert TOKEN_RE.fullmatch(plaintext) and "will not be shown again" in created.stderr
    listed = run(api, "list", "--username", "school_clerk")
    assert listed.exit_code == 0 and plaintext[:11] in listed.output
    assert plaintext not in listed.output
    assert "nightly" in listed.output and "active" in listed.output
    with api.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert run(api, "revoke", "--id", str(token_id)).exit_code == 0
    assert "already" in run(api, "revoke", "--id", str(token_id)).output
    assert "revoked" in run(api, "list", "--username", "school_clerk").output
    assert api.test_client().get(WHOAMI, headers=bearer(plaintext)).status_code == 401
    assert ("info", "school_clerk", f"token_revoked_cli|{plaintext[3:11]}") in token_events(api)


def test_the_command_line_refuses_bad_requests(api):
    with api.app_context():
        user("school_clerk").disabled = True
        db.session.commit()
    for args in (["create", "--username", "nobody"], ["create", "--username", "school_clerk"],
                 ["create", "--username", "leader", "--expires-days", "366"],
                 ["revoke", "--id", "999"], ["list", "--username", "nobody"]):  # fmt: skip
        result = run(api, *args)
        assert result.exit_code != 0 and not TOKEN_RE.search(result.output), args
        assert "Error" in result.output, args
    assert run(api, "create", "--help").exit_code == 0


def test_the_sign_in_log_names_token_events(api):
    _id, plaintext = make(api)
    api.test_client().get(WHOAMI, headers=bearer("cf_zzzzzzzz" + plaintext[11:]))
    client = api.test_client()
    client.get("/lang/en")
    login(client, "auditor")
    html = client.get("/audit/auth-events?kind=token").get_data(as_text=True)
    assert f"token cf_{plaintext[3:11]}_… created from the command line, valid until" in html
    assert "unknown token cf_zzzzzzzz_…" in html
