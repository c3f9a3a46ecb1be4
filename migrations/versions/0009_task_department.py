"""Tasks routed to a provincial industry department: a first review of a school that such a
department supervises waits in the department's pool (tasks.organisation_id) instead of a
city's (see the ``supervisor_or_region`` scope rule).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_tasks_organisation_id_organisations", "organisations", ["organisation_id"], ["id"]
        )
        batch_op.create_index("ix_tasks_department", ["organisation_id", "status"])


def downgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_department")
        batch_op.drop_constraint("fk_tasks_organisation_id_organisations", type_="foreignkey")
        batch_op.drop_column("organisation_id")
