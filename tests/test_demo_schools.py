"""The demo cases of Workflow A (``caseflow/demo_schools.py``): one per kind of stop, each moved by
the engine with a history whose hash chain verifies, and seeded once however often it runs."""

import pytest
from sqlalchemy import func, select

from caseflow import attachments
from caseflow.audit.verify import verify_case
from caseflow.demo_schools import CASES, seed_demo_schools
from caseflow.extensions import db
from caseflow.models import Case, CaseEvent, Document, Objection, School, Task
from caseflow.timeutil import utcnow
from caseflow.workdays import to_local_date
from caseflow.workflows import notices


@pytest.fixture
def seeded(demo, tmp_path):
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with demo.app_context():
        assert seed_demo_schools() == len(CASES)
        yield demo


def school_cases() -> dict[str, Case]:
    """The demo's school cases by state (one in each; the department's case aside)."""
    found = list(db.session.scalars(select(Case).where(Case.workflow == "school_establishment")))
    found = [c for c in found if c.supervising_department_id is None]
    assert len({c.state for c in found}) == len(found)
    return {c.state: c for c in found}


def test_a_case_waits_at_the_supervising_department(seeded):
    (case,) = [c for c in db.session.scalars(select(Case).where(
        Case.workflow == "school_establishment")) if c.supervising_department_id is not None]
    assert (case.state, case.kind) == ("city_review", "upgrade_college")
    (task,) = db.session.scalars(select(Task).where(Task.case_id == case.id,
                                                    Task.status == "open"))
    assert task.organisation_id == case.supervising_department_id
    assert task.department.name == "四川省交通运输厅"


def actions(case) -> list[str]:
    stmt = select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    return list(db.session.scalars(stmt))


def documents(case) -> list[str]:
    stmt = select(Document.kind).where(Document.case_id == case.id).order_by(Document.id)
    return list(db.session.scalars(stmt))


def test_the_seed_leaves_a_case_at_every_kind_of_stop(seeded):
    cases = school_cases()
    assert set(cases) == {"draft", "city_review", "expert_review", "public_notice", "filed",
                          "rejected"}  # fmt: skip
    assert cases["draft"].kind == "new_technician_college"
    assert len(attachments.case_attachments(cases["draft"])) == 3
    assert cases["city_review"].kind == "branch"
    assert cases["city_review"].applicant_org.kind == "school"
    # The expert panel: three assigned, two signed, the third still has the task.
    review = cases["expert_review"]
    assert actions(review).count("score") == 2
    open_tasks = db.session.scalars(select(Task).where(
        Task.case_id == review.id, Task.status == "open", Task.stage == "expert_review"))
    assert [t.assignee.username for t in open_tasks] == ["expert3"]
    # The notice is open today, with the public's objection waiting for a reviewer.
    notice = notices.current_notice(cases["public_notice"])
    assert not notices.period_over(notice) and notice.starts_on < to_local_date(utcnow())
    (objection,) = notices.open_objections(notice)
    assert objection.task_id is not None and "file_objection" in actions(cases["public_notice"])
    # Filed: accepted, approved after the notice ran out (by the timer), reply issued, filed.
    filed = cases["filed"]
    assert filed.kind == "new_technical_school"
    assert filed.data["school_name"] == "成都智能制造技工学校"
    assert documents(filed) == ["acceptance_notice", "approval_reply"]
    ended = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == filed.id,
                                                      CaseEvent.action == "notice_ends"))
    assert ended.actor_id is None and ended.to_state == "approved"
    school = db.session.scalar(select(School).where(School.case_id == filed.id))
    assert (school.name, school.tier) == ("成都智能制造技工学校", "technical_school")
    # Refused at the decision with reasons, after a panel below the pass mark.
    rejected = cases["rejected"]
    assert actions(rejected)[-1] == "refuse" and actions(rejected).count("score") == 3
    assert "site_inspection" not in db.session.scalars(
        select(CaseEvent.to_state).where(CaseEvent.case_id == rejected.id)).all()
    assert documents(rejected) == ["acceptance_notice", "rejection_decision"]
    # Every history verifies, in order, and lies in the past.
    today = to_local_date(utcnow())
    for case in cases.values():
        assert verify_case(case.reference).ok, case.reference
        times = list(db.session.scalars(select(CaseEvent.occurred_at).where(
            CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))  # fmt: skip
        assert times == sorted(times) and to_local_date(times[-1]) < today


def test_the_seed_is_idempotent(seeded):
    count = select(func.count()).select_from(Case)
    before = db.session.scalar(count), db.session.scalar(select(func.count(Objection.id)))
    assert seed_demo_schools() == 0
    assert (db.session.scalar(count), db.session.scalar(select(func.count(Objection.id)))) == before
