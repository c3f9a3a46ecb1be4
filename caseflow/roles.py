"""The roles of DOMAIN.md §1.3 and their natural scopes.

A role assignment pairs a role with a scope:

* ``organisation`` — the user's own organisation (applicants); for a department role held at a
  provincial industry department (``ROLE:org``), the organisations that department supervises;
* ``region`` — one city/prefecture (city reviewers, city finance);
* ``province`` — the whole province;
* ``assigned`` — only the cases someone assigns to the user (experts, inspectors);
* ``system`` — system administration, no cases at all.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from caseflow.codes import PROVINCE_CODE


@dataclass(frozen=True)
class Role:
    key: str
    label: object  # lazy string
    natural_scope: str  # organisation | region | province | assigned | system | region_or_province
    privileged: bool = True
    read_only: bool = False
    # May be held at a provincial industry department (省级行业主管部门) with ``organisation``
    # scope: it then covers the cases of the organisations that department supervises.
    department: bool = False


ROLES: dict[str, Role] = {
    r.key: r
    for r in (
        Role("applicant", _l("Applicant"), "organisation", privileged=False),
        Role("city_reviewer", _l("City reviewer"), "region", department=True),
        Role("province_reviewer", _l("Province reviewer"), "province"),
        Role("leader", _l("Leader"), "region_or_province"),
        Role("expert", _l("Expert"), "assigned"),
        Role("finance_reviewer", _l("Finance reviewer"), "region_or_province"),
        Role("government", _l("Provincial government"), "province"),
        Role("inspector", _l("Inspector"), "assigned"),
        Role("auditor", _l("Auditor"), "province", read_only=True),
        Role("admin", _l("System administrator"), "system"),
    )
}

SCOPE_KINDS = ("organisation", "region", "province", "assigned", "system")

# Roles that may never act on cases (三权分立): they administer or audit.
NON_ACTING_ROLES = frozenset({"admin", "auditor"})


class ScopeError(ValueError):
    pass


def natural_scope(role_key: str, org_region_code: str) -> tuple[str, str | None]:
    """Return ``(scope_kind, region_code)`` for a role given without an explicit scope."""
    try:
        role = ROLES[role_key]
    except KeyError as exc:
        raise ScopeError(f"unknown role {role_key!r}; known roles: {', '.join(ROLES)}") from exc
    kind = role.natural_scope
    if kind == "region_or_province":
        kind = "province" if org_region_code == PROVINCE_CODE else "region"
    if kind == "region":
        if org_region_code == PROVINCE_CODE:
            raise ScopeError(f"role {role_key} needs a city scope; give ROLE:CITYCODE")
        return kind, org_region_code
    if kind == "province":
        return kind, PROVINCE_CODE
    return kind, None


def explicit_scope(role_key: str, scope: str) -> tuple[str, str | None]:
    """Interpret ``ROLE:SCOPE`` where SCOPE is a region code (a city, or the province), or
    ``org``: the schools supervised by the user's department (department roles only)."""
    if role_key not in ROLES:
        raise ScopeError(f"unknown role {role_key!r}; known roles: {', '.join(ROLES)}")
    role = ROLES[role_key]
    if scope == "org":
        if not role.department:
            raise ScopeError(f"role {role_key} cannot be held at a department (ROLE:org)")
        return "organisation", None
    if role.natural_scope in ("organisation", "assigned", "system"):
        raise ScopeError(f"role {role_key} has a fixed scope ({role.natural_scope}); omit :SCOPE")
    if scope == PROVINCE_CODE:
        return "province", PROVINCE_CODE
    if role.natural_scope == "province":
        raise ScopeError(f"role {role_key} is province-wide; its scope can only be {PROVINCE_CODE}")
    return "region", scope
