"""Models, one file per aggregate. Import from here: ``from caseflow.models import User``."""

from caseflow.models.auth_events import AuthEvent
from caseflow.models.orgs import Organisation
from caseflow.models.regions import PROVINCE_CODE, Region
from caseflow.models.users import RoleAssignment, User, UserSession

__all__ = [
    "PROVINCE_CODE",
    "AuthEvent",
    "Organisation",
    "Region",
    "RoleAssignment",
    "User",
    "UserSession",
]
