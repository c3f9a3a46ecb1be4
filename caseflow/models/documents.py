"""Numbered official documents (文书): acceptance and supplement notices, decisions, replies."""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow


class DocumentCounter(db.Model):
    """The last number issued in a series for a year. Incremented with
    ``UPDATE … SET last = last + 1`` in the issuing transaction, so numbers never repeat or skip."""

    __tablename__ = "document_counters"

    series = db.Column(db.String(40), primary_key=True)
    year = db.Column(db.Integer, primary_key=True)
    last = db.Column(db.Integer, nullable=False, default=0)


class Document(db.Model):
    """An issued document. ``content`` is the snapshot it was issued with: re-rendering it later
    gives the same text even when the case has changed since."""

    __tablename__ = "documents"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    kind = db.Column(db.String(40), nullable=False)
    series = db.Column(db.String(40), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    seq = db.Column(db.Integer, nullable=False)
    number = db.Column(db.String(80), nullable=False, unique=True)
    content = db.Column(db.JSON, nullable=False, default=dict)
    issued_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    issued_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    event_seq = db.Column(db.Integer, nullable=True)  # the case event that issued it

    case = db.relationship("Case")

    __table_args__ = (
        db.UniqueConstraint("series", "year", "seq", name="uq_documents_series_year_seq"),
    )
