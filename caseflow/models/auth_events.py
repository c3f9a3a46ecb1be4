"""The record of every authentication event (等保: 安全审计)."""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow

AUTH_EVENT_KINDS = (
    "login",
    "logout",
    "lockout",
    "mfa",
    "mfa_enrol",
    "password_change",
    "session_revoked",
    "session_expired",
    "user_created",
    "user_disabled",
    "user_enabled",
    "unlock",
    "token",
)


class AuthEvent(db.Model):
    __tablename__ = "auth_events"

    id = db.Column(db.Integer, primary_key=True)
    occurred_at = db.Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    kind = db.Column(db.String(30), nullable=False)
    outcome = db.Column(db.String(20), nullable=False)  # success | failure | refused | info
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True, index=True)
    username = db.Column(db.String(80), nullable=True)  # as typed, for failed attempts
    ip = db.Column(db.String(45), nullable=True)
    detail = db.Column(db.String(255), nullable=True)

    user = db.relationship("User")
