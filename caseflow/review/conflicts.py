"""Conflicts of interest (利益冲突) of experts and inspectors, and the pool they are drawn from.

An expert or inspector declares a conflict with an organisation (a former employer, a school
they advise …) with a reason; a province reviewer or an administrator may record one for them.
``engine.has_conflict`` then refuses them for any panel of that organisation's cases, and the
panel picker shows them greyed. A declaration is never deleted: conflicts are history. It may
be withdrawn, with a reason — by whoever recorded it, or by the pool's managers — and the
withdrawal is kept on the row (who, when, why).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from caseflow.extensions import db
from caseflow.models import ConflictDeclaration, Organisation, RoleAssignment, Task, User
from caseflow.roles import NON_ACTING_ROLES
from caseflow.timeutil import utcnow
from caseflow.workflows.errors import refused

POOL_ROLES = ("expert", "inspector")  # who may be drawn for a panel and declares conflicts
REASON_MAX = 255


@dataclass
class PoolEntry:
    user: User
    conflicts: list[ConflictDeclaration] = field(default_factory=list)  # in force first
    open_tasks: int = 0  # open panel tasks of the role

    @property
    def in_force(self) -> list[ConflictDeclaration]:
        return [c for c in self.conflicts if c.in_force]


def pool(role: str) -> list[PoolEntry]:
    """Every active holder of ``role`` (an expert or inspector) by name, with their conflicts
    and their open panel tasks in that role — in three queries."""
    people = db.session.scalars(
        select(User)
        .where(User.disabled.is_(False),
               User.id.in_(select(RoleAssignment.user_id).where(RoleAssignment.role == role)))
        .options(joinedload(User.organisation))
        .order_by(User.display_name, User.id)
    ).all()  # fmt: skip
    entries = {u.id: PoolEntry(u) for u in people if not u.has_role(*NON_ACTING_ROLES)}
    if not entries:
        return []
    for c in declarations(list(entries)):
        entries[c.user_id].conflicts.append(c)
    counts = db.session.execute(
        select(Task.assignee_id, func.count(Task.id))
        .where(Task.assignee_id.in_(list(entries)), Task.status == "open",
               Task.kind == "stage", Task.role == role)
        .group_by(Task.assignee_id)
    ).all()  # fmt: skip
    for user_id, count in counts:
        entries[user_id].open_tasks = count
    return list(entries.values())


def declarations(user_ids: list[int]) -> list[ConflictDeclaration]:
    """The declarations about these people: in force first, then withdrawn; newest first."""
    return list(
        db.session.scalars(
            select(ConflictDeclaration)
            .where(ConflictDeclaration.user_id.in_(user_ids))
            .options(joinedload(ConflictDeclaration.organisation),
                     joinedload(ConflictDeclaration.declared_by),
                     joinedload(ConflictDeclaration.withdrawn_by))
            .order_by(ConflictDeclaration.withdrawn_at.is_not(None),
                      ConflictDeclaration.declared_at.desc(), ConflictDeclaration.id.desc())
        ).unique()
    )  # fmt: skip


def organisations() -> list[Organisation]:
    """The organisations a conflict may name (the choices of the forms)."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def _reason_text(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise refused("reason_required", "请写明理由。", "Give a reason.")
    if len(text) > REASON_MAX:
        raise refused("reason_too_long", f"理由最多 {REASON_MAX} 字。",
                      f"The reason may have at most {REASON_MAX} characters.")  # fmt: skip
    return text


def declare(person: User, organisation_id: int, reason: str, by: User, *, now=None):
    """Record that ``person`` (an expert or inspector) has a conflict with the organisation;
    ``by`` is the person themselves or a pool manager. Refused when one is already in force."""
    if not person.has_role(*POOL_ROLES) or person.disabled:
        raise refused("not_in_pool", "只能为评审专家或检查人员登记利益冲突。",
                      "Conflicts are recorded for experts and inspectors.")  # fmt: skip
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise refused("unknown_organisation", "请选择单位。", "Choose an organisation.")
    text = _reason_text(reason)
    existing = db.session.scalar(
        select(ConflictDeclaration.id).where(
            ConflictDeclaration.user_id == person.id,
            ConflictDeclaration.organisation_id == organisation.id,
            ConflictDeclaration.withdrawn_at.is_(None),
        )
    )
    if existing is not None:
        raise refused("conflict_exists", f"与{organisation.name}的利益冲突已登记。",
                      f"A conflict with {organisation.name} is already declared.")  # fmt: skip
    declaration = ConflictDeclaration(user_id=person.id, organisation_id=organisation.id,
                                      reason=text, declared_at=now or utcnow(),
                                      declared_by_id=by.id)  # fmt: skip
    db.session.add(declaration)
    db.session.commit()
    return declaration


def may_withdraw(declaration: ConflictDeclaration, user, *, manager: bool) -> bool:
    """A pool manager may withdraw any declaration in force; an expert or inspector only one
    about themselves that they declared themselves."""
    if not declaration.in_force:
        return False
    if manager:
        return True
    mine = declaration.user_id == user.id
    return mine and declaration.declared_by_id in (None, user.id)


def withdraw(declaration: ConflictDeclaration, by: User, reason: str, *, manager: bool,
             now=None) -> ConflictDeclaration:  # fmt: skip
    if not may_withdraw(declaration, by, manager=manager):
        raise refused("withdraw_not_allowed", "您不能撤回这项利益冲突声明。",
                      "You may not withdraw this declaration.")  # fmt: skip
    declaration.withdrawal_reason = _reason_text(reason)
    declaration.withdrawn_at = now or utcnow()
    declaration.withdrawn_by_id = by.id
    db.session.commit()
    return declaration
