"""Cases (案件), their reference counters and licensing clocks.

Only ``caseflow.workflows.engine`` changes ``Case.state``; every change appends a ``CaseEvent``.
"""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow


class Case(db.Model):
    __tablename__ = "cases"

    id = db.Column(db.Integer, primary_key=True)
    reference = db.Column(db.String(40), nullable=False, unique=True)
    workflow = db.Column(db.String(40), nullable=False)
    kind = db.Column(db.String(40), nullable=False)
    state = db.Column(db.String(40), nullable=False)
    version = db.Column(db.Integer, nullable=False, default=1)
    applicant_org_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False)
    region_code = db.Column(db.String(6), db.ForeignKey("regions.code"), nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    data = db.Column(db.JSON, nullable=False, default=dict)
    policy_version = db.Column(db.String(400), nullable=True)
    # The event seq at which the case entered its current state (a "visit"): timers and tasks
    # set for an earlier visit of the same state are recognised as stale.
    entered_seq = db.Column(db.Integer, nullable=False, default=0)
    # The stage that returned the case for supplements; resubmission goes back there.
    returned_from = db.Column(db.String(40), nullable=True)
    # Head of the case's event hash chain, kept with the row so appends need no extra query.
    last_event_seq = db.Column(db.Integer, nullable=False, default=0)
    chain_head = db.Column(db.String(64), nullable=True)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    closed_at = db.Column(UTCDateTime(), nullable=True)

    applicant_org = db.relationship("Organisation")
    region = db.relationship("Region")
    created_by = db.relationship("User")

    __table_args__ = (
        db.Index("ix_cases_workflow_state", "workflow", "state"),
        db.Index("ix_cases_region_state", "region_code", "state"),
        db.Index("ix_cases_applicant_org", "applicant_org_id"),
        db.CheckConstraint("version >= 1", name="version_positive"),
    )

    # For caseflow.authz: a case belongs to its applicant organisation and its region.
    @property
    def organisation_id(self) -> int:
        return self.applicant_org_id

    @property
    def supervising_department_id(self) -> int | None:
        """The provincial industry department supervising the applicant (省级行业主管部门)."""
        org = self.applicant_org
        return org.supervising_department_id if org is not None else None

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.state} v{self.version}>"


class ReferenceCounter(db.Model):
    """Per (prefix, year, region) sequence for case references such as SE-2026-510100-0007."""

    __tablename__ = "reference_counters"

    prefix = db.Column(db.String(10), primary_key=True)
    year = db.Column(db.Integer, primary_key=True)
    region_code = db.Column(db.String(6), primary_key=True)
    value = db.Column(db.Integer, nullable=False, default=0)


class CaseClock(db.Model):
    """The licensing clock of a case (行政许可法 第42、45条), counted in working days."""

    __tablename__ = "case_clocks"

    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), primary_key=True)
    started_on = db.Column(db.Date, nullable=True)
    limit_days = db.Column(db.Integer, nullable=False)
    extended_days = db.Column(db.Integer, nullable=False, default=0)
    elapsed_days = db.Column(db.Integer, nullable=False, default=0)  # closed running periods
    running_since = db.Column(db.Date, nullable=True)  # None while paused or stopped
    stopped_on = db.Column(db.Date, nullable=True)
    calendar_version = db.Column(db.String(40), nullable=True)

    case = db.relationship("Case", backref=db.backref("clock", uselist=False))


class CaseParticipant(db.Model):
    """People assigned to a case for a stage (an expert panel, inspectors, added co-signers)."""

    __tablename__ = "case_participants"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    role = db.Column(db.String(30), nullable=False)
    stage = db.Column(db.String(40), nullable=False)
    assigned_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    assigned_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)

    user = db.relationship("User", foreign_keys=[user_id])

    __table_args__ = (
        db.UniqueConstraint("case_id", "user_id", "stage", name="uq_case_participants_person"),
    )


class ConflictDeclaration(db.Model):
    """A declared conflict of interest: the user never reviews cases of this organisation.

    Declared by the user or recorded for them (``declared_by``); never deleted — a withdrawal
    (with its reason) ends it and stays in the history (caseflow/review/conflicts.py)."""

    __tablename__ = "conflict_declarations"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False)
    reason = db.Column(db.String(255), nullable=True)
    declared_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    declared_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    withdrawn_at = db.Column(UTCDateTime(), nullable=True)
    withdrawn_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    withdrawal_reason = db.Column(db.String(255), nullable=True)

    user = db.relationship("User", foreign_keys=[user_id])
    organisation = db.relationship("Organisation")
    declared_by = db.relationship("User", foreign_keys=[declared_by_id])
    withdrawn_by = db.relationship("User", foreign_keys=[withdrawn_by_id])

    __table_args__ = (
        db.CheckConstraint(
            "(withdrawn_at is null and withdrawn_by_id is null and withdrawal_reason is null) or "
            "(withdrawn_at is not null and withdrawal_reason is not null)",
            name="withdrawal_complete",
        ),
    )

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class SupplementItem(db.Model):
    """One item of a supplement notice (补正, 一次性告知), answered by the applicant."""

    __tablename__ = "supplement_items"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    notice_seq = db.Column(db.Integer, nullable=False)  # the event that issued the notice
    stage = db.Column(db.String(40), nullable=False)  # the stage that returned the case
    position = db.Column(db.Integer, nullable=False)
    text = db.Column(db.Text, nullable=False)
    answer = db.Column(db.Text, nullable=True)
    answered_at = db.Column(UTCDateTime(), nullable=True)
    answered_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
