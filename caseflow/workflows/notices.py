"""Public notices (公示) and objections (异议).

The engine opens a notice when a case enters a ``public`` state and closes it when the case
leaves. The notice keeps a masked snapshot of what it announces (the state's ``notice_fields``),
so the public pages never read case data directly.

During the period anyone may file an objection: it opens a task for the role the definition
names (``state.objections``). The guard ``no_open_objections`` holds the notice's outcome (the
state's ``on_timeout`` action) until every objection is resolved. A dismissed objection lets the
notice continue (and, once the period is over, end); an upheld one applies the definition's
``objection_upheld`` action through the engine.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import func, select

from caseflow.audit.chain import append_event
from caseflow.extensions import db
from caseflow.models import Objection, PublicNotice, Task, Timer
from caseflow.models.regions import PROVINCE_CODE
from caseflow.pii import mask, mask_name
from caseflow.timeutil import utcnow
from caseflow.workdays import current_calendar, to_local_date
from caseflow.workflows import registry
from caseflow.workflows.errors import InvalidInput, Reason, WorkflowError, refused

log = logging.getLogger("caseflow.notices")

# Longest values an objection may carry (the columns are sized for the first two).
NAME_MAX, CONTACT_MAX, TEXT_MAX = 60, 120, 5000


def notice_content(case, state) -> dict:
    fields = [
        {
            "key": f.key,
            "label_zh": f.label_zh,
            "label_en": f.label_en,
            "value": mask(case.data.get(f.key), f.mask),
        }
        for f in state.notice_fields
    ]
    org = case.applicant_org
    return {
        "reference": case.reference,
        "workflow": case.workflow,
        "kind": case.kind,
        "organisation": org.name if org is not None else None,
        "fields": fields,
    }


def open_notice(ctx, state, due) -> PublicNotice:
    """Called by the engine inside ``apply`` when the case enters ``state`` (kind ``public``)."""
    case = ctx.case
    notice = PublicNotice(
        case_id=case.id,
        state=state.key,
        visit=case.entered_seq,
        content=notice_content(case, state),
        starts_on=ctx.today,
        ends_on=due.day if due is not None else ctx.today,
        status="open",
        opened_at=ctx.now,
    )
    db.session.add(notice)
    return notice


def current_notice(case) -> PublicNotice | None:
    return db.session.scalar(
        db.select(PublicNotice).where(
            PublicNotice.case_id == case.id,
            PublicNotice.status == "open",
        )
    )


def close_notice(case, state, now) -> None:
    """Called by the engine inside ``apply`` when the case leaves a public state."""
    notice = current_notice(case)
    if notice is not None:
        notice.status = "closed"
        notice.closed_at = now


def notice_state(notice: PublicNotice):
    return registry.get(notice.case.workflow).state(notice.state)


def open_objections(notice: PublicNotice) -> list[Objection]:
    return list(db.session.scalars(
        select(Objection).where(Objection.notice_id == notice.id, Objection.status == "open")
        .order_by(Objection.id)))  # fmt: skip


def period_over(notice: PublicNotice, now=None) -> bool:
    """The last day of the period (Asia/Shanghai) has passed."""
    return to_local_date(now or utcnow()) > notice.ends_on


def case_objections(case) -> list[Objection]:
    """Every objection filed against any notice of ``case``, oldest first (for templates)."""
    return list(db.session.scalars(
        select(Objection).where(Objection.case_id == case.id).order_by(Objection.filed_at,
                                                                       Objection.id)))  # fmt: skip


@registry.guard("no_open_objections")
def no_open_objections(ctx):
    """The notice's outcome waits until every objection filed against it is resolved."""
    notice = current_notice(ctx.case)
    if notice is None:
        return None
    count = db.session.scalar(select(func.count()).select_from(Objection).where(
        Objection.notice_id == notice.id, Objection.status == "open"))  # fmt: skip
    if count:
        return Reason(
            "objections_open",
            f"公示期间收到的异议尚有 {count} 件未处理，处理完毕前公示不能结束。",
            f"{count} objection(s) to the notice are still open; "
            "the notice cannot end until they are resolved.",
        )
    return None


@registry.guard("objection_upheld")
def objection_upheld(ctx):
    """For the definition's ``objection_upheld`` action: it is taken only through
    :func:`resolve_objection`, which marks the objection upheld first — never as a bare button."""
    notice = current_notice(ctx.case)
    upheld = notice is not None and db.session.scalar(select(Objection.id).where(
        Objection.notice_id == notice.id, Objection.status == "upheld").limit(1))  # fmt: skip
    if not upheld:
        return Reason(
            "no_objection_upheld",
            "只能在处理具体异议时认定异议成立。",
            "An objection is upheld by resolving that objection.",
        )
    return None


