"""GET /healthz."""

import pytest

from tests.services import require_redis


def test_health_ok_inline(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["jobs"] == "inline"
    assert body["version"]


@pytest.mark.redis
def test_health_with_real_redis(app):
    app.config["REDIS_URL"] = require_redis()
    body = app.test_client().get("/healthz").get_json()
    assert body == {**body, "status": "ok", "jobs": "ok"}


@pytest.mark.config(REDIS_URL="redis://127.0.0.1:1/0")
def test_health_degraded_when_redis_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["jobs"] == "down"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_health_503_when_the_database_is_down(tmp_path, backend):
    from tests.conftest import make_app

    missing_dir = tmp_path / "no" / "such" / "dir"
    app = make_app(f"sqlite:///{missing_dir / 'x.db'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"
