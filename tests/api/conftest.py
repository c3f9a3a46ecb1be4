"""API test fixtures: a client that sends a real personal access token (made with
``caseflow.api.tokens.create_token``), and helpers to drive demo cases through the engine."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import Case, User

API = "/api/v1"


class ApiClient:
    """A test client that authenticates every request with ``Authorization: Bearer …``."""

    def __init__(self, app, token: str | None, lang: str | None = None):
        self.app = app
        self.client = app.test_client()
        self.token = token
        self.lang = lang

    def open(self, method: str, path: str, *, headers=None, **kwargs):
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        if self.lang:
            sent.setdefault("Accept-Language", self.lang)
        url = path if path.startswith("/api/") else API + path
        return self.client.open(url, method=method, headers=sent, **kwargs)

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.open("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.open("PATCH", path, **kwargs)


def make_token(app, username: str) -> str:
    from caseflow.api.tokens import create_token

    with app.app_context():
        person = db.session.scalar(select(User).where(User.username == username))
        _token, plaintext = create_token(person, name=f"tests {username}")
        db.session.commit()
    return plaintext


@pytest.fixture
def demo(demo, tmp_path):
    """The demo app, storing uploads in the test's own folder."""
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return demo


@pytest.fixture
def api_client(demo):
    """``api_client(username, lang=None)``: a client with a fresh token of that demo user;
    ``api_client(None)`` sends no token."""
    made: dict[str, str] = {}

    def make(username: str | None, lang: str | None = "en") -> ApiClient:
        if username is None:
            return ApiClient(demo, None, lang)
        if username not in made:
            made[username] = make_token(demo, username)
        return ApiClient(demo, made[username], lang)

    return make


@pytest.fixture
def file_case(api_client):
    """``file_case(amount=1000, username="school_clerk", **data)``: a draft filed through the
    API; returns the response body."""

    def make(amount: int = 1000, username: str = "school_clerk", **data) -> dict:
        client = api_client(username)
        body = {"workflow": "test_permit", "kind": "standard", "data": {"amount": amount, **data}}
        response = client.post("/cases", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def case_at(demo):
    """``case_at(state, amount=1000)``: the reference of a sample case of school_clerk
    (Chengdu) driven to ``state`` through the engine (tests.workflows.conftest.drive)."""
    from tests.workflows.conftest import drive, new_case

    def make(state: str = "draft", amount: int = 1000) -> str:
        with demo.app_context():
            return drive(new_case(amount), state).reference

    return make


def in_app(app, fn):
    """``fn()``'s result, computed in an app context."""
    with app.app_context():
        return fn()


def case_row(reference: str) -> Case:
    return db.session.scalar(select(Case).where(Case.reference == reference))


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The response is an RFC 9457 problem with this status (and refusal code)."""
    assert response.status_code == status, (response.status_code, response.get_data(True))
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    if code is not None:
        assert body.get("code") == code, body
    return body
