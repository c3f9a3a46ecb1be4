"""Display labels for stored codes, translated. Stored values stay snake_case English."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

ORG_KIND_LABELS = {
    "school": _l("School"),
    "sponsor": _l("Sponsor"),
    "enterprise": _l("Enterprise"),
    "training_provider": _l("Training provider"),
    "evaluation_body": _l("Evaluation body"),
    "department": _l("Government department"),
}

TIER_LABELS = {
    "technical_school": _l("Technical school"),
    "senior_technical_school": _l("Senior technical school"),
    "technician_college": _l("Technician college"),
}

OWNERSHIP_LABELS = {
    "public": _l("Public"),
    "private": _l("Private"),
    "enterprise": _l("Enterprise-run"),
}

SCOPE_LABELS = {
    "organisation": _l("own organisation"),
    "region": _l("city"),
    "province": _l("province"),
    "assigned": _l("assigned cases"),
    "system": _l("system"),
}

AUTH_KIND_LABELS = {
    "login": _l("Login"),
    "logout": _l("Logout"),
    "lockout": _l("Lockout"),
    "mfa": _l("Second factor"),
    "mfa_enrol": _l("Second factor enrolment"),
    "password_change": _l("Password change"),
    "session_revoked": _l("Sessions ended"),
    "session_expired": _l("Session expired"),
    "user_created": _l("User created"),
    "user_disabled": _l("User disabled"),
    "user_enabled": _l("User enabled"),
    "unlock": _l("Account unlocked"),
    "token": _l("Access token"),
}

OUTCOME_LABELS = {
    "success": _l("success"),
    "failure": _l("failure"),
    "refused": _l("refused"),
    "info": _l("information"),
}


def is_english() -> bool:
    return str(get_locale() or "zh_CN").startswith("en")


def region_name(region) -> str:
    if region is None:
        return ""
    return region.name_en if is_english() else region.name_zh


def scope_label(assignment) -> str:
    text = str(SCOPE_LABELS[assignment.scope_kind])
    if assignment.scope_kind in ("region", "province"):
        return f"{text}: {region_name(assignment.region)}"
    if assignment.scope_kind == "organisation" and assignment.organisation is not None:
        return f"{text}: {assignment.organisation.name}"
    return text


# Codes stored in AuthEvent.detail (``code|arg|…``) and how they read.
AUTH_DETAILS = {
    "unknown_user": _l("unknown user name"),
    "locked": _l("account locked"),
    "disabled": _l("account disabled"),
    "wrong_password": _l("wrong password (attempt %(n)s)"),
    "wrong_code": _l("wrong or reused code (attempt %(n)s)"),
    "locked_until": _l("locked until %(time)s"),
    "idle_timeout": _l("no activity for too long"),
    "absolute_lifetime": _l("maximum session length reached"),
    "user_disabled": _l("user disabled"),
    "password_changed": _l("password changed"),
    "password_reset": _l("password reset by an administrator"),
    "sessions_ended": _l("%(n)s session(s) ended: %(reason)s"),
    "by_admin": _l("by an administrator"),
    "by_user": _l("by %(user)s"),
    "by_cli": _l("from the command line"),
    "mfa_required": _l("two-factor authentication required but not set up"),
    # API tokens (caseflow/api/tokens.py); the first argument is the token's public prefix.
    "token_created": _l("token %(token)s created, valid until %(date)s"),
    "token_created_cli": _l("token %(token)s created from the command line, valid until %(date)s"),
    "token_created_by": _l("token %(token)s created by %(user)s, valid until %(date)s"),
    "token_create_refused": _l("token not created: %(reason)s"),
    "token_revoked": _l("token %(token)s revoked"),
    "token_revoked_cli": _l("token %(token)s revoked from the command line"),
    "token_revoked_by": _l("token %(token)s revoked by %(user)s"),
    "token_malformed": _l("not a valid token"),
    "token_unknown": _l("unknown token %(token)s"),
    "token_wrong_secret": _l("wrong secret for token %(token)s"),
    "token_use_revoked": _l("revoked token %(token)s used"),
    "token_use_expired": _l("expired token %(token)s used"),
    "token_user_disabled": _l("token %(token)s of a disabled user used"),
    "token_mfa_required": _l("token %(token)s refused: two-factor authentication not set up"),
    "token_password_change": _l("token %(token)s refused: the user must change the password"),
}

# Argument names of the token detail codes, in order.
_TOKEN_ARGS = {"token_created": ("token", "date"), "token_created_cli": ("token", "date"),
               "token_created_by": ("token", "date", "user"), "token_revoked_by": ("token", "user"),
               "token_create_refused": ("reason",)}  # fmt: skip


def auth_detail(detail: str | None) -> str:
    """An AuthEvent detail in the reader's language."""
    if not detail:
        return ""
    code, *args = detail.split("|")
    label = AUTH_DETAILS.get(code)
    if label is None:
        return detail
    params = {}
    if code in ("wrong_password", "wrong_code") and args:
        params = {"n": args[0]}
    elif code == "locked_until" and args:
        from datetime import datetime

        from caseflow.timeutil import to_local

        params = {"time": to_local(datetime.fromisoformat(args[0])).strftime("%H:%M")}
    elif code == "sessions_ended" and len(args) == 2:
        params = {"n": args[0], "reason": auth_detail(args[1])}
    elif code == "by_user" and args:
        params = {"user": args[0]}
    elif code.startswith("token_") and args:
        params = dict(zip(_TOKEN_ARGS.get(code, ("token",)), args, strict=False))
        if "token" in params:
            params["token"] = f"cf_{params['token']}_…"
        if "reason" in params:
            params["reason"] = auth_detail(params["reason"])
    return str(label) % params if params else str(label)
