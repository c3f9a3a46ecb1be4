"""Audit events (审计事件): append-only, hash-chained per case.

Database triggers refuse UPDATE and DELETE on ``case_events`` (see migration 0002).
"""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime


class CaseEvent(db.Model):
    __tablename__ = "case_events"

    id = db.Column(db.Integer, primary_key=True)  # the global sequence number
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False)
    seq = db.Column(db.Integer, nullable=False)  # per-case sequence number, from 1
    action = db.Column(db.String(40), nullable=False)
    from_state = db.Column(db.String(40), nullable=True)
    to_state = db.Column(db.String(40), nullable=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)  # None = system
    actor_name = db.Column(db.String(120), nullable=False)
    actor_role = db.Column(db.String(30), nullable=True)
    actor_org_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=True)
    occurred_at = db.Column(UTCDateTime(), nullable=False)
    comment = db.Column(db.Text, nullable=True)
    changes = db.Column(db.JSON, nullable=True)  # {"field": [before, after]}
    details = db.Column(db.JSON, nullable=True)  # action-specific: items, task ids, reasons …
    policy_version = db.Column(db.String(400), nullable=True)
    format_version = db.Column(db.SmallInteger, nullable=False, default=1)
    prev_hash = db.Column(db.String(64), nullable=True)
    hash = db.Column(db.String(64), nullable=False)

    case = db.relationship("Case", backref=db.backref("events", order_by="CaseEvent.seq"))
    actor = db.relationship("User")

    __table_args__ = (db.UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)


class AuditCheckpoint(db.Model):
    """A keyed digest over the global sequence number and the head of every case chain."""

    __tablename__ = "audit_checkpoints"

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(UTCDateTime(), nullable=False)
    global_seq = db.Column(db.Integer, nullable=False)
    case_count = db.Column(db.Integer, nullable=False)
    heads_digest = db.Column(db.String(64), nullable=False)
    mac = db.Column(db.String(64), nullable=False)
    format_version = db.Column(db.SmallInteger, nullable=False, default=1)
