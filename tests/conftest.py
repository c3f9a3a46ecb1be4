"""Fixtures. Every test that takes ``app`` runs twice: on SQLite and on PostgreSQL.

Each backend's schema is built once per test session by the real migrations; after each test the
tables are emptied (the regions loaded by the migration stay).
"""

import os

import pytest
import sqlalchemy as sa

from caseflow import create_app
from caseflow.extensions import db
from config import TestConfig
from tests.services import fresh_pg_database

BACKENDS = ("sqlite", "postgresql")
KEEP_TABLES = {"regions", "alembic_version"}


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def make_app(url: str, **overrides):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    for key, value in overrides.items():
        setattr(config, key, value)
    return create_app(config)


def migrate_up(url: str, revision: str = "head") -> None:
    from flask_migrate import upgrade

    app = make_app(url)
    with app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory):
    """URL of a database migrated to head, once per backend and test session.

    For SQLite this is a template file that each test copies (see ``database_url``).
    """
    cache: dict[str, str] = {}

    def get(backend: str) -> str:
        if backend not in cache:
            if backend == "sqlite":
                url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'template.db'}"
            else:
                url = fresh_pg_database(f"caseflow_test_{worker_id()}")
            migrate_up(url)
            cache[backend] = url
        return cache[backend]

    return get


@pytest.fixture
def database_url(backend, migrated_url, tmp_path):
    """A migrated, empty database for one test."""
    import shutil

    url = migrated_url(backend)
    if backend == "sqlite":
        copy = tmp_path / "caseflow.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    return url


def empty_tables(app) -> None:
    """Empty every table except the migration-loaded ones (PostgreSQL; SQLite copies a file).

    ``session_replication_role = replica`` lets the test harness past the append-only
    triggers on ``case_events``; the application itself can never do this.
    """
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
            with db.engine.begin() as conn:
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                names = ", ".join(f'"{name}"' for name in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(request, database_url):
    marker = request.node.get_closest_marker("config")
    overrides = marker.kwargs if marker else {}
    application = make_app(database_url, **overrides)
    yield application
    empty_tables(application)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo(app):
    """The demo organisations and users (password tests.helpers.DEMO_PASSWORD)."""
    from caseflow.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
    return app


def pytest_sessionfinish(session, exitstatus):
    from tests.services import drop_created_databases

    drop_created_databases()


def pytest_configure(config):
    config.addinivalue_line("markers", "config(**settings): override TestConfig settings")
    compile_catalogues()


def compile_catalogues() -> None:
    """Compile the message catalogues when a .po is newer than its .mo (as `make` would)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).parent.parent / "caseflow" / "translations").glob("*/*/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalogue = read_po(fh)
        with mo.open("wb") as fh:
            write_mo(fh, catalogue, use_fuzzy=True)


def pytest_terminal_summary(terminalreporter):
    """Print how many tests ran on each database backend, so the CI log shows PostgreSQL ran."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup"):
                continue
            if outcome == "passed" and report.when != "call":
                continue
            for backend in BACKENDS:
                if f"[{backend}" in report.nodeid or f"-{backend}" in report.nodeid:
                    per = counts.setdefault(backend, {})
                    per[outcome] = per.get(outcome, 0) + 1
    if counts:
        line = "; ".join(
            f"{backend}: " + ", ".join(f"{n} {k}" for k, n in sorted(per.items()))
            for backend, per in sorted(counts.items())
        )
        terminalreporter.write_line(f"database backends — {line}")
