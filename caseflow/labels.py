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
