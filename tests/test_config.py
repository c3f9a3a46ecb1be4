import os
import stat

import pytest

from caseflow import create_app
from config import ConfigError, ProductionConfig, load_config

GOOD_KEY = "k" * 40
PROD_ENV = {
    "CASEFLOW_CONFIG": "production",
    "CASEFLOW_SECRET_KEY": GOOD_KEY,
    "CASEFLOW_DATA_KEY": GOOD_KEY,
    "CASEFLOW_AUDIT_KEY": GOOD_KEY,
    "CASEFLOW_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:5432/x",
    "CASEFLOW_REDIS_URL": "redis://127.0.0.1:6379/0",
}


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("CASEFLOW_"):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize(
    "missing",
    ["CASEFLOW_SECRET_KEY", "CASEFLOW_DATA_KEY", "CASEFLOW_AUDIT_KEY", "CASEFLOW_DATABASE_URL"],
)
def test_production_refuses_to_start_without_each_key(clean_env, missing):
    for name, value in PROD_ENV.items():
        if name != missing:
            clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=missing):
        create_app()


def test_production_refuses_short_keys(clean_env):
    for name, value in PROD_ENV.items():
        clean_env.setenv(name, value)
    clean_env.setenv("CASEFLOW_DATA_KEY", "short")
    with pytest.raises(ConfigError, match="CASEFLOW_DATA_KEY must be at least 32"):
        ProductionConfig()


def test_production_requires_postgres_and_redis(clean_env):
    for name, value in PROD_ENV.items():
        clean_env.setenv(name, value)
    clean_env.setenv("CASEFLOW_DATABASE_URL", "sqlite:///x.db")
    clean_env.delenv("CASEFLOW_REDIS_URL")
    with pytest.raises(ConfigError) as info:
        create_app()
    assert "postgresql" in str(info.value)
    assert "CASEFLOW_REDIS_URL" in str(info.value)


def test_production_defaults_are_strict(clean_env):
    for name, value in PROD_ENV.items():
        clean_env.setenv(name, value)
    app = create_app()
    assert app.config["REQUIRE_MFA"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["HSTS"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_embedded_generates_keys_once_with_private_permissions(clean_env, tmp_path):
    clean_env.setenv("CASEFLOW_INSTANCE_DIR", str(tmp_path))
    first = load_config("embedded")
    second = load_config("embedded")
    assert first.SECRET_KEY == second.SECRET_KEY
    assert len({first.SECRET_KEY, first.DATA_KEY, first.AUDIT_KEY}) == 3
    for name in ("secret_key", "data_key", "audit_key"):
        mode = stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))
    assert f"sqlite:///{tmp_path / 'caseflow.db'}" == first.SQLALCHEMY_DATABASE_URI
    assert first.REDIS_URL is None
    assert first.REQUIRE_MFA is False


def test_environment_overrides(clean_env, tmp_path):
    clean_env.setenv("CASEFLOW_INSTANCE_DIR", str(tmp_path))
    clean_env.setenv("CASEFLOW_SESSION_IDLE_MINUTES", "10")
    clean_env.setenv("CASEFLOW_PASSWORD_PROFILE", "asvs")
    clean_env.setenv("CASEFLOW_REQUIRE_MFA", "on")
    cfg = load_config()
    assert (cfg.SESSION_IDLE_MINUTES, cfg.PASSWORD_PROFILE, cfg.REQUIRE_MFA) == (10, "asvs", True)


def test_bad_values_are_named(clean_env, tmp_path):
    clean_env.setenv("CASEFLOW_INSTANCE_DIR", str(tmp_path))
    clean_env.setenv("CASEFLOW_LOCKOUT_THRESHOLD", "five")
    with pytest.raises(ConfigError, match="CASEFLOW_LOCKOUT_THRESHOLD"):
        load_config()
    clean_env.delenv("CASEFLOW_LOCKOUT_THRESHOLD")
    clean_env.setenv("CASEFLOW_PASSWORD_PROFILE", "weak")
    with pytest.raises(ConfigError, match="CASEFLOW_PASSWORD_PROFILE"):
        create_app()
    with pytest.raises(ConfigError, match="CASEFLOW_CONFIG"):
        load_config("staging")
