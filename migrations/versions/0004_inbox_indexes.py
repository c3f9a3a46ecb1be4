"""Inbox indexes: a holder's open tasks by due date, and a partial index for the unclaimed queue
(see bench/inbox_plan.py and docs/benchmarks.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNCLAIMED = "status = 'open' AND mode = 'single' AND assignee_id IS NULL AND claimed_by_id IS NULL"


def upgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_assignee")
        batch_op.drop_index("ix_tasks_claimed")
        batch_op.create_index("ix_tasks_assignee", ["assignee_id", "status", "due_on"])
        batch_op.create_index("ix_tasks_claimed", ["claimed_by_id", "status", "due_on"])
    op.create_index("ix_tasks_unclaimed", "tasks", ["role", "region_code", "due_on", "id"],
                    postgresql_where=sa.text(UNCLAIMED), sqlite_where=sa.text(UNCLAIMED))  # fmt: skip


def downgrade():
    op.drop_index("ix_tasks_unclaimed", table_name="tasks")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_claimed")
        batch_op.drop_index("ix_tasks_assignee")
        batch_op.create_index("ix_tasks_claimed", ["claimed_by_id", "status"])
        batch_op.create_index("ix_tasks_assignee", ["assignee_id", "status"])
