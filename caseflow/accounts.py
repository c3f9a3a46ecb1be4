"""Creating organisations and users: one implementation for the CLI, the admin pages and seeding."""

import secrets
import string

from sqlalchemy import select

from caseflow.auth.passwords import hash_password, password_problems
from caseflow.extensions import db
from caseflow.models import PROVINCE_CODE, Organisation, Region, RoleAssignment, User
from caseflow.models.orgs import ORG_KINDS, OWNERSHIPS, SCHOOL_TIERS
from caseflow.roles import ROLES, ScopeError, explicit_scope, natural_scope
from caseflow.validators import credit_code_problem, normalise_credit_code


class AccountError(ValueError):
    """Bad input for an organisation or a user; the message says what is wrong."""


def create_organisation(
    *, name, kind, region_code, credit_code, tier=None, ownership=None, supervising=None
) -> Organisation:
    credit_code = normalise_credit_code(credit_code)
    if kind not in ORG_KINDS:
        raise AccountError(f"kind must be one of {', '.join(ORG_KINDS)}")
    if credit_code_problem(credit_code):
        raise AccountError(f"{credit_code!r} is not a valid unified social credit code")
    if db.session.get(Region, region_code) is None:
        raise AccountError(f"unknown region code {region_code!r}")
    if tier and kind != "school":
        raise AccountError("only schools have a tier")
    if tier and tier not in SCHOOL_TIERS:
        raise AccountError(f"tier must be one of {', '.join(SCHOOL_TIERS)}")
    if ownership and ownership not in OWNERSHIPS:
        raise AccountError(f"ownership must be one of {', '.join(OWNERSHIPS)}")
    if supervising is not None and (
        supervising.kind != "department" or supervising.region_code != PROVINCE_CODE
    ):
        raise AccountError("the supervising department must be a provincial department")
    if db.session.scalar(select(Organisation).where(Organisation.credit_code == credit_code)):
        raise AccountError(f"an organisation with credit code {credit_code} already exists")
    org = Organisation(
        name=name.strip(),
        kind=kind,
        region_code=region_code,
        credit_code=credit_code,
        tier=tier or None,
        ownership=ownership or None,
        supervising_department=supervising,
    )
    db.session.add(org)
    db.session.flush()
    return org


def parse_role_spec(spec: str, org: Organisation) -> RoleAssignment:
    """``ROLE`` (natural scope), ``ROLE:REGIONCODE`` or ``ROLE:org`` (a department role held at
    a provincial industry department: the schools it supervises)."""
    role, _, scope = spec.partition(":")
    try:
        if scope == "org":
            kind, region = explicit_scope(role, scope)
            if org.kind != "department":
                raise AccountError(f"{spec!r}: only a department's officials hold ROLE:org")
        elif scope:
            if db.session.get(Region, scope) is None:
                raise AccountError(f"unknown region code {scope!r} in {spec!r}")
            kind, region = explicit_scope(role, scope)
        elif (
            role in ROLES
            and ROLES[role].department
            and org.kind == "department"
            and org.region_code == PROVINCE_CODE
        ):  # a provincial industry department's official reviews the schools it supervises
            kind, region = explicit_scope(role, "org")
        else:
            kind, region = natural_scope(role, org.region_code)
    except ScopeError as exc:
        raise AccountError(str(exc)) from exc
    return RoleAssignment(
        role=role,
        scope_kind=kind,
        region_code=region,
        organisation_id=org.id if kind == "organisation" else None,
    )


def random_password(length: int = 16) -> str:
    """A random password that satisfies both password profiles."""
    alphabet = string.ascii_letters + string.digits + "-_.!@#%"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in pw)
            and any(c.isupper() for c in pw)
            and any(c.isdigit() for c in pw)
            and any(not c.isalnum() for c in pw)
        ):
            return pw


def create_user(
    *,
    username,
    org: Organisation,
    role_specs,
    display_name=None,
    email=None,
    password=None,
    must_change=True,
) -> tuple[User, str]:
    """Create a user; returns ``(user, password)``. A random password is generated when none is
    given. Users created by an administrator must change their password at first login."""
    username = (username or "").strip()
    if not username:
        raise AccountError("a user name is required")
    if db.session.scalar(select(User).where(User.username == username)):
        raise AccountError(f"user {username!r} already exists")
    if not role_specs:
        raise AccountError("at least one role is required")
    if password is None:
        password = random_password()
    else:
        problems = password_problems(password, username)
        if problems:
            raise AccountError("; ".join(str(p) for p in problems))
    assignments = [parse_role_spec(spec, org) for spec in role_specs]
    user = User(
        username=username,
        display_name=display_name or username,
        email=email or None,
        organisation=org,
        password_hash=hash_password(password),
        must_change_password=must_change,
    )
    user.roles = assignments
    db.session.add(user)
    db.session.flush()
    return user, password