# ---------------------------------------------------------------------------------------------
# Filing


def _clean(name, contact, text) -> tuple[str, str, str]:
    values = {"name": (name or "").strip(), "contact": (contact or "").strip(),
              "text": (text or "").strip()}  # fmt: skip
    limits = {"name": NAME_MAX, "contact": CONTACT_MAX, "text": TEXT_MAX}
    errors = {}
    for key, value in values.items():
        if not value:
            errors[key] = Reason("required", "此项为必填项。", "This field is required.")
        elif len(value) > limits[key]:
            errors[key] = Reason("too_long", f"不能超过 {limits[key]} 个字符。",
                                 f"At most {limits[key]} characters.")  # fmt: skip
    if errors:
        raise InvalidInput(Reason("invalid_input", "输入有误，请检查。", "Please check the input."),
                           errors)  # fmt: skip
    return values["name"], values["contact"], values["text"]


def _check_accepting(notice: PublicNotice, now) -> None:
    if notice.status != "open":
        raise refused("notice_closed", "该公示已结束，不再受理异议。",
                      "This notice is closed; objections are no longer accepted.")  # fmt: skip
    if period_over(notice, now):
        day = notice.ends_on.isoformat()
        raise refused("notice_period_over", f"公示期已于 {day} 结束，不再受理异议。",
                      f"The notice period ended on {day}; objections are no longer "
                      "accepted.")  # fmt: skip
    if to_local_date(now) < notice.starts_on:
        raise refused("notice_not_started", "公示期尚未开始。", "The notice period has not begun.")


def _objection_task(notice: PublicNotice, state, now) -> Task:
    """A `single` task for the objection role, scoped like the engine's single stages."""
    case = notice.case
    region = PROVINCE_CODE if state.objections.scope == "province" else case.region_code
    task = Task(
        case_id=case.id,
        kind="objection",
        stage=notice.state,
        visit=notice.visit,
        mode="single",
        role=state.objections.role,
        region_code=region,
        opened_at=now,
    )
    if state.objection_time_limit:
        due = current_calendar().add_workdays(to_local_date(now), state.objection_time_limit)
        task.due_on, task.due_provisional = due.day, due.provisional
    return task


