"""Personal access tokens for the JSON API (``Authorization: Bearer cf_…``).

The database holds only a keyed hash of each token (HMAC-SHA256 under a sub-key of
``CASEFLOW_DATA_KEY``) and its public ``prefix``, which finds the row and names the token in
lists. The plaintext is shown once, when the token is made; see ``caseflow/api/tokens.py``.
"""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(
        db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name = db.Column(db.String(80), nullable=False)  # the owner's label, e.g. "nightly export"
    prefix = db.Column(db.String(8), nullable=False, unique=True)
    token_hash = db.Column(db.String(64), nullable=False)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime(), nullable=False)
    last_used_at = db.Column(UTCDateTime(), nullable=True)
    revoked_at = db.Column(UTCDateTime(), nullable=True)
    revoked_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)

    user = db.relationship("User", foreign_keys=[user_id])
    revoked_by = db.relationship("User", foreign_keys=[revoked_by_id])

    def status(self, now=None) -> str:
        """``revoked``, ``expired`` or ``active``."""
        if self.revoked_at is not None:
            return "revoked"
        if (now or utcnow()) >= self.expires_at:
            return "expired"
        return "active"

    @property
    def display(self) -> str:
        """How the token is named in lists: its public start, never the secret."""
        return f"cf_{self.prefix}_…"

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} user={self.user_id}>"
