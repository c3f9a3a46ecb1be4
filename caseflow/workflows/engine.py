"""The only writer of ``Case.state`` and of case events.

``available_actions(case, user)`` says what a user may do now; ``apply(case, action, user, data)``
does it. In one database transaction ``apply`` checks permission (role + scope + separation of
duties), input, guards and the case version; updates the case; closes and opens stage tasks;
moves the licensing clock; sets timers; appends the event to the case's hash chain; and writes
the effects to the outbox. Views, the API, jobs and the CLI all come through here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from caseflow import documents
from caseflow.audit.chain import append_event
from caseflow.authz import supervises
from caseflow.extensions import db
from caseflow.models import (
    Case,
    CaseParticipant,
    ConflictDeclaration,
    OutboxMessage,
    RoleAssignment,
    SupplementItem,
    Task,
    User,
)
from caseflow.models.regions import PROVINCE_CODE
from caseflow.timeutil import utcnow
from caseflow.workflows import clock as clocks
from caseflow.workflows import notices, registry, sheets
from caseflow.workflows.definition import State, Transition, Workflow
from caseflow.workflows.errors import (
    STALE,
    ActionRefused,
    InvalidInput,
    Reason,
    StaleCase,
    refused,
)

# Actions recorded as events that are not decisions: they never count as "acting in a stage".
TASK_ACTIONS = frozenset(
    {"create", "edit", "claim", "release", "handover", "add_cosigner", "assign_panel",
     "answer_item", "remind", "overdue", "attach", "file_objection"}
)  # fmt: skip
NON_ACTING_ROLES = frozenset({"admin", "auditor"})


class SystemActor:
    """The system, acting on timers (deemed acceptance, lapse, end of a public notice)."""

    id = None
    display_name = "system"
    organisation_id = None
    roles = ()
    is_authenticated = True
    disabled = False

    def has_role(self, *keys):
        return False


SYSTEM = SystemActor()


@dataclass
class ActionContext:
    """What guards, routers and effects see. Guards must not change anything."""

    case: Case
    user: object
    workflow: Workflow
    state: State
    transition: Transition | None
    data: dict
    comment: str | None
    now: datetime
    role: str | None = None
    _participants: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        return clocks.local_date(self.now)

    def participants(self, stage: str) -> list[CaseParticipant]:
        if stage not in self._participants:
            self._participants[stage] = list(
                db.session.scalars(
                    select(CaseParticipant).where(
                        CaseParticipant.case_id == self.case.id, CaseParticipant.stage == stage
                    )
                )
            )
        return self._participants[stage]

    @property
    def open_supplement_items(self) -> list[SupplementItem]:
        return open_supplement_items(self.case)


@dataclass(frozen=True)
class ActionInfo:
    action: str
    kind: str
    label_zh: str
    label_en: str
    comment: str
    fields: tuple

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh


# ---------------------------------------------------------------------------------------------
# Creating and editing


def next_reference(prefix: str, year: int, region_code: str) -> str:
    """The next reference number, e.g. ``SE-2026-510100-0007``; never repeats under concurrency."""
    key = {"prefix": prefix, "year": year, "region_code": region_code}
    from caseflow.models import ReferenceCounter

    for _ in range(3):
        result = db.session.execute(
            update(ReferenceCounter)
            .where(*(getattr(ReferenceCounter, k) == v for k, v in key.items()))
            .values(value=ReferenceCounter.value + 1)
            .returning(ReferenceCounter.value)
        ).first()
        if result is not None:
            return f"{prefix}-{year}-{region_code}-{result[0]:04d}"
        try:
            with db.session.begin_nested():
                db.session.add(ReferenceCounter(**key, value=0))
        except IntegrityError:
            pass  # another transaction created the counter first; increment it on the next pass
    raise RuntimeError("could not allocate a reference number")


def create_case(workflow_key: str, kind: str, user, data: dict | None = None, *, now=None) -> Case:
    """File a new case for the user's organisation, in the workflow's initial state."""
    wf = registry.get(workflow_key)
    now = now or utcnow()
    if kind not in wf.kinds:
        raise InvalidInput(
            Reason("unknown_kind", "申报类型无效。", "Unknown kind."),
            {"kind": Reason("unknown_kind", "申报类型无效。", "Unknown kind.")},
        )
    if user is SYSTEM or user.has_role(*NON_ACTING_ROLES):
        raise refused("separation_admin", "系统管理员和审计人员不能办理案件。",
                      "Administrators and auditors cannot act on cases.")  # fmt: skip
    org = user.organisation
    if not any(a.role == "applicant" and a.organisation_id == org.id for a in user.roles):
        raise refused("not_applicant", "只有申报单位的申报人可以提交申请。",
                      "Only an applicant of an organisation may file a case.")  # fmt: skip
    data = clean_json(validate_case_data(wf, data or {}, kind))
    policy_version = None
    if wf.policies:  # the policy versions in effect on the day of filing (house rule 6)
        from caseflow import policy

        try:
            policy_version = policy.snapshot_id(wf.policies, on=clocks.local_date(now))
        except policy.PolicyError as exc:
            raise refused(
                "policy_missing",
                "政策数据缺少当日有效的版本，暂不能申报，请联系系统管理员。",
                "The policy data has no version in effect today; filing is not possible "
                "until an administrator adds one.",
            ) from exc
    case = Case(
        reference=next_reference(wf.prefix, clocks.local_date(now).year, org.region_code),
        workflow=wf.key,
        kind=kind,
        state=wf.initial,
        version=1,
        applicant_org_id=org.id,
        region_code=org.region_code,
        created_by_id=user.id,
        data=data,
        policy_version=policy_version,
        created_at=now,
        updated_at=now,
    )
    db.session.add(case)
    db.session.flush()
    event = append_event(
        case,
        action="create",
        occurred_at=now,
        actor=user,
        actor_role="applicant",
        to_state=wf.initial,
        changes={k: [None, v] for k, v in sorted(data.items())} or None,
        details={"kind": kind, "workflow": wf.key},
        policy_version=case.policy_version,
    )
    case.entered_seq = event.seq
    db.session.commit()
    return case


def update_data(case: Case, user, data: dict, *, expected_version=None, now=None) -> Case:
    """Edit the case's form data while the applicant may edit (an applicant-kind state)."""
    wf = registry.get(case.workflow)
    now = now or utcnow()
    state = wf.state(case.state)
    if state.kind != "applicant":
        raise refused("not_editable", "当前环节不能修改申请内容。",
                      "The application cannot be edited at this step.")  # fmt: skip
    role = applicant_role(case, user)
    data = clean_json(validate_case_data(wf, data, case.kind))
    changes = {k: [case.data.get(k), v] for k, v in sorted(data.items()) if case.data.get(k) != v}
    lock_case(case, expected_version)
    if changes:
        case.data = {**case.data, **data}
    append_event(case, action="edit", occurred_at=now, actor=user, actor_role=role,
                 from_state=case.state, to_state=case.state, changes=changes or None,
                 policy_version=case.policy_version)  # fmt: skip
    case.updated_at = now
    db.session.commit()
    return case