def file_objection(notice: PublicNotice, name: str, contact: str, text: str,
                   attachment_file=None, *, now=None) -> Objection:  # fmt: skip
    """Anyone files an objection during the period: the objection, a task for the reviewers the
    definition names, an event on the case's chain and the notification, in one transaction
    (an attached file is checked, stored and recorded in it too, by ``attachments.stage``).

    The event names the objection and a masked name only: the chain is append-only and exported
    to auditors, so the objector's contact details (personal data that must stay correctable and
    erasable) live in the objection row alone. A hash of the text lets the chain attest to what
    was filed without repeating it."""
    from caseflow.workflows import engine

    now = now or utcnow()
    case = notice.case
    state = notice_state(notice)
    if state.objections is None:
        raise refused("no_objections", "该公示不受理异议。", "This notice takes no objections.")
    _check_accepting(notice, now)
    name, contact, text = _clean(name, contact, text)
    staged = None
    try:
        engine.lock_case(case, None)
        db.session.refresh(notice)  # the period may have closed since the page was read
        _check_accepting(notice, now)
        if attachment_file is not None:  # checked, stored and recorded in this transaction
            from caseflow import attachments

            staged = attachments.stage(case, "objection", attachment_file, None, now=now)
        objection = Objection(notice_id=notice.id, case_id=case.id, name=name, contact=contact,
                              text=text, filed_at=now, status="open")  # fmt: skip
        db.session.add(objection)
        objection.attachment_id = staged.attachment.id if staged is not None else None
        task = _objection_task(notice, state, now)
        db.session.add(task)
        db.session.flush()
        objection.task_id = task.id
        event = append_event(
            case, action="file_objection", occurred_at=now, actor=None, actor_role="public",
            from_state=case.state, to_state=case.state,
            details={"objection_id": objection.id, "notice_id": notice.id, "task_id": task.id,
                     "name": mask_name(name), "attachment_id": objection.attachment_id,
                     "text_sha256": hashlib.sha256(text.encode()).hexdigest()},
            policy_version=case.policy_version)  # fmt: skip
        db.session.flush()
        engine.write_outbox(case, event, "notify_assignees", {"to": "tasks", "task_ids": [task.id]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        if staged is not None:
            staged.discard()  # no orphan file when the objection could not be recorded
        raise
    return objection


# ---------------------------------------------------------------------------------------------
# Resolving


def resolver_role(case, user, state) -> str:
    """The role in which ``user`` may resolve objections to ``case``'s notice, or refuse."""
    from caseflow.workflows import engine

    if user is engine.SYSTEM or user.has_role(*engine.NON_ACTING_ROLES):
        raise refused("separation_admin", "系统管理员和审计人员不能办理案件。",
                      "Administrators and auditors cannot act on cases.")  # fmt: skip
    if user.organisation_id == case.applicant_org_id:
        raise refused("own_organisation", "不能处理针对本单位案件的异议。",
                      "No one resolves objections to their own organisation's case.")  # fmt: skip
    assign = state.objections
    if assign is None or not any(
        a.role == assign.role and engine.covers(a, case, assign.scope) for a in user.roles
    ):
        raise refused("out_of_scope", "您无权处理该异议。",
                      "Resolving this objection is not within your role and scope.")  # fmt: skip
    return assign.role


def may_resolve(objection: Objection, user) -> bool:
    if objection.status != "open" or objection.notice.status != "open":
        return False
    try:
        resolver_role(objection.notice.case, user, notice_state(objection.notice))
    except WorkflowError:
        return False
    return True


def may_see_objectors(case, user) -> bool:
    """Objectors' names, contact details and files are for the reviewers who resolve objections
    and for auditors — not for the applicant or the other people working on the case."""
    if user.has_role("auditor"):
        return True
    for state in registry.get(case.workflow).states:
        if state.objections is not None:
            try:
                resolver_role(case, user, state)
                return True
            except WorkflowError:
                continue
    return False


def _resolve(objection, task, user, status: str, reason: str, outcome: str, now) -> None:
    objection.status, objection.resolution = status, reason
    objection.resolved_by_id, objection.resolved_at = user.id, now
    if task is not None and task.status == "open":
        task.status, task.outcome = "done", outcome
        task.completed_at, task.completed_by_id = now, user.id


def resolve_objection(objection: Objection, user, upheld: bool, reason: str, *, now=None):
    """A reviewer of the objection role resolves an objection, giving reasons.

    Upheld: the definition's ``objection_upheld`` action is applied through the engine (the case
    leaves the notice; the tasks of other open objections are cancelled and those objections are
    closed by the same outcome). Dismissed: the notice continues — and if its period is already
    over and nothing else is open, the notice ends now, as the timer would have."""
    from caseflow.workflows import engine

    now = now or utcnow()
    notice = objection.notice
    case, state = notice.case, notice_state(notice)
    role = resolver_role(case, user, state)
    if objection.status != "open" or notice.status != "open":
        raise refused("objection_resolved", "该异议已处理。", "This objection is already resolved.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(Reason("reason_required", "请填写处理理由。", "Give your reasons."),
                           {"reason": Reason("required", "此项为必填项。",
                                             "This field is required.")})  # fmt: skip
    task = db.session.get(Task, objection.task_id) if objection.task_id else None
    if upheld:
        try:
            for other in open_objections(notice):
                other_task = task if other.id == objection.id else None
                _resolve(other, other_task, user, "upheld", reason, state.objection_upheld, now)
            engine.apply(case, state.objection_upheld, user, comment=reason, now=now)
        except Exception:
            db.session.rollback()
            raise
        return objection
    try:
        _dismiss(case, objection, task, user, role, reason, now)
        if state.on_timeout and period_over(notice, now) and not open_objections(notice):
            try:  # one transaction: the dismissal and the end of the notice
                engine.apply(case, state.on_timeout, engine.SYSTEM, now=now)
                return objection
            except Exception as exc:  # the dismissal stands alone; a timer retries the end
                log.warning("notice %s could not end after dismissal: %r", notice.id, exc)
                db.session.rollback()
                _dismiss(case, objection, task, user, role, reason, now)
                retry = Timer(case_id=case.id, kind="timeout", action=state.on_timeout,
                              state=notice.state, visit=notice.visit, due_at=now)  # fmt: skip
                db.session.add(retry)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return objection


def _dismiss(case, objection, task, user, role, reason, now) -> None:
    from caseflow.workflows import engine

    engine.lock_case(case, None)
    _resolve(objection, task, user, "dismissed", reason, "dismiss_objection", now)
    append_event(case, action="dismiss_objection", occurred_at=now, actor=user, actor_role=role,
                 from_state=case.state, to_state=case.state, comment=reason,
                 details={"objection_id": objection.id, "task_id": objection.task_id},
                 policy_version=case.policy_version)  # fmt: skip
