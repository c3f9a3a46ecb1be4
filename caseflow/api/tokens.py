"""Personal access tokens: make, revoke and check them.

A token reads ``cf_<prefix>_<secret>``: ``cf_``, 8 public characters ``[a-z0-9]`` (the prefix,
unique, used to find the row and shown in lists), ``_``, and 43 URL-safe base64 characters from
32 random bytes (256 bits). 55 characters in all. The database keeps the prefix and an
HMAC-SHA256 of the whole token under a sub-key of ``CASEFLOW_DATA_KEY`` (``crypto.keyed_hash``),
never the token: a stolen database yields no usable token, and changing the data key
invalidates every token.

A token acts as its user, with the user's roles and scopes. It is refused when revoked, expired,
when the user is disabled or owes a password change (a new account, or an expired password: the
web login would allow nothing else either), and — while ``CASEFLOW_REQUIRE_MFA`` is on — when
the user holds a privileged role but has no second factor enrolled (the web login's rule). A
lockout after wrong passwords does not stop tokens: it guards the password, and letting it stop
the API would let anyone who types a user name block that user's integrations.

Every creation, revocation and refused use is an authentication event (kind ``token``).
Successful uses are not logged one by one — ``last_used_at``, written at most once a minute,
records them without a write per request.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import select

from caseflow.auth.service import must_change_password, needs_mfa, record
from caseflow.crypto import keyed_hash
from caseflow.extensions import db
from caseflow.models import ApiToken, User
from caseflow.timeutil import to_local, utcnow

DEFAULT_DAYS = 90
MAX_DAYS = 365
NAME_MAX = 80
TOUCH_INTERVAL = timedelta(seconds=60)  # last_used_at is written at most this often

PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
PREFIX_LENGTH = 8
TOKEN_RE = re.compile(r"cf_([a-z0-9]{8})_([A-Za-z0-9_-]{43})")
HASH_PURPOSE = "api_token"


class TokenError(ValueError):
    """A token cannot be made. ``code`` names the reason; the message is English (CLI)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def hash_token(plaintext: str) -> str:
    return keyed_hash(HASH_PURPOSE, plaintext)


def _new_prefix() -> str:
    while True:
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        if db.session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is None:
            return prefix


def creation_problem(user: User) -> TokenError | None:
    """Why ``user`` may not have a token now, or None."""
    if user.disabled:
        return TokenError("disabled", f"user {user.username} is disabled")
    if needs_mfa(user) and not user.mfa_enrolled:
        return TokenError(
            "mfa_required",
            f"user {user.username} holds a privileged role and two-factor authentication is "
            "required, but the user has not enrolled it; they must set it up first",
        )
    return None


def _actor_suffix(user: User, by: User | None) -> tuple[str, str]:
    """The detail-code suffix and trailing argument naming who acted (CLI, the user, another)."""
    if by is None:
        return "_cli", ""
    if by.id == user.id:
        return "", ""
    return "_by", f"|{by.username}"


def create_token(
    user: User, *, name: str, expires_days: int = DEFAULT_DAYS, by: User | None = None, now=None
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; return the row and the plaintext (to be shown once).

    ``by`` is who asked: the user (profile page), another user, or None (command line).
    The caller commits. Raises :class:`TokenError`; a refusal is recorded as an event.
    """
    now = now or utcnow()
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise TokenError("name", f"the name must be 1 to {NAME_MAX} characters")
    if not isinstance(expires_days, int) or not 1 <= expires_days <= MAX_DAYS:
        raise TokenError("expiry", f"the expiry must be 1 to {MAX_DAYS} days")
    problem = creation_problem(user)
    if problem is not None:
        record("token", "refused", user=user, detail=f"token_create_refused|{problem.code}")
        raise problem
    prefix = _new_prefix()
    plaintext = f"cf_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        token_hash=hash_token(plaintext),
        created_at=now,
        expires_at=now + timedelta(days=expires_days),
    )
    db.session.add(token)
    suffix, actor = _actor_suffix(user, by)
    until = to_local(token.expires_at).date().isoformat()  # the date as the reader counts it
    record("token", "success", user=user, detail=f"token_created{suffix}|{prefix}|{until}{actor}")
    db.session.flush()
    return token, plaintext


def revoke(token: ApiToken, by: User | None, now=None) -> bool:
    """Revoke ``token``; False when it already was. ``by`` None means the command line.
    The caller commits."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    token.revoked_by_id = by.id if by is not None else None
    suffix, actor = _actor_suffix(token.user, by)
    record("token", "info", user=token.user, detail=f"token_revoked{suffix}|{token.prefix}{actor}")
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def _parse(header_value: str | None) -> str | None:
    """The token in an ``Authorization: Bearer …`` value, or None."""
    scheme, _, value = (header_value or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    value = value.strip()
    return value if TOKEN_RE.fullmatch(value) else None


def _refuse(outcome: str, code: str, token: ApiToken | None = None) -> None:
    detail = f"{code}|{token.prefix}" if token is not None else code
    record("token", outcome, user=token.user if token is not None else None, detail=detail)
    db.session.commit()


def check_token(header_value: str | None) -> ApiToken | None:
    """The live token presented in ``header_value``, or None (the refusal is recorded)."""
    plaintext = _parse(header_value)
    if plaintext is None:
        _refuse("failure", "token_malformed")
        return None
    prefix = plaintext[3 : 3 + PREFIX_LENGTH]
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None:
        _refuse("failure", f"token_unknown|{prefix}")
        return None
    if not hmac.compare_digest(token.token_hash, hash_token(plaintext)):
        _refuse("failure", "token_wrong_secret", token)
        return None
    now = utcnow()
    status = token.status(now)
    user = token.user
    if status != "active":
        _refuse("refused", f"token_use_{status}", token)
        return None
    if user.disabled:
        _refuse("refused", "token_user_disabled", token)
        return None
    if must_change_password(user):
        # Otherwise the login rule would answer API calls with a redirect to the password page.
        _refuse("refused", "token_password_change", token)
        return None
    if needs_mfa(user) and not user.mfa_enrolled:
        _refuse("refused", "token_mfa_required", token)
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        token.last_used_at = now
        db.session.commit()
    return token
