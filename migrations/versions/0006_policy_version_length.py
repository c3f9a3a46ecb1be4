"""Room for policy snapshot ids: a case stamps every policy its workflow declares
(``school_standards@2012-1+expert_scoring@2024-1+…``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# SQLite rebuilds a table to alter a column, which drops its triggers: case_events must stay
# append-only, so its triggers (from 0002) are created again after the rebuild.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
       BEGIN SELECT RAISE(ABORT, 'case_events are append-only'); END""",
    """CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
       BEGIN SELECT RAISE(ABORT, 'case_events are append-only'); END""",
)


def _resize(old: int, new: int) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("cases", "case_events"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("policy_version", existing_type=sa.String(length=old),
                                  type_=sa.String(length=new), existing_nullable=True)  # fmt: skip
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"))


def upgrade():
    _resize(80, 400)


def downgrade():
    _resize(400, 80)
