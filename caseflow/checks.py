"""``caseflow check``: configuration, workflow definitions, database and migration state."""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from caseflow.extensions import db


def migration_heads() -> tuple[set[str], set[str]]:
    """Return (heads in the scripts, revisions applied to the database)."""
    migrate_ext = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate_ext.migrate.get_config(migrate_ext.directory))
    with db.engine.connect() as conn:
        applied = set(MigrationContext.configure(conn).get_current_heads())
    return set(script.get_heads()), applied


def run_checks() -> list[str]:
    from caseflow.workflows import registry

    problems = [f"workflow definition: {p}" for p in registry.validate()]
    cfg = current_app.config
    for key in ("SECRET_KEY", "DATA_KEY", "AUDIT_KEY"):
        if len(cfg.get(key) or "") < 32:
            problems.append(f"CASEFLOW_{key} is missing or shorter than 32 characters")
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # report any driver error in words
        problems.append(f"database unreachable: {exc.__class__.__name__}: {exc}")
        return problems
    heads, applied = migration_heads()
    if applied != heads:
        problems.append(
            "database is not at the migration head "
            f"(database: {', '.join(sorted(applied)) or 'empty'}; "
            f"code: {', '.join(sorted(heads))}); run `flask --app wsgi db upgrade`"
        )
    return problems
