"""The authorization table: role + scope, deny by default."""

from dataclasses import dataclass, field

import pytest

from caseflow.authz import PERMISSIONS, can, permission_required


@dataclass
class Assignment:
    role: str
    scope_kind: str
    region_code: str | None = None
    organisation_id: int | None = None


@dataclass
class FakeUser:
    roles: list
    id: int = 7
    disabled: bool = False
    is_authenticated: bool = True


@dataclass
class Thing:
    region_code: str
    organisation_id: int
    assigned_user_ids: list = field(default_factory=list)


CHENGDU_CASE = Thing("510100", organisation_id=11)
MIANYANG_CASE = Thing("510700", organisation_id=12)
ASSIGNED_CASE = Thing("510700", organisation_id=12, assigned_user_ids=[7])

CITY_CD = Assignment("city_reviewer", "region", "510100")
PROVINCE = Assignment("province_reviewer", "province", "510000")
APPLICANT_11 = Assignment("applicant", "organisation", organisation_id=11)
EXPERT = Assignment("expert", "assigned")
AUDITOR = Assignment("auditor", "province", "510000")
ADMIN = Assignment("admin", "system")
FINANCE_CD = Assignment("finance_reviewer", "region", "510100")


@pytest.mark.parametrize(
    ("assignment", "permission", "obj", "expected"),
    [
        (CITY_CD, "case.view", CHENGDU_CASE, True),
        (CITY_CD, "case.view", MIANYANG_CASE, False),  # another city
        (FINANCE_CD, "case.view", MIANYANG_CASE, False),
        (PROVINCE, "case.view", MIANYANG_CASE, True),
        (APPLICANT_11, "case.view", CHENGDU_CASE, True),  # own organisation
        (APPLICANT_11, "case.view", MIANYANG_CASE, False),
        (EXPERT, "case.view", CHENGDU_CASE, False),  # not assigned
        (EXPERT, "case.view", ASSIGNED_CASE, True),
        (AUDITOR, "case.view", MIANYANG_CASE, True),  # read everything
        (ADMIN, "case.view", CHENGDU_CASE, False),  # 三权分立
        (ADMIN, "admin.users", None, True),
        (AUDITOR, "admin.users", None, False),
        (CITY_CD, "admin.users", None, False),
        (AUDITOR, "audit.auth_events", None, True),
        (ADMIN, "audit.auth_events", None, False),
        (APPLICANT_11, "case.create", CHENGDU_CASE, True),
        (CITY_CD, "case.create", CHENGDU_CASE, False),
        (ADMIN, "no.such.permission", None, False),  # deny by default
    ],
)
def test_permission_table(assignment, permission, obj, expected):
    assert can(FakeUser([assignment]), permission, obj) is expected


def test_any_assignment_that_covers_is_enough():
    user = FakeUser([Assignment("city_reviewer", "region", "510700"), CITY_CD])
    assert can(user, "case.view", CHENGDU_CASE) and can(user, "case.view", MIANYANG_CASE)


def test_disabled_or_anonymous_users_may_do_nothing():
    assert not can(FakeUser([ADMIN], disabled=True), "admin.users")
    assert not can(FakeUser([ADMIN], is_authenticated=False), "admin.users")
    assert not can(None, "admin.users")


def test_unknown_permission_in_a_decorator_fails_at_import():
    with pytest.raises(KeyError):
        permission_required("admin.everything")


def test_every_permission_names_known_roles():
    from caseflow.roles import ROLES

    for name, rule in PERMISSIONS.items():
        assert rule.roles <= set(ROLES), name
