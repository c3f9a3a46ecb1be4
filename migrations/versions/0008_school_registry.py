"""The public school registry (学校名录): schools approved through Workflow A and the
append-only history of their changes (school_records: no update, no delete).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TIERS = "'technical_school', 'senior_technical_school', 'technician_college'"
SQLITE_TRIGGERS = (
    """CREATE TRIGGER school_records_no_update BEFORE UPDATE ON school_records
       BEGIN SELECT RAISE(ABORT, 'school_records are append-only'); END""",
    """CREATE TRIGGER school_records_no_delete BEFORE DELETE ON school_records
       BEGIN SELECT RAISE(ABORT, 'school_records are append-only'); END""",
)
PG_TRIGGERS = (
    """CREATE FUNCTION school_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'school_records are append-only'; END $$""",
    """CREATE TRIGGER school_records_no_change BEFORE UPDATE OR DELETE ON school_records
       FOR EACH ROW EXECUTE FUNCTION school_records_append_only()""",
    """CREATE TRIGGER school_records_no_truncate BEFORE TRUNCATE ON school_records
       FOR EACH STATEMENT EXECUTE FUNCTION school_records_append_only()""",
)


def upgrade():
    op.create_table(
        "schools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=30), nullable=False),
        sa.Column("ownership", sa.String(length=20), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("sponsor", sa.String(length=200), nullable=True),
        sa.Column("approval_document", sa.String(length=80), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("government_reply", sa.String(length=80), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"tier in ({TIERS})", name="ck_schools_tier"),
        sa.CheckConstraint(
            "ownership is null or ownership in ('public', 'private', 'enterprise')",
            name="ck_schools_ownership",
        ),
        sa.CheckConstraint("status in ('active', 'closed')", name="ck_schools_status"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_schools_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_schools_organisation_id_organisations",
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["schools.id"], name="fk_schools_parent_id_schools"),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name="fk_schools_region_code_regions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_schools"),
        sa.UniqueConstraint("organisation_id", name="uq_schools_organisation_id"),
    )
    op.create_index("ix_schools_listing", "schools", ["status", "region_code", "name"])
    op.create_index("ix_schools_parent_id", "schools", ["parent_id"])
    op.create_table(
        "school_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("change", sa.String(length=30), nullable=False),
        sa.Column("tier_before", sa.String(length=30), nullable=True),
        sa.Column("tier_after", sa.String(length=30), nullable=False),
        sa.Column("name_before", sa.String(length=200), nullable=True),
        sa.Column("name_after", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("document_number", sa.String(length=80), nullable=True),
        sa.CheckConstraint(
            "change in ('established', 'upgraded', 'branch_established', 'registered')",
            name="ck_school_records_change",
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_school_records_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_school_records_school_id_schools"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_school_records"),
        sa.UniqueConstraint("case_id", name="uq_school_records_case_id"),
    )
    op.create_index("ix_school_records_school_id", "school_records", ["school_id"])
    dialect = op.get_bind().dialect.name
    for statement in PG_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS school_records_no_truncate ON school_records")
        op.execute("DROP TRIGGER IF EXISTS school_records_no_change ON school_records")
        op.execute("DROP FUNCTION IF EXISTS school_records_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS school_records_no_update")
        op.execute("DROP TRIGGER IF EXISTS school_records_no_delete")
    op.drop_index("ix_school_records_school_id", table_name="school_records")
    op.drop_table("school_records")
    op.drop_index("ix_schools_parent_id", table_name="schools")
    op.drop_index("ix_schools_listing", table_name="schools")
    op.drop_table("schools")
