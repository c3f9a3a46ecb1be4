"""Users, their role assignments and their server-side sessions."""

from datetime import timedelta

from flask_login import UserMixin

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.roles import NON_ACTING_ROLES, ROLES
from caseflow.timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), nullable=False, unique=True)
    display_name = db.Column(db.String(120), nullable=False)
    email = db.Column(db.String(254), nullable=True)
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    password_changed_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    must_change_password = db.Column(db.Boolean, nullable=False, default=True)
    disabled = db.Column(db.Boolean, nullable=False, default=False)
    failed_logins = db.Column(db.Integer, nullable=False, default=0)
    locked_until = db.Column(UTCDateTime(), nullable=True)
    totp_secret_enc = db.Column(db.Text, nullable=True)  # Fernet token under CASEFLOW_DATA_KEY
    totp_last_step = db.Column(db.BigInteger, nullable=True)  # last accepted TOTP time step
    mfa_enrolled_at = db.Column(UTCDateTime(), nullable=True)
    locale = db.Column(db.String(10), nullable=True)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)

    organisation = db.relationship("Organisation")
    roles = db.relationship(
        "RoleAssignment", back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login: a disabled user is not active and cannot log in.
    @property
    def is_active(self) -> bool:
        return not self.disabled

    def role_keys(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, *keys: str) -> bool:
        return bool(self.role_keys() & set(keys))

    @property
    def is_privileged(self) -> bool:
        return any(ROLES[r.role].privileged for r in self.roles)

    @property
    def may_act_on_cases(self) -> bool:
        return bool(self.role_keys() - NON_ACTING_ROLES)

    @property
    def mfa_enrolled(self) -> bool:
        return self.totp_secret_enc is not None and self.mfa_enrolled_at is not None

    def is_locked(self, now=None) -> bool:
        now = now or utcnow()
        return self.locked_until is not None and self.locked_until > now

    def password_expired(self, max_age_days: int | None, now=None) -> bool:
        if not max_age_days:
            return False
        now = now or utcnow()
        return self.password_changed_at + timedelta(days=max_age_days) <= now

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleAssignment(db.Model):
    """A role held by a user within a scope (see caseflow.roles)."""

    __tablename__ = "role_assignments"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(
        db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role = db.Column(db.String(30), nullable=False)
    scope_kind = db.Column(db.String(20), nullable=False)
    region_code = db.Column(db.String(6), db.ForeignKey("regions.code"), nullable=True)
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=True)

    user = db.relationship("User", back_populates="roles")
    region = db.relationship("Region")
    organisation = db.relationship("Organisation")

    __table_args__ = (
        db.UniqueConstraint(
            "user_id",
            "role",
            "scope_kind",
            "region_code",
            "organisation_id",
            name="uq_role_assignments_scope",
        ),
        db.CheckConstraint(
            "scope_kind in ('organisation', 'region', 'province', 'assigned', 'system')",
            name="scope_kind",
        ),
        db.CheckConstraint(
            "(scope_kind in ('region', 'province')) = (region_code is not null)",
            name="region_scope_has_region",
        ),
        db.CheckConstraint(
            "(scope_kind = 'organisation') = (organisation_id is not null)",
            name="org_scope_has_org",
        ),
        db.Index("ix_role_assignments_role_region", "role", "region_code"),
    )

    def describe(self) -> str:
        if self.scope_kind in ("region", "province") and self.region is not None:
            return f"{self.role}:{self.region_code}"
        return f"{self.role}:{self.scope_kind}"


class UserSession(db.Model):
    """A server-side record of a login, so that a session can be ended on the server.

    The browser's signed cookie holds only a random session id; the database holds its SHA-256.
    Logout revokes one session; a password change or disabling the user revokes them all.
    """

    __tablename__ = "user_sessions"

    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(
        db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    revoked_at = db.Column(UTCDateTime(), nullable=True)
    revoked_reason = db.Column(db.String(40), nullable=True)
    ip = db.Column(db.String(45), nullable=True)
    user_agent = db.Column(db.String(255), nullable=True)

    user = db.relationship("User")
