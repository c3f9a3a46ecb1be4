"""Configuration for caseflow, read from ``CASEFLOW_*`` environment variables.

Three profiles, chosen with ``CASEFLOW_CONFIG`` (``embedded`` by default):

* ``embedded`` — the two-command setup: SQLite under ``instance/``, background jobs in-process,
  keys generated once into ``instance/keys/`` (mode 0600), MFA off.
* ``test`` — used by the test suite; fixed throw-away keys, fast password hashing.
* ``production`` — PostgreSQL + Redis; refuses to start unless every secret is given.

This module holds infrastructure settings only. Workflow rules and policy numbers live in
``caseflow/workflows/`` and ``caseflow/policy/``, never here.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
KEY_NAMES = ("SECRET_KEY", "DATA_KEY", "AUDIT_KEY")


class ConfigError(RuntimeError):
    """Raised when the configuration cannot be used; the message names what is wrong."""


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"CASEFLOW_{name}")
    return default if value in (None, "") else value


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"CASEFLOW_{name} must be an integer, got {value!r}") from exc


def instance_dir() -> Path:
    return Path(env("INSTANCE_DIR", str(BASE_DIR / "instance")))


def load_or_create_key(name: str, directory: Path) -> str:
    """Return the key ``name`` from the environment, or from ``directory``, creating it once.

    Generated keys are written with mode 0600 so only the service account can read them.
    """
    from_env = env(name)
    if from_env:
        return from_env
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    path = directory / name.lower()
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value


class Config:
    """Embedded default: everything on one machine, nothing else to install."""

    NAME = "embedded"
    DEBUG = False
    TESTING = False

    def __init__(self) -> None:
        inst = instance_dir()
        self.INSTANCE_DIR = str(inst)
        self.SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{inst / 'caseflow.db'}")
        self.REDIS_URL = env("REDIS_URL")
        self.UPLOAD_FOLDER = env("UPLOAD_FOLDER", str(inst / "uploads"))
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_MB", 25) * 1024 * 1024
        self.MAX_ATTACHMENT_MB = env_int("MAX_ATTACHMENT_MB", 20)
        # The sample workflow (测试许可) for the demo and tests; off in production unless asked.
        self.SAMPLE_WORKFLOW = env_bool("SAMPLE_WORKFLOW", self.NAME != "production")

        # Mail: e-mail is sent only when a host is configured.
        self.MAIL_HOST = env("MAIL_HOST")
        self.MAIL_PORT = env_int("MAIL_PORT", 587)
        self.MAIL_USERNAME = env("MAIL_USERNAME")
        self.MAIL_PASSWORD = env("MAIL_PASSWORD")
        self.MAIL_STARTTLS = env_bool("MAIL_STARTTLS", True)
        self.MAIL_FROM = env("MAIL_FROM", "caseflow@localhost")

        # Authentication and sessions.
        self.REQUIRE_MFA = env_bool("REQUIRE_MFA", self.default_require_mfa())
        self.PASSWORD_PROFILE = env("PASSWORD_PROFILE", "dengbao")
        self.LOCKOUT_THRESHOLD = env_int("LOCKOUT_THRESHOLD", 5)
        self.LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 15)
        self.SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
        self.SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=self.SESSION_ABSOLUTE_HOURS)
        self.SESSION_COOKIE_NAME = "caseflow_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", self.default_secure_cookies())
        self.REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
        self.HSTS = env_bool("HSTS", self.default_secure_cookies())
        # Argon2id parameters (RFC 9106 second recommended option by default).
        self.ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
        self.ARGON2_MEMORY_KIB = env_int("ARGON2_MEMORY_KIB", 64 * 1024)
        self.ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 2)

        self.WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the session
        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
        self.LANGUAGES = ("zh_CN", "en")
        # Rate-limit counters: shared in Redis when there is one, per process otherwise.
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URL", self.REDIS_URL or "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        # API rate limits: per personal access token, and per client address.
        self.API_RATE_LIMIT = env("API_RATE_LIMIT", "120 per minute")
        self.API_IP_RATE_LIMIT = env("API_IP_RATE_LIMIT", "600 per minute")
        # Behind a reverse proxy: trust this many X-Forwarded-For/-Proto hops (0 = no proxy), so
        # rate limits and the sign-in log see the client's address, not the proxy's.
        self.PROXY_HOPS = env_int("PROXY_HOPS", 0)

        self.load_keys()

    def default_require_mfa(self) -> bool:
        return False

    def default_secure_cookies(self) -> bool:
        return False

    def load_keys(self) -> None:
        keys_dir = Path(self.INSTANCE_DIR) / "keys"
        for name in KEY_NAMES:
            setattr(self, name, load_or_create_key(name, keys_dir))

    def validate(self) -> list[str]:
        """Return a list of problems; empty when the configuration is usable."""
        problems = []
        if self.PASSWORD_PROFILE not in ("dengbao", "asvs"):
            problems.append(
                "CASEFLOW_PASSWORD_PROFILE must be 'dengbao' or 'asvs', "
                f"got {self.PASSWORD_PROFILE!r}"
            )
        uri = self.SQLALCHEMY_DATABASE_URI
        if not (uri.startswith("sqlite:") or uri.startswith("postgresql")):
            problems.append("CASEFLOW_DATABASE_URL must be sqlite:// or postgresql+psycopg://")
        return problems


class TestConfig(Config):
    """Used by the test suite: throw-away keys and cheap password hashing."""

    NAME = "test"
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", "sqlite://")
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_KIB = 8
        self.ARGON2_PARALLELISM = 1
        self.RATELIMIT_ENABLED = False

    def load_keys(self) -> None:
        for name in KEY_NAMES:
            setattr(self, name, env(name) or f"test-{name.lower()}-not-secret-0123456789abcdef")


class ProductionConfig(Config):
    """PostgreSQL + Redis + gunicorn + RQ workers. Every secret must come from the environment."""

    NAME = "production"

    def default_require_mfa(self) -> bool:
        return True

    def default_secure_cookies(self) -> bool:
        return True

    def load_keys(self) -> None:
        missing = [f"CASEFLOW_{name}" for name in KEY_NAMES if not env(name)]
        if not env("DATABASE_URL"):
            missing.append("CASEFLOW_DATABASE_URL")
        if missing:
            raise ConfigError(
                "production configuration refuses to start: missing " + ", ".join(missing)
            )
        for name in KEY_NAMES:
            value = env(name)
            if len(value) < 32:
                raise ConfigError(f"CASEFLOW_{name} must be at least 32 characters long")
            setattr(self, name, value)

    def validate(self) -> list[str]:
        problems = super().validate()
        if not self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            problems.append("production needs CASEFLOW_DATABASE_URL=postgresql+psycopg://…")
        if not self.REDIS_URL:
            problems.append("production needs CASEFLOW_REDIS_URL=redis://…")
        return problems


PROFILES = {"embedded": Config, "test": TestConfig, "production": ProductionConfig}


def load_config(name: str | None = None) -> Config:
    name = name or env("CONFIG", "embedded")
    try:
        cls = PROFILES[name]
    except KeyError as exc:
        raise ConfigError(
            f"CASEFLOW_CONFIG must be one of {', '.join(PROFILES)}, got {name!r}"
        ) from exc
    return cls()
