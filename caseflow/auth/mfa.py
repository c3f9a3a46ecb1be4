"""TOTP second factor (RFC 6238) with single-use codes."""

import pyotp
import segno

from caseflow.crypto import decrypt, encrypt
from caseflow.extensions import db
from caseflow.timeutil import utcnow

ISSUER = "caseflow"
STEP_SECONDS = 30
VALID_WINDOW = 1  # accept the previous and the next 30-second step for clock drift


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no external service, no data: URL)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111")


def matching_step(secret: str, code: str, now=None) -> int | None:
    """The time step at which ``code`` is valid, or None."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    now = now or utcnow()
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // STEP_SECONDS
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def verify_user_code(user, code: str, now=None) -> bool:
    """Check a code for an enrolled user; a code (time step) is accepted only once."""
    if user.totp_secret_enc is None:
        return False
    step = matching_step(decrypt("totp", user.totp_secret_enc), code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    db.session.flush()
    return True


def enrol(user, secret: str, code: str, now=None) -> bool:
    step = matching_step(secret, code, now)
    if step is None:
        return False
    user.totp_secret_enc = encrypt("totp", secret)
    user.totp_last_step = step
    user.mfa_enrolled_at = now or utcnow()
    return True