def answer_supplement_item(case: Case, user, item_id: int, answer: str, *, now=None) -> Case:
    """The applicant answers one item of a supplement notice."""
    now = now or utcnow()
    wf = registry.get(case.workflow)
    if wf.state(case.state).kind != "applicant":
        raise refused("not_editable", "当前环节不能答复补正。",
                      "Supplement items cannot be answered at this step.")  # fmt: skip
    role = applicant_role(case, user)
    item = db.session.get(SupplementItem, item_id)
    if item is None or item.case_id != case.id or item not in open_supplement_items(case):
        raise InvalidInput(Reason("unknown_item", "补正事项不存在。", "No such supplement item."))
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput(
            Reason("answer_required", "请填写答复。", "Please write an answer."),
            {"answer": Reason("required", "必填。", "Required.")},
        )
    lock_case(case, None)
    before = item.answer
    item.answer, item.answered_at, item.answered_by_id = answer, now, user.id
    append_event(case, action="answer_item", occurred_at=now, actor=user, actor_role=role,
                 from_state=case.state, to_state=case.state,
                 changes={f"supplement_item_{item.position}": [before, answer]},
                 details={"item_id": item.id}, policy_version=case.policy_version)  # fmt: skip
    db.session.commit()
    return case


def open_supplement_items(case: Case) -> list[SupplementItem]:
    """The items of the latest supplement notice."""
    latest = db.session.scalar(
        select(SupplementItem.notice_seq)
        .where(SupplementItem.case_id == case.id)
        .order_by(SupplementItem.notice_seq.desc())
        .limit(1)
    )
    if latest is None:
        return []
    return list(
        db.session.scalars(
            select(SupplementItem)
            .where(SupplementItem.case_id == case.id, SupplementItem.notice_seq == latest)
            .order_by(SupplementItem.position)
        )
    )


# ---------------------------------------------------------------------------------------------
# Permission and separation of duties


def applicant_role(case: Case, user) -> str:
    if user is SYSTEM or user.has_role(*NON_ACTING_ROLES):
        raise refused("separation_admin", "系统管理员和审计人员不能办理案件。",
                      "Administrators and auditors cannot act on cases.")  # fmt: skip
    if any(
        a.role == "applicant" and a.organisation_id == case.applicant_org_id for a in user.roles
    ):
        return "applicant"
    raise refused("not_applicant_of_case", "只有本案申报单位的申报人可以办理此操作。",
                  "Only an applicant of the filing organisation may do this.")  # fmt: skip


