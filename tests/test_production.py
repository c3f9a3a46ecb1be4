"""The production profile against the real PostgreSQL and Redis services."""

import pytest
from flask_migrate import upgrade

from caseflow import create_app
from caseflow.extensions import db
from tests.conftest import worker_id
from tests.services import fresh_pg_database, require_redis

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
KEY = "p" * 48


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith("CASEFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CASEFLOW_CONFIG", "production")
    monkeypatch.setenv("CASEFLOW_DATABASE_URL", fresh_pg_database(f"caseflow_prod_{worker_id()}"))
    monkeypatch.setenv("CASEFLOW_REDIS_URL", require_redis())
    monkeypatch.setenv("CASEFLOW_INSTANCE_DIR", str(tmp_path))
    for name in ("SECRET_KEY", "DATA_KEY", "AUDIT_KEY"):
        monkeypatch.setenv(f"CASEFLOW_{name}", KEY + name)
    return monkeypatch


def test_production_profile_serves_with_postgres_and_redis(production_env):
    app = create_app()
    assert app.config["CASEFLOW_PROFILE"] == "production"
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["caseflow", "check"])
        assert result.exit_code == 0, result.output
        refused = app.test_cli_runner().invoke(args=["caseflow", "seed-demo"])
        assert refused.exit_code != 0
    response = app.test_client().get("/healthz", base_url="https://caseflow.example")
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "jobs": "ok",
        "version": app.config["VERSION"],
    }
    assert "Strict-Transport-Security" in response.headers
    with app.app_context():
        db.engine.dispose()


def test_production_writes_no_keys_to_disk(production_env, tmp_path):
    create_app()
    assert not (tmp_path / "keys").exists()
