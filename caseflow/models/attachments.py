"""Attachments (附件): files stored by SHA-256 outside the web root, typed per workflow."""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow


class Attachment(db.Model):
    """One uploaded file of a case. A new upload of the same type supersedes the current one;
    the old row stays (history), with ``superseded_by_id`` set."""

    __tablename__ = "attachments"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False)
    type = db.Column(db.String(40), nullable=False)  # attachment type key of the workflow
    filename = db.Column(db.String(200), nullable=False)  # the uploader's name, sanitised
    content_type = db.Column(db.String(100), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    uploaded_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    superseded_by_id = db.Column(db.Integer, db.ForeignKey("attachments.id"), nullable=True)
    superseded_at = db.Column(UTCDateTime(), nullable=True)

    uploaded_by = db.relationship("User")

    __table_args__ = (db.Index("ix_attachments_case", "case_id", "type", "superseded_by_id"),)

    @property
    def current(self) -> bool:
        return self.superseded_by_id is None