def covers(assignment: RoleAssignment, case: Case, scope_rule: str | None) -> bool:
    kind = assignment.scope_kind
    if scope_rule == "supervisor_or_region":
        department = case.supervising_department_id
        if department is not None:
            return kind == "organisation" and supervises(assignment, case)
        scope_rule = "applicant_region"
    if scope_rule == "applicant_region":
        return kind == "region" and assignment.region_code == case.region_code
    if scope_rule == "province":
        return kind == "province"
    if kind == "province":
        return True
    if kind == "region":
        return assignment.region_code == case.region_code
    return kind == "organisation" and supervises(assignment, case)


def task_scope(case: Case, assign) -> tuple[str | None, int | None]:
    """(region code, organisation id) of the pool a ``single`` stage's task waits in: the
    province, a department supervising the applicant, or the case's city."""
    if assign.scope == "province":
        return PROVINCE_CODE, None
    if assign.scope == "supervisor_or_region" and case.supervising_department_id is not None:
        return None, case.supervising_department_id
    return case.region_code, None


def open_tasks(case: Case, stage: str | None = None) -> list[Task]:
    """Open tasks of the case (of ``stage``'s current visit when given), in sign-off order."""
    stmt = select(Task).where(Task.case_id == case.id, Task.status == "open")
    if stage is not None:
        stmt = stmt.where(Task.stage == stage, Task.visit == case.entered_seq)
    return list(db.session.scalars(stmt.order_by(Task.position, Task.id)))


def acted_in_other_stage(case: Case, user, wf: Workflow, stage: str) -> str | None:
    """The other sign-off stage of this case where ``user`` already took a decision, if any."""
    from caseflow.models import CaseEvent

    rows = db.session.execute(
        select(CaseEvent.from_state, CaseEvent.action).where(
            CaseEvent.case_id == case.id, CaseEvent.actor_id == user.id
        )
    ).all()
    for from_state, action in rows:
        if action in TASK_ACTIONS or from_state is None:
            continue
        if from_state != stage and from_state in wf.stage_keys:
            return from_state
    return None


def has_conflict(user, case: Case) -> bool:
    if user.organisation_id == case.applicant_org_id:
        return True
    return (
        db.session.scalar(
            select(ConflictDeclaration.id).where(
                ConflictDeclaration.user_id == user.id,
                ConflictDeclaration.organisation_id == case.applicant_org_id,
                ConflictDeclaration.withdrawn_at.is_(None),
            )
        )
        is not None
    )


def check_stage_separation(case: Case, user, wf: Workflow, state: State) -> None:
    if user is SYSTEM:
        return
    if user.has_role(*NON_ACTING_ROLES):
        raise refused("separation_admin", "系统管理员和审计人员不能办理案件。",
                      "Administrators and auditors cannot act on cases.")  # fmt: skip
    if user.organisation_id == case.applicant_org_id:
        raise refused("own_organisation", "不能审核本单位提交的案件。",
                      "No one reviews a case filed by their own organisation.")  # fmt: skip
    other = acted_in_other_stage(case, user, wf, state.key)
    if other is not None:
        label = wf.state(other)
        raise refused(
            "acted_in_other_stage",
            f"您已在本案“{label.label_zh}”环节办理过，不能再在其他审批环节办理。",
            f"You already acted in the “{label.label_en}” stage of this case; "
            "no one acts in two sign-off stages.",
        )
    if state.assign and state.assign.scope == "panel" and has_conflict(user, case):
        raise refused("conflict", "您与申报单位存在利益冲突，不能参与本案。",
                      "You have a conflict of interest with the applicant.")  # fmt: skip


def permitted_role(case: Case, user, wf: Workflow, state: State, t: Transition) -> str:
    """The role in which ``user`` may take ``t`` now, or raise ActionRefused saying why."""
    if user is SYSTEM:
        if "system" in t.roles:
            return "system"
        raise refused("system_not_allowed", "系统不能执行此操作。", "The system cannot do this.")
    if user.has_role(*NON_ACTING_ROLES):
        raise refused("separation_admin", "系统管理员和审计人员不能办理案件。",
                      "Administrators and auditors cannot act on cases.")  # fmt: skip
    if ("applicant" in t.roles and state.kind == "applicant") or t.kind == "withdraw":
        return applicant_role(case, user)
    if state.is_stage:
        check_stage_separation(case, user, wf, state)
        if state.mode == "single":
            held = [a for a in user.roles if a.role in t.roles and a.role == state.assign.role]
            if not any(covers(a, case, state.assign.scope) for a in held):
                raise refused("out_of_scope", "此案件不在您的办理范围内。",
                              "This case is not within your role and scope.")  # fmt: skip
            tasks = open_tasks(case, state.key)
            if len(tasks) > 1:
                raise refused("cosigners_pending", "须先由加签人按顺序办理。",
                              "The co-signers must sign first, in order.")  # fmt: skip
            if tasks and tasks[0].holder_id not in (None, user.id):
                raise refused("claimed_by_other", "该待办已由他人认领。",
                              "Another person holds this task.")  # fmt: skip
            return state.assign.role
        task = _my_task(case, user, state)
        if task is None or task.role not in t.roles:
            raise refused("not_assigned", "您不是本环节的指定办理人，或已经办理。",
                          "You are not assigned to this stage, or signed already.")  # fmt: skip
        return task.role
    held = [a for a in user.roles if a.role in t.roles and covers(a, case, None)]
    if not held:
        raise refused("out_of_scope", "此案件不在您的办理范围内。",
                      "This case is not within your role and scope.")  # fmt: skip
    return held[0].role


