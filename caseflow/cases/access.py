"""Who may see a case. Object-level: a case the user may not see is a 404, never a 403 that
would confirm it exists."""

from flask import abort
from sqlalchemy import exists, or_, select

from caseflow.authz import can
from caseflow.extensions import db
from caseflow.models import Case, CaseParticipant, Task


def can_view(user, case: Case) -> bool:
    """Role and scope (the applicant's organisation, the city, the province, the auditor), or a
    personal assignment: panel members, and whoever holds or held a task of the case."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if can(user, "case.view", case):
        return True
    assigned = exists().where(CaseParticipant.case_id == case.id,
                              CaseParticipant.user_id == user.id)  # fmt: skip
    tasked = exists().where(
        Task.case_id == case.id,
        or_(Task.assignee_id == user.id, Task.claimed_by_id == user.id,
            Task.completed_by_id == user.id),
    )  # fmt: skip
    return bool(db.session.scalar(select(assigned | tasked)))


def hides_panel_people(case: Case, user) -> bool:
    """Experts and inspectors — the people of a ``panel`` stage (``Workflow.panel_roles``) — stay
    anonymous to the applicant's organisation, so nobody can lobby them: its users see their role,
    never their name or organisation — on the case page (tasks, panels, scores, history) and in the
    API. The one rule every page and the API apply."""
    return user is not None and getattr(user, "organisation_id", None) == case.applicant_org_id


def case_or_404(reference: str, user) -> Case:
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    if case is None or not can_view(user, case):
        abort(404)
    return case


def may_read_task_note(task: Task, user) -> bool:
    """A hand-over note (转交说明) is between reviewers: the people of the task's role and scope,
    whoever holds the task, and auditors — never the applicant."""
    from caseflow.workflows import engine, registry

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.id in (task.assignee_id, task.claimed_by_id) or user.has_role("auditor"):
        return True
    wf = registry.WORKFLOWS.get(task.case.workflow)
    if wf is None or not wf.has_state(task.stage) or not wf.state(task.stage).is_stage:
        return False
    return engine.in_stage_scope(task.case, user, wf.state(task.stage))
