"""The end of Workflow A (``school_establishment.py``): the provincial government's reply for
技师学院 and the school registry (学校名录, ``caseflow.models.schools``).

* ``se_government_reply_valid`` — the reply number the government approval records has the shape
  of the policy's pattern for provincial government letters (``document_numbers`` →
  ``government_letter``, e.g. 川府函〔2026〕12号) and its date is not in the future. The approval
  reply (批复) cites it (``documents.kinds.GOVERNMENT_REPLY``).
* ``se_register_school`` — when the filing is recorded, the registry changes in the same
  transaction: a new school, an upgrade (new tier and name, kept as history; the school's
  organisation gets the new tier so later prerequisites read it), or a branch under the filing
  school. Unlike the effects in ``effects.py`` it does its work here and queues nothing: the
  registry is a database record of the decision, like the event and the document, and must
  never disagree with the filed cases. Once per case (``uq_school_records_case_id``).

Which change a kind makes is the table ``REGISTRY_CHANGE``; the tier is ``school_rules.KIND_TIER``.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from caseflow import policy
from caseflow.documents.kinds import GOVERNMENT_REPLY
from caseflow.documents.service import citation
from caseflow.extensions import db
from caseflow.models import Document, Organisation, School, SchoolRecord
from caseflow.models.orgs import SCHOOL_TIERS
from caseflow.workflows.errors import Reason, refused
from caseflow.workflows.registry import effect, guard
from caseflow.workflows.school_rules import KIND_TIER

# kind → the change its filing makes to the registry (SchoolRecord.change).
REGISTRY_CHANGE = {
    "new_technical_school": "established",
    "new_senior_school": "established",
    "new_technician_college": "established",
    "upgrade_senior": "upgraded",
    "upgrade_college": "upgraded",
    "branch": "branch_established",
}
GOVERNMENT_PATTERN = "government_letter"  # the key in the policy ``document_numbers``


def number_regex(pattern: str) -> re.Pattern:
    """A document number pattern (``川府函〔{year}〕{n}号``) as a regular expression."""
    out = re.escape(pattern)
    out = out.replace(re.escape("{year}"), r"(?P<year>\d{4})")
    return re.compile(out.replace(re.escape("{n}"), r"(?P<n>[1-9]\d*)"))


@guard("se_government_reply_valid")
def government_reply_valid(ctx):
    """The government's reply number has the policy's shape; its date is not in the future.
    (The fields are required: without them there is nothing to check yet.)"""
    number = ctx.data.get(GOVERNMENT_REPLY.number_field)
    if number is not None:
        pattern = policy.current("document_numbers", on=ctx.today).value(GOVERNMENT_PATTERN)
        if not number_regex(pattern).fullmatch(number):
            example = pattern.format(year=ctx.today.year, n=12)
            return Reason("government_reply_number_invalid",
                          f"省政府批复文号“{number}”格式不正确，应如“{example}”。",
                          f"The government's reply number “{number}” is not in the form "
                          f"“{example}”.")  # fmt: skip
    day = ctx.data.get(GOVERNMENT_REPLY.date_field)
    if day is not None and date.fromisoformat(day) > ctx.today:
        return Reason("government_reply_date_future", "省政府批复日期不能晚于今天。",
                      "The date of the government's reply cannot be later than today.")  # fmt: skip
    return None


# ---------------------------------------------------------------------------------------------
# The registry


def _approval(case, now) -> dict:
    """What the filed case says of the school's approval: the 批复 and the government's reply."""
    reply = db.session.scalar(
        select(Document)
        .where(Document.case_id == case.id, Document.kind == "approval_reply")
        .order_by(Document.id.desc())
        .limit(1)
    )
    government = citation(case, GOVERNMENT_REPLY)
    return {
        "approval_document": reply.number if reply else None,
        "approved_on": date.fromisoformat(reply.content["date"]) if reply else None,
        "government_reply": government["number"] if government else None,
        "case_id": case.id,
        "updated_at": now,
    }


def _record(school: School, change: str, now, *, case=None, tier_before=None, name_before=None,
            document=None) -> SchoolRecord:  # fmt: skip
    record = SchoolRecord(school=school, changed_at=now, change=change, tier_before=tier_before,
                          tier_after=school.tier, name_before=name_before, name_after=school.name,
                          case_id=case.id if case else None, document_number=document)  # fmt: skip
    db.session.add(record)
    return record


def school_of(org: Organisation, now, fallback_tier: str | None = None) -> School | None:
    """The registry's row of a school organisation; taken into the registry (``registered``)
    from the organisation's record when it has none yet. None when its tier is unknown."""
    school = db.session.scalar(select(School).where(School.organisation_id == org.id))
    tier = org.tier or fallback_tier
    if school is None and tier in SCHOOL_TIERS:
        school = School(name=org.name, tier=tier, ownership=org.ownership,
                        region_code=org.region_code, organisation_id=org.id, status="active",
                        created_at=now, updated_at=now)  # fmt: skip
        db.session.add(school)
        _record(school, "registered", now)
    return school