def _my_task(case: Case, user, state: State) -> Task | None:
    for task in open_tasks(case, state.key):
        if task.assignee_id == user.id:
            return task
    return None


# ---------------------------------------------------------------------------------------------
# Input


def clean_json(value):
    """Make data canonical for events: dates → ISO strings, Decimal → string, no floats."""
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        raise InvalidInput(Reason("float", "金额与数字请用文本或整数。",
                                  "Numbers with decimals must be given as text."))  # fmt: skip
    return value


REQUIRED = Reason("required", "此项为必填项。", "This field is required.")


def validate_input(t: Transition, data: dict, comment: str | None) -> dict:
    errors: dict[str, Reason] = {}
    clean: dict = {}
    if t.comment == "required" and not (comment or "").strip():
        errors["comment"] = Reason(
            "comment_required", "请填写意见或理由。", "A comment with your reasons is required."
        )
    for f in t.fields:
        raw = data.get(f.name)
        if raw in (None, "", []):
            if f.required:
                errors[f.name] = REQUIRED
            continue
        try:
            clean[f.name] = _convert(f, raw)
        except (ValueError, TypeError) as exc:
            errors[f.name] = (
                exc.args[0]
                if isinstance(exc.args[0], Reason)
                else Reason("invalid", "格式不正确。", "Invalid value.")
            )
    if t.kind == "return_supplement" and "items" not in clean and "items" not in errors:
        errors["items"] = Reason(
            "items_required", "请逐项列明需要补正的内容。", "List every item to be supplied."
        )
    if errors:
        raise InvalidInput(Reason("invalid_input", "输入有误，请检查。", "Please check the input."),
                           errors)  # fmt: skip
    return clean


def validate_case_data(wf: Workflow, data: dict, kind: str | None = None) -> dict:
    """Type-check application data against the definition's form. A draft may be incomplete
    (the ``application_complete`` guard checks that at submission); unknown fields, and fields
    the form asks only of other kinds, are refused."""
    if not wf.fields:
        return data
    known = {f.name: f for f in wf.fields}
    errors: dict[str, Reason] = {}
    clean: dict = {}
    for name, raw in data.items():
        f = known.get(name)
        if f is None:
            errors[name] = Reason("unknown_field", "申请表中没有此项。", "Not a field of the form.")
        elif not f.for_kind(kind):
            errors[name] = Reason("not_for_kind", "此申报类型的申请表中没有此项。",
                                  "Not a field of the form for this kind of application.")
        elif raw in (None, "", []):
            clean[name] = None
        else:
            try:
                clean[name] = _convert(f, raw)
            except (ValueError, TypeError) as exc:
                reason = exc.args[0] if exc.args and isinstance(exc.args[0], Reason) else None
                errors[name] = reason or Reason("invalid", "格式不正确。", "Invalid value.")
    if errors:
        raise InvalidInput(Reason("invalid_input", "输入有误，请检查。", "Please check the input."),
                           errors)  # fmt: skip
    return clean


def _convert(f, raw):
    if f.type == "sheet":  # rows checked by the transition's guards against the sheet's rows
        lines = sheets.to_lines(raw)
        if not lines:
            raise ValueError(REQUIRED)
        return lines
    if isinstance(raw, dict):  # only a sheet is given as an object
        raise ValueError(Reason("invalid", "格式不正确。", "Invalid value."))
    if f.type == "text":
        return str(raw).strip()
    if f.type in ("int", "user"):
        value = int(raw)
        if f.min_value is not None and value < f.min_value:
            raise ValueError(Reason("too_small", f"不能小于 {f.min_value}。",
                                    f"Must be at least {f.min_value}."))  # fmt: skip
        if f.max_value is not None and value > f.max_value:
            raise ValueError(Reason("too_large", f"不能大于 {f.max_value}。",
                                    f"Must be at most {f.max_value}."))  # fmt: skip
        return value
    if f.type == "decimal":
        try:
            return str(Decimal(str(raw).replace(",", "")))
        except InvalidOperation as exc:
            raise ValueError(Reason("not_a_number", "请输入数字。", "Enter a number.")) from exc
    if f.type == "date":
        return date.fromisoformat(str(raw)).isoformat()
    if f.type == "choice":
        if raw not in f.choices:
            raise ValueError(Reason("bad_choice", "选项无效。", "Not one of the choices."))
        return raw
    if f.type == "bool":
        return raw in (True, "true", "1", "on", "yes")
    if f.type == "items":
        items = raw if isinstance(raw, list) else re.split(r"\r?\n", str(raw))
        items = [str(i).strip() for i in items if str(i).strip()]
        if not items:
            raise ValueError(REQUIRED)
        return items
    raise ValueError(Reason("invalid", "格式不正确。", "Invalid value."))


