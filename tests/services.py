"""Access to the real PostgreSQL and Redis services used by the suite.

With ``CI=true`` a missing service fails the run; on a laptop without them the tests skip with
the reason.
"""

import os

import pytest

PG_URL = os.environ.get("CASEFLOW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CASEFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_checked: dict[str, str | None] = {}


def unavailable(what: str, reason: str):
    message = f"{what} is not available ({reason})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(f"{message}; set it up or export CASEFLOW_TEST_PG_URL / CASEFLOW_TEST_REDIS_URL")


def require_postgres() -> str:
    if "pg" not in _checked:
        try:
            import sqlalchemy as sa

            engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
            _checked["pg"] = None
        except Exception as exc:  # any connection failure means "not available"
            _checked["pg"] = f"{PG_URL}: {exc.__class__.__name__}"
    if _checked["pg"]:
        unavailable("PostgreSQL", _checked["pg"])
    return PG_URL


def require_redis() -> str:
    if "redis" not in _checked:
        try:
            from redis import Redis

            Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
            _checked["redis"] = None
        except Exception as exc:  # any connection failure means "not available"
            _checked["redis"] = f"{REDIS_URL}: {exc.__class__.__name__}"
    if _checked["redis"]:
        unavailable("Redis", _checked["redis"])
    return REDIS_URL


_created: set[str] = set()


def fresh_pg_database(name: str) -> str:
    """(Re)create database ``name`` (made unique to this test process) and return its URL.

    The process id keeps two test runs on one machine (or a developer's run and CI) from
    dropping each other's databases; :func:`drop_created_databases` removes them at the end.
    """
    import sqlalchemy as sa

    name = f"{name}_{os.getpid()}"
    base = require_postgres()
    _created.add(name)
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_created_databases() -> None:
    if not _created:
        return
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for name in sorted(_created):
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
    _created.clear()
