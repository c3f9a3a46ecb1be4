"""Whom a task may be handed over to (转交): the same answer as ``engine.handover``.

``engine.check_colleague`` accepts another active person who holds the stage's role with a
scope covering the case (``engine.in_stage_scope``) and passes separation of duties for the
case (``engine.check_stage_separation``: not an administrator or auditor, not of the applicant
organisation, no decision in another sign-off stage of the case, no declared conflict for
panel stages). Asking the engine person by person costs a query or two each; here the same
rules run for a whole page of tasks in a fixed number of queries: the pool of people holding
the roles, their decisions on the page's cases, and their declared conflicts.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from caseflow.extensions import db
from caseflow.models import CaseEvent, ConflictDeclaration, RoleAssignment, Task, User
from caseflow.roles import NON_ACTING_ROLES
from caseflow.workflows import engine, registry


def _handover_stage(task: Task, user):
    """(case, workflow, state) when ``user`` may hand ``task`` over now, else None."""
    if task.status != "open" or task.kind != "stage" or task.holder_id != user.id:
        return None
    case = task.case
    wf = registry.WORKFLOWS.get(case.workflow)
    if wf is None or not wf.has_state(case.state):
        return None
    state = wf.state(case.state)
    if task.stage != case.state or task.visit != case.entered_seq:
        return None
    if not state.is_stage or state.assign is None or not state.allow_handover:
        return None
    return case, wf, state


def candidates_for(tasks, user) -> dict[int, list[User]]:
    """For each task ``user`` may hand over: the colleagues who may take it, by name."""
    eligible = [(t, found) for t in tasks if (found := _handover_stage(t, user))]
    if not eligible:
        return {}
    roles = {state.assign.role for _t, (_c, _wf, state) in eligible}
    pool = list(
        db.session.scalars(
            select(User)
            .where(
                User.id != user.id,
                User.disabled.is_(False),
                User.id.in_(select(RoleAssignment.user_id).where(RoleAssignment.role.in_(roles))),
            )
            .options(joinedload(User.organisation))
            .order_by(User.display_name, User.id)
        )
    )
    pool = [u for u in pool if not u.has_role(*NON_ACTING_ROLES)]
    if not pool:
        return {t.id: [] for t, _found in eligible}
    case_ids = {case.id for _t, (case, _wf, _s) in eligible}
    pool_ids = [u.id for u in pool]
    decided = _decisions(case_ids, pool_ids)
    conflicts = set()
    if any(state.assign.scope == "panel" for _t, (_c, _wf, state) in eligible):
        org_ids = {case.applicant_org_id for _t, (case, _wf, _s) in eligible}
        conflicts = set(
            db.session.execute(
                select(ConflictDeclaration.user_id, ConflictDeclaration.organisation_id).where(
                    ConflictDeclaration.user_id.in_(pool_ids),
                    ConflictDeclaration.organisation_id.in_(org_ids),
                    ConflictDeclaration.withdrawn_at.is_(None),
                )
            ).all()
        )
    result = {}
    for task, (case, wf, state) in eligible:
        result[task.id] = [
            other
            for other in pool
            if engine.in_stage_scope(case, other, state)
            and other.organisation_id != case.applicant_org_id
            and not (decided[(case.id, other.id)] & (wf.stage_keys - {state.key}))
            and not (
                state.assign.scope == "panel" and (other.id, case.applicant_org_id) in conflicts
            )
        ]
    return result


def _decisions(case_ids, user_ids) -> dict[tuple[int, int], set[str]]:
    """The states in which each person took a decision on each case (as
    ``engine.acted_in_other_stage`` reads the history)."""
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.actor_id, CaseEvent.from_state, CaseEvent.action).where(
            CaseEvent.case_id.in_(case_ids), CaseEvent.actor_id.in_(user_ids)
        )
    ).all()
    decided: dict[tuple[int, int], set[str]] = defaultdict(set)
    for case_id, actor_id, from_state, action in rows:
        if action in engine.TASK_ACTIONS or from_state is None:
            continue
        decided[(case_id, actor_id)].add(from_state)
    return decided


def handover_candidates(task: Task, user) -> list[User]:
    """The colleagues ``user`` may hand ``task`` over to (empty when hand-over is not possible:
    not their task, closed, or a stage without hand-over)."""
    return candidates_for([task], user).get(task.id, [])
