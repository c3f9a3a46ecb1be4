"""Conflict declarations keep their history: who recorded one (the expert, or a province
reviewer or administrator for them) and its withdrawal (when, by whom, why) — a declaration
is never deleted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "conflict_declarations"
CHECK = "ck_conflict_declarations_withdrawal_complete"
DECLARED_BY = "fk_conflict_declarations_declared_by_id_users"
WITHDRAWN_BY = "fk_conflict_declarations_withdrawn_by_id_users"
WITHDRAWAL = (
    "(withdrawn_at is null and withdrawn_by_id is null and withdrawal_reason is null) or "
    "(withdrawn_at is not null and withdrawal_reason is not null)"
)


def upgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("declared_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_reason", sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(op.f(DECLARED_BY), "users", ["declared_by_id"], ["id"])
        batch_op.create_foreign_key(op.f(WITHDRAWN_BY), "users", ["withdrawn_by_id"], ["id"])
        batch_op.create_check_constraint(op.f(CHECK), WITHDRAWAL)


def downgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.drop_constraint(op.f(WITHDRAWN_BY), type_="foreignkey")
        batch_op.drop_constraint(op.f(DECLARED_BY), type_="foreignkey")
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("withdrawn_by_id")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("declared_by_id")
