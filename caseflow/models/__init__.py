"""Models, one file per aggregate. Import from here: ``from caseflow.models import User``."""

from caseflow.models.attachments import Attachment
from caseflow.models.auth_events import AuthEvent
from caseflow.models.cases import (
    Case,
    CaseClock,
    CaseParticipant,
    ConflictDeclaration,
    ReferenceCounter,
    SupplementItem,
)
from caseflow.models.documents import Document, DocumentCounter
from caseflow.models.events import AuditCheckpoint, CaseEvent
from caseflow.models.notices import Objection, PublicNotice
from caseflow.models.notifications import Notification, Reminder
from caseflow.models.orgs import Organisation
from caseflow.models.regions import PROVINCE_CODE, Region
from caseflow.models.schools import School, SchoolRecord
from caseflow.models.tasks import CalendarOverride, CalendarYear, OutboxMessage, Task, Timer
from caseflow.models.tokens import ApiToken
from caseflow.models.users import RoleAssignment, User, UserSession

__all__ = [
    "PROVINCE_CODE",
    "ApiToken",
    "Attachment",
    "AuditCheckpoint",
    "AuthEvent",
    "CalendarOverride",
    "CalendarYear",
    "Case",
    "CaseClock",
    "CaseEvent",
    "CaseParticipant",
    "ConflictDeclaration",
    "Document",
    "DocumentCounter",
    "Notification",
    "Objection",
    "Organisation",
    "OutboxMessage",
    "PublicNotice",
    "ReferenceCounter",
    "Region",
    "Reminder",
    "RoleAssignment",
    "School",
    "SchoolRecord",
    "SupplementItem",
    "Task",
    "Timer",
    "User",
    "UserSession",
]
