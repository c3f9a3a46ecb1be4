"""Every migration upgrades and downgrades, on SQLite and PostgreSQL, and matches the models."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from caseflow.extensions import db
from tests.conftest import make_app, worker_id
from tests.services import fresh_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    return fresh_pg_database(f"caseflow_migrations_{worker_id()}")


def tables(app) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(fresh_url):
    app = make_app(fresh_url)
    with app.app_context():
        upgrade()
        assert {"regions", "organisations", "users", "role_assignments"} <= tables(app)
        with db.engine.connect() as conn:
            regions = conn.execute(sa.text("SELECT code, level FROM regions")).all()
        assert len(regions) == 22
        assert ("510000", "province") in regions and ("510100", "city") in regions
        downgrade(revision="base")
        assert tables(app) == set()
        upgrade()
        assert "users" in tables(app)
        db.engine.dispose()


def test_each_revision_steps_down_and_up(fresh_url):
    from alembic.script import ScriptDirectory

    app = make_app(fresh_url)
    with app.app_context():
        migrate_ext = app.extensions["migrate"]
        script = ScriptDirectory.from_config(migrate_ext.migrate.get_config(migrate_ext.directory))
        revisions = [r.revision for r in script.walk_revisions("base", "heads")]
        upgrade()
        for _ in revisions:
            downgrade(revision="-1")
        assert tables(app) == set()
        for _ in revisions:
            upgrade(revision="+1")
        db.engine.dispose()


def test_models_match_migrations(fresh_url):
    app = make_app(fresh_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == [], "models and migrations differ; write a migration:\n" + "\n".join(
        map(str, diff)
    )
