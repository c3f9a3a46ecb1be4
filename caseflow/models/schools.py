"""The public school registry (技工院校名录): the schools approved through Workflow A, and the
append-only history of every change a filed case made to them.

A ``School`` is written by the effect ``se_register_school`` when a school case is filed
(``caseflow/workflows/school_registry.py``): a new school, an upgrade (its tier and name change)
or a branch (a new school whose ``parent_id`` is the school that runs it). Each change appends a
``SchoolRecord``; records are never changed or deleted (database triggers, migration 0008), and
one case makes at most one record (``uq_school_records_case_id``), so a retried effect cannot
register a school twice.
"""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow

SCHOOL_STATUSES = ("active", "closed")
# established — a new school; upgraded — a new tier (and name); branch_established — a branch;
# registered — a school taken into the registry from the organisation records, without a case.
CHANGE_KINDS = ("established", "upgraded", "branch_established", "registered")
_TIERS = "'technical_school', 'senior_technical_school', 'technician_college'"


class School(db.Model):
    __tablename__ = "schools"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    tier = db.Column(db.String(30), nullable=False)
    ownership = db.Column(db.String(20), nullable=True)
    region_code = db.Column(db.String(6), db.ForeignKey("regions.code"), nullable=False)
    address = db.Column(db.String(300), nullable=True)
    # The school that runs this one (a branch), or the school it was taken over from.
    parent_id = db.Column(db.Integer, db.ForeignKey("schools.id"), nullable=True, index=True)
    # The school's own organisation (its applicant accounts), when it has one; a branch has none.
    organisation_id = db.Column(
        db.Integer, db.ForeignKey("organisations.id"), nullable=True, unique=True
    )
    sponsor = db.Column(db.String(200), nullable=True)
    approval_document = db.Column(db.String(80), nullable=True)  # the 批复's number
    approved_on = db.Column(db.Date, nullable=True)
    government_reply = db.Column(db.String(80), nullable=True)  # 省政府复函 (技师学院)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=True)  # last change
    status = db.Column(db.String(10), nullable=False, default="active")
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)

    region = db.relationship("Region")
    organisation = db.relationship("Organisation")
    parent = db.relationship("School", remote_side=[id], backref="children")
    records = db.relationship(
        "SchoolRecord", back_populates="school", order_by="SchoolRecord.id.desc()"
    )

    __table_args__ = (
        db.CheckConstraint(f"tier in ({_TIERS})", name="tier"),
        db.CheckConstraint(
            "ownership is null or ownership in ('public', 'private', 'enterprise')",
            name="ownership",
        ),
        db.CheckConstraint("status in ('active', 'closed')", name="status"),
        db.Index("ix_schools_listing", "status", "region_code", "name"),
    )

    def __repr__(self) -> str:
        return f"<School {self.id} {self.name}>"


class SchoolRecord(db.Model):
    """One change of a school in the registry. Append-only."""

    __tablename__ = "school_records"

    id = db.Column(db.Integer, primary_key=True)
    school_id = db.Column(db.Integer, db.ForeignKey("schools.id"), nullable=False, index=True)
    changed_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    change = db.Column(db.String(30), nullable=False)
    tier_before = db.Column(db.String(30), nullable=True)
    tier_after = db.Column(db.String(30), nullable=False)
    name_before = db.Column(db.String(200), nullable=True)
    name_after = db.Column(db.String(200), nullable=False)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=True, unique=True)
    document_number = db.Column(db.String(80), nullable=True)

    school = db.relationship("School", back_populates="records")
    case = db.relationship("Case")

    __table_args__ = (
        db.CheckConstraint(
            "change in ('established', 'upgraded', 'branch_established', 'registered')",
            name="change",
        ),
    )
