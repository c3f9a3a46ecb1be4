"""Authentication: password check with lockout, server-side sessions, and the event record.

Views call these functions; nothing here renders a page.
"""

import secrets
from datetime import timedelta

from flask import current_app, request, session
from sqlalchemy import select, update

from caseflow.auth.passwords import hash_password, profile, verify_password
from caseflow.crypto import sha256_hex
from caseflow.extensions import db
from caseflow.models import AuthEvent, User, UserSession
from caseflow.timeutil import utcnow

SESSION_KEY = "sid"
# Only write last_seen_at when it is older than this, to spare a write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


def client_ip() -> str | None:
    return request.remote_addr if request else None


def record(kind: str, outcome: str, user=None, username=None, detail=None) -> AuthEvent:
    """Record an authentication event. ``detail`` is a code with ``|``-separated arguments,
    shown in the reader's language by ``labels.auth_detail``."""
    event = AuthEvent(
        kind=kind,
        outcome=outcome,
        user_id=user.id if user is not None else None,
        username=(username or (user.username if user is not None else None)),
        ip=client_ip(),
        detail=(detail or "")[:255] or None,
    )
    db.session.add(event)
    return event


class LoginResult:
    OK = "ok"
    FAILED = "failed"  # unknown user, wrong password, locked, disabled: one message for all

    def __init__(self, status, user=None):
        self.status = status
        self.user = user

    @property
    def ok(self):
        return self.status == self.OK


def check_password_login(username: str, password: str) -> LoginResult:
    """Verify credentials, applying lockout. Commits the failure counters and the event."""
    now = utcnow()
    username = (username or "").strip()
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    if user is None:
        verify_password(None, password)
        record("login", "failure", username=username[:80], detail="unknown_user")
        db.session.commit()
        return LoginResult(LoginResult.FAILED)
    if user.is_locked(now):
        verify_password(None, password)
        record("login", "refused", user=user, detail="locked")
        db.session.commit()
        return LoginResult(LoginResult.FAILED)
    if not verify_password(user.password_hash, password):
        register_failure(user, "login", "wrong_password")
        db.session.commit()
        return LoginResult(LoginResult.FAILED)
    if user.disabled:
        record("login", "refused", user=user, detail="disabled")
        db.session.commit()
        return LoginResult(LoginResult.FAILED)
    user.failed_logins = 0
    user.locked_until = None
    return LoginResult(LoginResult.OK, user)


def register_failure(user, kind: str, detail: str) -> None:
    """Count a failed password or code; lock the account after the configured number in a row.

    ``detail`` is a code (see ``labels.AUTH_DETAILS``); the attempt number is appended."""
    cfg = current_app.config
    user.failed_logins = (user.failed_logins or 0) + 1
    record(kind, "failure", user=user, detail=f"{detail}|{user.failed_logins}")
    if user.failed_logins >= cfg["LOCKOUT_THRESHOLD"]:
        user.locked_until = utcnow() + timedelta(minutes=cfg["LOCKOUT_MINUTES"])
        user.failed_logins = 0
        record("lockout", "info", user=user, detail=f"locked_until|{user.locked_until.isoformat()}")


def needs_mfa(user) -> bool:
    return bool(current_app.config["REQUIRE_MFA"]) and user.is_privileged


def start_session(user) -> None:
    """Create the server-side session and bind it to a fresh cookie (no session fixation).

    Only the language survives the reset. If the person chose it on the login page, it becomes
    their stored preference; a language merely left by the previous user of the browser does not.
    """
    chosen = session.get("lang_chosen")
    lang = reset_session_keep_language()
    if lang and chosen:
        user.locale = lang
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=sha256_hex(token),
            user_id=user.id,
            ip=client_ip(),
            user_agent=(request.user_agent.string or "")[:255],
        )
    )
    session[SESSION_KEY] = token
    session.permanent = True  # the cookie expires with the absolute lifetime


def reset_session_keep_language(keep_choice: bool = False) -> str | None:
    """Clear the browser session (new identity, nothing carried over) except the language.

    ``keep_choice`` also carries the mark that the language was chosen by this person (used
    between the password and the second-factor step of one login)."""
    lang, chosen = session.get("lang"), session.get("lang_chosen")
    session.clear()
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if keep_choice and chosen:
            session["lang_chosen"] = True
        return lang
    return None


def current_session_row() -> UserSession | None:
    token = session.get(SESSION_KEY)
    if not token:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == sha256_hex(token)))


def validate_session(user_id: int):
    """Return the user of a live session, or None (revoked, expired, disabled, mismatched)."""
    row = current_session_row()
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        return None
    cfg = current_app.config
    now = utcnow()
    idle = timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    reason = None
    if now - row.last_seen_at > idle:
        reason = "idle_timeout"
    elif now - row.created_at > absolute:
        reason = "absolute_lifetime"
    user = row.user
    if reason is None and user.disabled:
        reason = "user_disabled"
    if reason:
        row.revoked_at = now
        row.revoked_reason = reason
        record("session_expired", "info", user=user, detail=reason)
        db.session.commit()
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    return user


def end_current_session(user, reason="logout") -> None:
    row = current_session_row()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_reason = reason
    record("logout", "success", user=user)
    reset_session_keep_language()


def revoke_all_sessions(user, reason: str) -> int:
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if result.rowcount:
        record(
            "session_revoked",
            "info",
            user=user,
            detail=f"sessions_ended|{result.rowcount}|{reason}",
        )
    return result.rowcount


def set_password(user, new_password: str, *, by_admin: bool = False) -> None:
    """Store a new password. Ends every session of the user."""
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = by_admin
    revoke_all_sessions(user, "password_changed")
    record("password_change", "success", user=user, detail="by_admin" if by_admin else None)


def must_change_password(user) -> bool:
    return user.must_change_password or user.password_expired(profile().max_age_days)


def disable_user(user) -> None:
    user.disabled = True
    revoke_all_sessions(user, "user_disabled")
    record("user_disabled", "info", user=user)
