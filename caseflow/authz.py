"""Authorization: the one place that answers "may this user do X (on this object)?".

A permission names the roles that may use it and whether the object must lie in the scope of
the role assignment. Deny by default: an unknown permission is refused. The workflow engine adds
state and separation of duties on top of this for case actions.

Objects are anything with ``region_code`` and ``organisation_id`` (cases) or an Organisation
(its own ``id`` is its organisation). Objects that list people assigned to them (expert panels,
inspections) expose ``assigned_user_ids``.
"""

from dataclasses import dataclass
from functools import wraps

from flask import abort
from flask_login import current_user

from caseflow.models.regions import PROVINCE_CODE
from caseflow.roles import ROLES

ALL_CASE_ROLES = frozenset(
    {
        "applicant",
        "city_reviewer",
        "province_reviewer",
        "leader",
        "expert",
        "finance_reviewer",
        "government",
        "inspector",
    }
)


@dataclass(frozen=True)
class Permission:
    roles: frozenset
    scoped: bool = False  # the object must be within the scope of the role assignment


PERMISSIONS: dict[str, Permission] = {
    # System administration (三权分立: not the auditor, not a reviewer).
    "admin.users": Permission(frozenset({"admin"})),
    "admin.organisations": Permission(frozenset({"admin"})),
    "admin.policy": Permission(frozenset({"admin"})),
    # Audit and supervision: read-only, everything.
    "audit.auth_events": Permission(frozenset({"auditor"})),
    "audit.cases": Permission(frozenset({"auditor"})),
    # Cases: seeing one needs a role whose scope covers it; the auditor sees all.
    "case.view": Permission(ALL_CASE_ROLES | {"auditor"}, scoped=True),
    "case.create": Permission(frozenset({"applicant"}), scoped=True),
    # The reviewer's inbox (待办): everyone who acts in stages; the applicant's list of cases.
    "review.inbox": Permission(ALL_CASE_ROLES - {"applicant"}),
    # The pool of experts and inspectors (their organisations, conflicts, open panel tasks): who
    # picks panels, and the administrator who records a conflict for someone; experts and
    # inspectors declare (and withdraw) their own conflicts of interest.
    "review.experts": Permission(frozenset({"province_reviewer", "admin"})),
    "review.conflicts": Permission(frozenset({"expert", "inspector"})),
    "applicant.cases": Permission(frozenset({"applicant"})),
}


def object_region(obj) -> str | None:
    return getattr(obj, "region_code", None)


def object_organisation(obj) -> int | None:
    if getattr(obj, "__tablename__", None) == "organisations":
        return obj.id
    return getattr(obj, "organisation_id", None)


def supervises(assignment, obj) -> bool:
    """A department role held at a provincial industry department covers what the organisations
    it supervises own (their cases, the organisations themselves)."""
    role = ROLES.get(assignment.role)
    return (
        role is not None
        and role.department
        and assignment.scope_kind == "organisation"
        and assignment.organisation_id is not None
        and getattr(obj, "supervising_department_id", None) == assignment.organisation_id
    )


def assignment_covers(assignment, obj, user_id: int | None = None) -> bool:
    """Does one role assignment's scope include ``obj``?"""
    kind = assignment.scope_kind
    if kind == "province":
        region = object_region(obj)
        return region is not None and (region == PROVINCE_CODE or region.startswith("51"))
    if kind == "region":
        return object_region(obj) == assignment.region_code
    if kind == "organisation":
        return object_organisation(obj) == assignment.organisation_id or supervises(assignment, obj)
    if kind == "assigned":
        return user_id is not None and user_id in (getattr(obj, "assigned_user_ids", None) or ())
    return False  # system scope never covers case data


def can(user, permission: str, obj=None) -> bool:
    """True when ``user`` may use ``permission`` (on ``obj`` when the permission is scoped)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.disabled:
        return False
    rule = PERMISSIONS.get(permission)
    if rule is None:
        return False
    held = [a for a in user.roles if a.role in rule.roles]
    if not held:
        return False
    if not rule.scoped or obj is None:
        return True
    if any(a.role == "auditor" for a in held):
        return True
    return any(assignment_covers(a, obj, user.id) for a in held)


def require(permission: str, obj=None, *, hide: bool = False) -> None:
    """Abort with 403 (or 404 when ``hide``, so the object's existence is not confirmed)."""
    if not can(current_user, permission, obj):
        abort(404 if hide else 403)


def permission_required(permission: str):
    """View decorator: the user must hold ``permission`` (unscoped check)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            require(permission)
            return view(*args, **kwargs)

        wrapper.caseflow_permission = permission
        return wrapper

    return decorator
