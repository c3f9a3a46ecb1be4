"""``caseflow check``: configuration, workflow definitions, policy data, database and migrations."""

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


def policy_problems() -> list[str]:
    """The policy files read afresh; workflows' declared policies exist, are in effect today and
    their snapshot id fits ``cases.policy_version``; the document series match the policy data."""
    from caseflow import policy
    from caseflow.documents.kinds import SERIES
    from caseflow.models import Case
    from caseflow.workflows import registry

    length = Case.__table__.c.policy_version.type.length
    found = policy.problems(policy.policy_dir(), registry.WORKFLOWS, on=policy.today(),
                            max_id_length=length)  # fmt: skip
    if found:
        return found
    policies = policy.reload(policy.policy_dir())  # valid: read above
    if "document_numbers" not in policies:
        return ["document_numbers.toml is missing (the document number patterns)"]
    try:
        version = policies["document_numbers"].version_on(policy.today())
    except policy.PolicyError as exc:
        return [str(exc)]
    patterns = {v.key: v.value for v in version.values.values()}
    problems = [f"document series {key!r} (caseflow/documents/kinds.py) has no pattern in "
                "document_numbers.toml" for key in SERIES if not patterns.get(key)]  # fmt: skip
    if len(set(patterns.values())) != len(patterns):
        problems.append("document_numbers.toml: two series share a number pattern")
    return problems


def run_checks() -> list[str]:
    from caseflow.workflows import registry

    problems = [f"workflow definition: {p}" for p in registry.validate()]
    problems += [f"policy data: {p}" for p in policy_problems()]
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
