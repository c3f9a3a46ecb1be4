"""Public notices (公示) and the objections (异议) filed against them."""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow

NOTICE_STATUSES = ("open", "closed")
OBJECTION_STATUSES = ("open", "dismissed", "upheld")


class PublicNotice(db.Model):
    """A notice opened when a case enters a ``public`` state. ``content`` is the masked snapshot
    the public sees; nothing unmasked is ever stored here."""

    __tablename__ = "public_notices"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    state = db.Column(db.String(40), nullable=False)
    visit = db.Column(db.Integer, nullable=False)
    content = db.Column(db.JSON, nullable=False, default=dict)
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)  # the last working day of the period
    status = db.Column(db.String(10), nullable=False, default="open")
    opened_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    closed_at = db.Column(UTCDateTime(), nullable=True)

    case = db.relationship("Case")

    __table_args__ = (
        db.CheckConstraint("status in ('open', 'closed')", name="status"),
        db.Index("ix_public_notices_open", "status", "ends_on"),
    )


class Objection(db.Model):
    """An objection filed by anyone during a notice period. It opens a task for the reviewers the
    definition names; the notice's outcome waits until every objection is resolved."""

    __tablename__ = "objections"

    id = db.Column(db.Integer, primary_key=True)
    notice_id = db.Column(db.Integer, db.ForeignKey("public_notices.id"), nullable=False)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    name = db.Column(db.String(60), nullable=False)
    contact = db.Column(db.String(120), nullable=False)
    text = db.Column(db.Text, nullable=False)
    attachment_id = db.Column(db.Integer, db.ForeignKey("attachments.id"), nullable=True)
    filed_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    task_id = db.Column(db.Integer, db.ForeignKey("tasks.id"), nullable=True)
    status = db.Column(db.String(10), nullable=False, default="open")
    resolved_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    resolved_at = db.Column(UTCDateTime(), nullable=True)
    resolution = db.Column(db.Text, nullable=True)

    notice = db.relationship("PublicNotice", backref="objections")

    __table_args__ = (
        db.CheckConstraint("status in ('open', 'dismissed', 'upheld')", name="status"),
    )
