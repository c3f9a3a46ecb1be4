"""The database refuses to change or remove audit events, whatever the application does."""

import pytest
import sqlalchemy as sa

from caseflow.audit.verify import verify_all
from caseflow.extensions import db
from tests.audit.conftest import EVENTS, event_rows


def snapshot(app, case_id):
    with app.app_context():
        with db.engine.connect() as conn:
            rows = [tuple(row) for row in event_rows(conn, case_id)]
        db.engine.dispose()
    return rows


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(EVENTS).values(comment="篡改"),
        sa.update(EVENTS).values(hash="0" * 64),
        sa.delete(EVENTS),
    ],
    ids=["update-comment", "update-hash", "delete"],
)
def test_update_and_delete_are_refused(chains, statement):
    app, case_id = chains.app, chains.ids["B"]
    before = snapshot(app, case_id)
    with app.app_context():
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(statement.where(EVENTS.c.case_id == case_id))
        # Through the ORM session too.
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(statement.where(EVENTS.c.case_id == case_id))
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert snapshot(app, case_id) == before
    with app.app_context():
        assert verify_all().ok


def test_truncate_is_refused(chains, backend):
    """TRUNCATE on PostgreSQL; on SQLite, DELETE without WHERE (its truncate optimisation is
    off when the table has triggers)."""
    app = chains.app
    before = snapshot(app, chains.ids["A"])
    statement = (
        "TRUNCATE case_events CASCADE" if backend == "postgresql" else "DELETE FROM case_events"
    )
    with app.app_context():
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(sa.text(statement))
        db.session.remove()
    assert snapshot(app, chains.ids["A"]) == before
    with app.app_context():
        result = verify_all()
        assert result.ok and result.events == chains.events
