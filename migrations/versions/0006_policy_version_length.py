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


def upgrade():
    for table in ("cases", "case_events"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("policy_version", existing_type=sa.String(length=80),
                                  type_=sa.String(length=400), existing_nullable=True)  # fmt: skip


def downgrade():
    for table in ("cases", "case_events"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("policy_version", existing_type=sa.String(length=400),
                                  type_=sa.String(length=80), existing_nullable=True)  # fmt: skip
