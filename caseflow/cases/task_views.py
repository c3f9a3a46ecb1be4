"""The open tasks of a case and what the reader may do with each: claim, release, hand over,
add a co-signer (加签), give a co-signer's opinion, send a reminder (催办); and the panels of
the workflow with who may assign people to them.

The answers mirror the engine's own checks (``engine.claim``, ``engine.add_cosigner``,
``engine.countersign``, ``engine.assign_panel``) so that only buttons that would work are
shown; the engine checks again on every POST.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from caseflow.cases.access import hides_panel_people, may_read_task_note
from caseflow.extensions import db
from caseflow.models import Case, CaseParticipant, ConflictDeclaration, RoleAssignment, Task, User
from caseflow.notify.reminders import can_remind
from caseflow.roles import NON_ACTING_ROLES
from caseflow.workflows import engine
from caseflow.workflows.definition import State, Workflow
from caseflow.workflows.errors import ActionRefused

MODE_LABELS = {
    "single": _l("One person signs"),
    "all": _l("Every member signs"),
    "any": _l("The first member decides"),
}


@dataclass
class TaskView:
    task: Task
    state: State | None
    holder: User | None
    may_claim: bool = False
    may_release: bool = False
    may_handover: bool = False
    may_countersign: bool = False
    may_remind: bool = False
    cosigners: list[User] | None = None  # None: the user may not add a co-signer
    note: str | None = None  # the hand-over note, for those who may read it
    anonymous: bool = False  # an expert or inspector, not named to the applicant

    @property
    def mode_label(self) -> str:
        return str(MODE_LABELS.get(self.task.mode, self.task.mode))


@dataclass
class Panel:
    state: State
    members: list[User]
    candidates: list[User] | None = None  # None: the user may not assign people
    role: str = ""
    # Candidates the engine would refuse, shown greyed: user id → why (a declared conflict of
    # interest, or the applicant's own organisation).
    conflicted: dict[int, str] = field(default_factory=dict)


def _separated(case, user, wf, state) -> bool:
    try:
        engine.check_stage_separation(case, user, wf, state)
    except ActionRefused:
        return False
    return True


def _pool(role: str, exclude: set[int]) -> list[User]:
    """Active people holding ``role`` (never administrators or auditors)."""
    people = db.session.scalars(
        select(User)
        .where(
            User.disabled.is_(False),
            User.id.in_(select(RoleAssignment.user_id).where(RoleAssignment.role == role)),
        )
        .order_by(User.display_name, User.id)
    )
    return [u for u in people if u.id not in exclude and not u.has_role(*NON_ACTING_ROLES)]


def cosigner_candidates(case: Case, wf: Workflow, state: State, user, tasks) -> list[User]:
    busy = {t.holder_id for t in tasks if t.stage == state.key} | {user.id}
    return [
        p
        for p in _pool(state.assign.role, busy)
        if engine.in_stage_scope(case, p, state) and _separated(case, p, wf, state)
    ]


def task_views(case: Case, wf: Workflow, tasks: list[Task], user) -> list[TaskView]:
    state = wf.state(case.state)
    stage_tasks = [
        t
        for t in tasks
        if t.kind == "stage" and t.stage == case.state and t.visit == case.entered_seq
    ]
    acting = not user.has_role(*NON_ACTING_ROLES)
    out = []
    for task in tasks:
        holder_id = task.holder_id
        anonymous = task.role in wf.panel_roles and hides_panel_people(case, user)
        view = TaskView(
            task,
            wf.state(task.stage) if wf.has_state(task.stage) else None,
            db.session.get(User, holder_id) if holder_id and not anonymous else None,
            anonymous=anonymous,
        )
        out.append(view)
        view.note = task.note if task.note and may_read_task_note(task, user) else None
        view.may_remind = can_remind(task, user)
        if task not in stage_tasks or not acting or not state.is_stage:
            continue
        in_scope = engine.in_stage_scope(case, user, state)
        view.may_claim = (
            task.mode == "single"
            and holder_id is None
            and in_scope
            and _separated(case, user, wf, state)
        )
        view.may_release = task.claimed_by_id == user.id
        view.may_handover = holder_id == user.id and state.allow_handover
        first = stage_tasks[0]
        view.may_countersign = (
            len(stage_tasks) > 1
            and first.id == task.id
            and in_scope
            and holder_id in (user.id, None)
        )
        if state.allow_cosign and holder_id == user.id:
            view.cosigners = cosigner_candidates(case, wf, state, user, stage_tasks)
    return out


def may_assign_panel(case: Case, wf: Workflow, stage: State, user) -> bool:
    if wf.state(case.state).is_terminal:
        return False
    try:
        engine.panel_assigner_role(case, user, wf, stage)
    except ActionRefused:
        return False
    return True


def conflicts(case: Case, people: list[User]) -> dict[int, str]:
    """Who of ``people`` the engine refuses for a panel of ``case`` (``engine.has_conflict``),
    and why: one query for the declarations in force."""
    declared = set(
        db.session.scalars(
            select(ConflictDeclaration.user_id).where(
                ConflictDeclaration.user_id.in_([p.id for p in people]),
                ConflictDeclaration.organisation_id == case.applicant_org_id,
                ConflictDeclaration.withdrawn_at.is_(None),
            )
        )
    )
    out = {}
    for p in people:
        if p.organisation_id == case.applicant_org_id:
            out[p.id] = str(_l("of the applicant organisation"))
        elif p.id in declared:
            out[p.id] = str(_l("conflict of interest declared"))
    return out


def panels(case: Case, wf: Workflow, user) -> list[Panel]:
    """Every panel stage of the workflow, its members, and (for whoever may assign people to
    it) the holders of the stage's role; those with a declared conflict of interest are listed
    as such (``conflicted``), and the engine refuses them."""
    rows = db.session.scalars(
        select(CaseParticipant)
        .where(CaseParticipant.case_id == case.id)
        .order_by(CaseParticipant.assigned_at, CaseParticipant.id)
    ).all()
    out = []
    for stage in wf.states:
        if not stage.is_stage or stage.assign is None or stage.assign.scope != "panel":
            continue
        members = [p.user for p in rows if p.stage == stage.key]
        panel = Panel(stage, members, role=stage.assign.role)
        if may_assign_panel(case, wf, stage, user):
            taken = {m.id for m in members}
            panel.candidates = _pool(stage.assign.role, taken)
            panel.conflicted = conflicts(case, panel.candidates)
        out.append(panel)
    return out