# ---------------------------------------------------------------------------------------------
# What may be done now


def available_actions(case: Case, user) -> list[ActionInfo]:
    """The transitions ``user`` may take on ``case`` now (permission, SoD and guards checked)."""
    wf = registry.get(case.workflow)
    state = wf.state(case.state)
    found = []
    for t in wf.transitions_from(case.state):
        if "system" in t.roles and t.roles == {"system"}:
            continue
        try:
            role = permitted_role(case, user, wf, state, t)
            ctx = ActionContext(case, user, wf, state, t, {}, None, utcnow(), role)
            _check_guards(ctx)
        except ActionRefused:
            continue
        found.append(ActionInfo(t.action, t.kind, t.label_zh, t.label_en, t.comment, t.fields))
    return found


def _check_guards(ctx: ActionContext) -> None:
    names = list(ctx.transition.guards)
    if ctx.transition.kind == "resubmit":
        names.insert(0, "supplement_items_answered")
    for name in names:
        reason = registry.GUARDS[name](ctx)
        if reason is not None:  # a sheet's refusal carries a reason per row
            raise ActionRefused(reason, getattr(reason, "errors", None))


# ---------------------------------------------------------------------------------------------
# Doing it


def lock_case(case: Case, expected_version: int | None) -> None:
    """Take the case: ``UPDATE … SET version = version + 1 WHERE id = ? AND version = ?``.

    Zero rows means someone else changed the case since it was read: StaleCase (HTTP 409). On
    PostgreSQL the update also holds the row lock until commit, serialising concurrent actions.
    """
    version = case.version if expected_version is None else expected_version
    if version != case.version:
        raise StaleCase(STALE)
    result = db.session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == version)
        .values(version=version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise StaleCase(STALE)
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(case, "version", version + 1)


def apply(case: Case, action: str, user, data: dict | None = None, *, comment: str | None = None,
          expected_version: int | None = None, now: datetime | None = None) -> Case:  # fmt: skip
    """Take ``action`` on ``case`` as ``user``. Commits, or raises and changes nothing."""
    wf = registry.get(case.workflow)
    now = now or utcnow()
    state = wf.state(case.state)
    t = wf.transition(case.state, action)
    if t is None:
        raise refused("unknown_action", "当前环节不能执行此操作。",
                      "This action is not available at this step.")  # fmt: skip
    if expected_version is not None and expected_version != case.version:
        raise StaleCase(STALE)
    try:
        role = permitted_role(case, user, wf, state, t)
        data = validate_input(t, clean_json(data or {}), comment)
        comment = (comment or "").strip() or None
        ctx = ActionContext(case, user, wf, state, t, data, comment, now, role)
        _check_guards(ctx)
        lock_case(case, expected_version)
        _perform(ctx)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return case


def _perform(ctx: ActionContext) -> None:
    case, wf, state, t = ctx.case, ctx.workflow, ctx.state, ctx.transition
    details: dict = {k: v for k, v in ctx.data.items() if k != "items"}
    target = state.key
    if t.kind == "sign":
        task = _my_task(case, ctx.user, state)
        _close_task(task, ctx, "done")
        details["task_id"] = task.id
        remaining = [x for x in open_tasks(case, state.key) if x.id != task.id]
        if state.mode == "any" or not remaining:
            target = _route(ctx)
    else:
        target = _route(ctx)
    seq = case.last_event_seq + 1
    moved = target != state.key
    if t.kind == "return_supplement":
        items = ctx.data["items"]
        for position, text in enumerate(items, start=1):
            db.session.add(SupplementItem(case_id=case.id, notice_seq=seq, stage=state.key,
                                          position=position, text=text))  # fmt: skip
        details["items"] = items
        case.returned_from = state.key
    if t.kind == "resubmit":
        case.returned_from = None
    if t.kind == "reject":
        details["remedies"] = {
            "reconsideration_days": wf.remedies.reconsideration_days,
            "litigation_months": wf.remedies.litigation_months,
        }
    if moved:
        # The actor's task is done (in a single stage the one open task is theirs); the tasks
        # of everyone else in the stage are cancelled.
        actor_id = getattr(ctx.user, "id", None)
        decided_here = state.is_stage and ctx.role == getattr(state.assign, "role", None)
        for task in open_tasks(case, state.key):
            mine = decided_here and (state.mode == "single" or task.assignee_id == actor_id)
            _close_task(task, ctx, "done" if mine else "cancelled")
    clocks.on_transition(ctx, state, wf.state(target), moved, t.clock, details)
    event = append_event(
        case,
        action=t.action,
        occurred_at=ctx.now,
        actor=None if ctx.user is SYSTEM else ctx.user,
        actor_role=ctx.role,
        from_state=state.key,
        to_state=target,
        comment=ctx.comment,
        details=details or None,
        policy_version=case.policy_version,
    )
    if moved:
        if state.kind == "public":
            notices.close_notice(case, state, ctx.now)
        case.state = target
        case.entered_seq = event.seq
        new_state = wf.state(target)
        _enter_state(ctx, new_state)
        if new_state.is_terminal:
            case.closed_at = ctx.now
    case.updated_at = ctx.now
    db.session.flush()
    for kind in t.documents:
        documents.issue(case, kind, event, ctx)
    for name in t.effects:
        payload = registry.EFFECTS[name](ctx)
        if payload is not None:
            write_outbox(case, event, name, payload)


def _route(ctx: ActionContext) -> str:
    t = ctx.transition
    if t.kind == "resubmit":
        if not ctx.case.returned_from:
            raise refused("nothing_to_resubmit", "没有需要重新提交的补正。",
                          "There is no supplement notice to answer.")  # fmt: skip
        return ctx.case.returned_from
    if t.target:
        return t.target
    target = registry.ROUTERS[t.router](ctx)
    if target not in registry.ROUTERS[t.router].targets:
        raise RuntimeError(f"router {t.router} returned an undeclared target {target!r}")
    return target


def _close_task(task: Task, ctx: ActionContext, status: str) -> None:
    task.status = status
    task.completed_at = ctx.now
    task.outcome = ctx.transition.action if ctx.transition else None
    if status == "done" and ctx.user is not SYSTEM:
        task.completed_by_id = ctx.user.id


def _enter_state(ctx: ActionContext, new: State) -> None:
    """Open the new stage's tasks and set its timers."""
    case = ctx.case
    due = clocks.stage_deadline(new, ctx.today)
    if new.is_stage:
        if new.mode == "single":
            region, department = task_scope(case, new.assign)
            tasks = [Task(role=new.assign.role, region_code=region, organisation_id=department)]
        else:
            tasks = [Task(role=p.role, assignee_id=p.user_id, region_code=case.region_code)
                     for p in ctx.participants(new.key)]  # fmt: skip
        for task in tasks:
            task.case_id, task.stage, task.visit, task.mode = (
                case.id,
                new.key,
                case.entered_seq,
                new.mode,
            )
            task.opened_at = ctx.now
            if due is not None:
                task.due_on, task.due_provisional = due.day, due.provisional
            db.session.add(task)
        if tasks:
            db.session.flush()
            write_outbox(case, None, "notify_assignees",
                    {"to": "tasks", "task_ids": [t.id for t in tasks]})  # fmt: skip
    if new.kind == "public":
        notices.open_notice(ctx, new, due)
    clocks.set_state_timers(case, new, due, ctx.now)


def write_outbox(case: Case, event, effect_name: str, payload: dict) -> None:
    db.session.add(
        OutboxMessage(
            case_id=case.id,
            event_id=event.id if event is not None else None,
            effect=effect_name,
            payload=clean_json(payload),
        )
    )


# ---------------------------------------------------------------------------------------------
# Generic task operations: claim, release, hand over, add a co-signer, assign a panel


def _task_for_user_op(task: Task, user) -> tuple[Case, Workflow, State]:
    case = db.session.get(Case, task.case_id)
    wf = registry.get(case.workflow)
    state = wf.state(case.state)
    if task.status != "open" or task.stage != case.state or task.visit != case.entered_seq:
        raise refused("task_closed", "该待办已办结。", "This task is no longer open.")
    if task.kind != "stage":
        raise refused("objection_task", "异议待办请在案件页面直接处理。",
                      "Objections are resolved on the case page.")  # fmt: skip
    return case, wf, state


def in_stage_scope(case: Case, user, state: State) -> bool:
    return any(a.role == state.assign.role and covers(a, case, state.assign.scope)
               for a in user.roles)  # fmt: skip


def _task_event(case, user, role, action, now, details, comment=None):
    append_event(case, action=action, occurred_at=now, actor=user, actor_role=role,
                 from_state=case.state, to_state=case.state, comment=comment,
                 details=details, policy_version=case.policy_version)  # fmt: skip


def claim(task: Task, user, *, now=None) -> Task:
    """认领: take an unclaimed `single` task so colleagues see who works on it."""
    now = now or utcnow()
    case, wf, state = _task_for_user_op(task, user)
    if user.has_role(*NON_ACTING_ROLES):
        raise refused("separation_admin", "系统管理员和审计人员不能办理案件。",
                      "Administrators and auditors cannot act on cases.")  # fmt: skip
    if task.mode != "single" or task.assignee_id is not None:
        raise refused("not_claimable", "该待办已指定办理人，无需认领。",
                      "This task is assigned to a person; it cannot be claimed.")  # fmt: skip
    if task.claimed_by_id is not None:
        raise refused("claimed_by_other", "该待办已由他人认领。", "Someone has claimed this task.")
    if not in_stage_scope(case, user, state):
        raise refused("out_of_scope", "此案件不在您的办理范围内。",
                      "This case is not within your role and scope.")  # fmt: skip
    check_stage_separation(case, user, wf, state)
    lock_case(case, None)
    task.claimed_by_id, task.claimed_at = user.id, now
    _task_event(case, user, state.assign.role, "claim", now, {"task_id": task.id})
    db.session.commit()
    return task


def release(task: Task, user, *, now=None) -> Task:
    now = now or utcnow()
    case, _wf, state = _task_for_user_op(task, user)
    if task.claimed_by_id != user.id:
        raise refused(
            "not_yours", "只能释放本人认领的待办。", "You can release only your own claim."
        )
    lock_case(case, None)
    task.claimed_by_id, task.claimed_at = None, None
    _task_event(case, user, state.assign.role, "release", now, {"task_id": task.id})
    db.session.commit()
    return task


def check_colleague(case, wf, state, user, other, refusal) -> None:
    """``other`` may take part in ``user``'s stage: another active person of the same role and
    scope, who passes separation of duties for this case."""
    if other.id == user.id or other.disabled or not in_stage_scope(case, other, state):
        raise refusal
    check_stage_separation(case, other, wf, state)


def handover(task: Task, user, to_user: User, note: str, *, now=None) -> Task:
    """转交: hand a task to a colleague of the same role and scope, with a note."""
    now = now or utcnow()
    case, wf, state = _task_for_user_op(task, user)
    if not state.allow_handover:
        raise refused("no_handover", "本环节不允许转交。", "This stage does not allow hand-over.")
    if task.holder_id != user.id:
        raise refused("not_yours", "只能转交本人的待办。", "You can hand over only your own task.")
    if not (note or "").strip():
        raise InvalidInput(Reason("note_required", "请填写转交说明。", "Write a hand-over note."),
                           {"note": REQUIRED})  # fmt: skip
    check_colleague(case, wf, state, user, to_user, refused(
        "handover_target", "只能转交给同一角色、同一范围的同事。",
        "Hand over only to a colleague with the same role and scope."))  # fmt: skip
    lock_case(case, None)
    if task.assignee_id is not None:
        task.assignee_id = to_user.id
    else:
        task.claimed_by_id, task.claimed_at = to_user.id, now
    task.note = note.strip()
    _task_event(case, user, state.assign.role, "handover", now,
                {"task_id": task.id, "to_user_id": to_user.id}, comment=note.strip())  # fmt: skip
    db.session.commit()
    return task


def add_cosigner(task: Task, user, cosigner: User, *, before: bool, now=None) -> Task:
    """加签: a colleague signs before the holder (前加签) or decides after them (后加签).

    Tasks in a stage are handled in order; only the last open one decides, the earlier ones
    give their opinion with :func:`countersign`."""
    now = now or utcnow()
    case, wf, state = _task_for_user_op(task, user)
    if not state.allow_cosign:
        raise refused("no_cosign", "本环节不允许加签。", "This stage does not allow co-signers.")
    if task.holder_id != user.id:
        raise refused("not_yours", "只能为本人的待办加签。", "Only the holder may add a co-signer.")
    check_colleague(case, wf, state, user, cosigner, refused(
        "cosigner_scope", "加签人须为同一角色、同一范围的同事。",
        "A co-signer must hold the same role and scope."))  # fmt: skip
    if any(t.holder_id == cosigner.id for t in open_tasks(case, state.key)):
        raise refused("already_cosigner", "该同事已在本环节有待办。",
                      "That colleague already has a task in this stage.")  # fmt: skip
    lock_case(case, None)
    new = Task(case_id=case.id, stage=state.key, visit=case.entered_seq, mode=task.mode,
               role=task.role, region_code=task.region_code,
               organisation_id=task.organisation_id, assignee_id=cosigner.id,
               position=task.position - 1 if before else task.position + 1, opened_at=now,
               due_on=task.due_on, due_provisional=task.due_provisional)  # fmt: skip
    db.session.add(new)
    db.session.flush()
    _task_event(case, user, state.assign.role, "add_cosigner", now,
                {"task_id": new.id, "cosigner_id": cosigner.id,
                 "position": "before" if before else "after"})  # fmt: skip
    write_outbox(case, None, "notify_assignees", {"to": "tasks", "task_ids": [new.id]})
    db.session.commit()
    return new


def countersign(task: Task, user, comment: str, *, now=None) -> Task:
    """A co-signer (or the holder before an after-co-signer) gives their opinion in order."""
    now = now or utcnow()
    case, wf, state = _task_for_user_op(task, user)
    tasks = open_tasks(case, state.key)
    if len(tasks) < 2 or tasks[0].id != task.id:
        raise refused("not_your_turn", "尚未轮到您办理。", "It is not your turn to sign.")
    if task.holder_id not in (user.id, None) or not in_stage_scope(case, user, state):
        raise refused("not_yours", "这不是您的待办。", "This is not your task.")
    if not (comment or "").strip():
        raise InvalidInput(Reason("comment_required", "请填写意见。", "Write your opinion."),
                           {"comment": REQUIRED})  # fmt: skip
    check_stage_separation(case, user, wf, state)
    lock_case(case, None)
    task.status, task.completed_at, task.completed_by_id = "done", now, user.id
    task.outcome = "countersign"
    _task_event(case, user, state.assign.role, "countersign", now, {"task_id": task.id},
                comment=comment.strip())  # fmt: skip
    db.session.commit()
    return task


def assign_panel(case: Case, stage: str, users: list[User], by_user, role: str, *, now=None):
    """Assign people (experts, inspectors) to a panel stage; conflicted people are refused.

    If the case is already in that stage, their tasks open at once."""
    now = now or utcnow()
    wf = registry.get(case.workflow)
    target = wf.state(stage)
    if not target.is_stage or target.assign.scope != "panel":
        raise refused("not_a_panel", "该环节不是专家组环节。", "That stage has no panel.")
    by_role = panel_assigner_role(case, by_user, wf, target)
    if wf.state(case.state).is_terminal:
        raise refused("case_closed", "案件已办结。", "The case is closed.")
    existing = {p.user_id for p in db.session.scalars(
        select(CaseParticipant).where(CaseParticipant.case_id == case.id,
                                      CaseParticipant.stage == stage))}  # fmt: skip
    for person in users:
        if person.id in existing:
            raise refused("already_assigned", f"{person.display_name} 已在该组中。",
                          f"{person.display_name} is already on the panel.")  # fmt: skip
        if not person.has_role(role):
            raise refused("panel_role", f"{person.display_name} 不具备该角色。",
                          f"{person.display_name} does not hold the role.")  # fmt: skip
        if has_conflict(person, case):
            raise refused(
                "conflict",
                f"{person.display_name} 与申报单位存在利益冲突，不能指派。",
                f"{person.display_name} has a conflict of interest and cannot be assigned.",
            )
    lock_case(case, None)
    ids, new_tasks = [], []
    for person in users:
        db.session.add(CaseParticipant(case_id=case.id, user_id=person.id, role=role,
                                       stage=stage, assigned_by_id=by_user.id,
                                       assigned_at=now))  # fmt: skip
        ids.append(person.id)
        if case.state == stage:
            due = clocks.stage_deadline(target, clocks.local_date(now))
            task = Task(case_id=case.id, stage=stage, visit=case.entered_seq, mode=target.mode,
                        role=role, assignee_id=person.id, region_code=case.region_code,
                        opened_at=now, due_on=due.day if due else None,
                        due_provisional=due.provisional if due else False)  # fmt: skip
            db.session.add(task)
            new_tasks.append(task)
    _task_event(case, by_user, by_role, "assign_panel", now, {"stage": stage, "user_ids": ids})
    if new_tasks:
        db.session.flush()
        write_outbox(case, None, "notify_assignees",
                {"to": "tasks", "task_ids": [t.id for t in new_tasks]})  # fmt: skip
    db.session.commit()


def panel_assigner_role(case: Case, by_user, wf: Workflow, target: State) -> str:
    """Panels are picked by the role the definition names (default: a province reviewer),
    in scope, and never by the applicant's own organisation, an administrator or an auditor."""
    if by_user is SYSTEM or by_user.has_role(*NON_ACTING_ROLES):
        raise refused("separation_admin", "系统管理员和审计人员不能办理案件。",
                      "Administrators and auditors cannot act on cases.")  # fmt: skip
    if by_user.organisation_id == case.applicant_org_id:
        raise refused("own_organisation", "不能为本单位的案件指派评审人员。",
                      "No one picks the panel for their own organisation's case.")  # fmt: skip
    for a in by_user.roles:
        if a.role == target.panel_assigned_by and covers(a, case, None):
            return a.role
    raise refused("not_panel_assigner", "您无权为该环节指派人员。",
                  "You may not assign people to this stage.")  # fmt: skip
