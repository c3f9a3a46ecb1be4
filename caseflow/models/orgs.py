"""Organisations (单位): schools, sponsors, enterprises, providers and departments."""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow

ORG_KINDS = (
    "school",
    "sponsor",
    "enterprise",
    "training_provider",
    "evaluation_body",
    "department",
)
SCHOOL_TIERS = ("technical_school", "senior_technical_school", "technician_college")
OWNERSHIPS = ("public", "private", "enterprise")


class Organisation(db.Model):
    __tablename__ = "organisations"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(30), nullable=False)
    name = db.Column(db.String(200), nullable=False)
    credit_code = db.Column(db.String(18), nullable=False, unique=True)
    region_code = db.Column(db.String(6), db.ForeignKey("regions.code"), nullable=False, index=True)
    tier = db.Column(db.String(30), nullable=True)
    ownership = db.Column(db.String(20), nullable=True)
    supervising_department_id = db.Column(
        db.Integer, db.ForeignKey("organisations.id"), nullable=True
    )
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)

    region = db.relationship("Region")
    supervising_department = db.relationship("Organisation", remote_side=[id])

    __table_args__ = (
        db.CheckConstraint(
            "kind in ('school', 'sponsor', 'enterprise', 'training_provider', "
            "'evaluation_body', 'department')",
            name="kind",
        ),
        db.CheckConstraint(
            "tier is null or tier in ('technical_school', 'senior_technical_school', "
            "'technician_college')",
            name="tier",
        ),
        db.CheckConstraint(
            "ownership is null or ownership in ('public', 'private', 'enterprise')",
            name="ownership",
        ),
        db.CheckConstraint("kind = 'school' or tier is null", name="tier_only_for_schools"),
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.credit_code} {self.name}>"