def _establish(case, now, approval) -> School:
    data = case.data
    school = School(name=data["school_name"], tier=KIND_TIER[case.kind],
                    ownership=data.get("ownership"), region_code=case.region_code,
                    address=data.get("address"), sponsor=data.get("sponsor"), status="active",
                    created_at=now, **approval)  # fmt: skip
    db.session.add(school)
    _record(school, "established", now, case=case, document=approval["approval_document"])
    return school


def _upgrade(case, now, approval) -> School:
    org, tier = case.applicant_org, KIND_TIER[case.kind]
    school = school_of(org, now, case.data.get("current_tier"))
    tier_before = school.tier if school else None
    if school is None:  # no tier on record anywhere: the school enters at its new tier
        school = School(name=org.name, tier=tier, ownership=org.ownership,
                        region_code=org.region_code, organisation_id=org.id, status="active",
                        created_at=now)  # fmt: skip
        db.session.add(school)
    name_before, name = school.name, case.data.get("school_name") or school.name
    school.tier, school.name = tier, name
    for key, value in approval.items():
        setattr(school, key, value)
    org.tier, org.name = tier, name  # later prerequisites and pages read the approved school
    _record(school, "upgraded", now, case=case, tier_before=tier_before, name_before=name_before,
            document=approval["approval_document"])  # fmt: skip
    return school


def _branch(case, now, approval) -> School:
    org, data = case.applicant_org, case.data
    parent = school_of(org, now, data.get("current_tier"))
    tier = parent.tier if parent else None
    if tier is None:
        raise refused("school_tier_unknown",
                      "申报学校的办学层次未登记，无法登记分校，请联系系统管理员。",
                      "The filing school's tier is not on record, so the branch cannot be "
                      "registered; ask the administrator.")  # fmt: skip
    school = School(name=data["school_name"], tier=tier,
                    ownership=data.get("ownership") or org.ownership,
                    region_code=case.region_code, address=data.get("address"),
                    sponsor=data.get("sponsor"), parent=parent, status="active", created_at=now,
                    **approval)  # fmt: skip
    db.session.add(school)
    _record(school, "branch_established", now, case=case, document=approval["approval_document"])
    return school


CHANGES = {"established": _establish, "upgraded": _upgrade, "branch_established": _branch}


@effect("se_register_school")
def register_school(ctx):
    """The filed case's change to the school registry, in the filing's transaction (see the
    module docstring). Returns no outbox payload."""
    case = ctx.case
    done = select(SchoolRecord.id).where(SchoolRecord.case_id == case.id)
    if db.session.scalar(done) is not None:
        return None  # registered already: a retry changes nothing
    change = REGISTRY_CHANGE[case.kind]
    CHANGES[change](case, ctx.now, _approval(case, ctx.now))
    db.session.flush()
    return None
