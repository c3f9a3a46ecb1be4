"""Cases, tasks, events and files as the API's resources (``resources.py``).

The same readers as the pages: ``engine.available_actions``, ``clock.clock_status``,
``review.display`` for labels and due dates, ``cases.timeline`` for event labels,
``attachments.may_upload``. Texts pass through ``privacy.scrub`` (no resident ID number leaves
unmasked). Nothing here changes anything.
"""

from __future__ import annotations

from datetime import date

from flask import url_for

from caseflow import attachments
from caseflow.api.describe import field_spec
from caseflow.api.privacy import scrub
from caseflow.cases import timeline, views
from caseflow.cases.access import hides_panel_people, may_read_task_note
from caseflow.labels import is_english, region_name
from caseflow.models import Attachment, Case, Task
from caseflow.review import display
from caseflow.workflows import clock as clocks
from caseflow.workflows import engine, notices, registry
from caseflow.workflows.definition import Workflow

from . import resources as r

# ---------------------------------------------------------------------------------------------
# Cases and tasks


def case_summary(case: Case) -> r.CaseSummary:
    return r.CaseSummary(
        reference=case.reference,
        workflow=case.workflow,
        kind=case.kind,
        state=case.state,
        state_label=display.state_label(case.workflow, case.state),
        version=case.version,
        applicant=r.ApplicantOut(
            organisation=case.applicant_org.name,
            region_code=case.region_code,
            region_name=region_name(case.region),
        ),
        created_at=case.created_at,
        updated_at=case.updated_at,
        closed_at=case.closed_at,
    )


def task_out(task: Task, user, today: date, model=r.TaskOut, **extra):
    holder = task.assignee or task.claimed_by
    wf = registry.WORKFLOWS.get(task.case.workflow)
    if wf is not None and task.role in wf.panel_roles and hides_panel_people(task.case, user):
        holder = None  # experts and inspectors are anonymous to the applicant
    return model(
        id=task.id,
        case=task.case.reference,
        kind=task.kind,
        stage=task.stage,
        stage_label=display.task_label(task),
        role=task.role,
        mode=task.mode,
        status=task.status,
        holder=holder.display_name if holder else None,
        yours=holder is not None and holder.id == user.id,
        due_on=task.due_on,
        due_provisional=task.due_provisional,
        overdue=task.status == "open" and task.due_on is not None and task.due_on < today,
        note=scrub(task.note) if may_read_task_note(task, user) else None,
        **extra,
    )


def inbox_item(task: Task, user, today: date) -> r.InboxItem:
    case = task.case
    return task_out(
        task,
        user,
        today,
        r.InboxItem,
        workflow=case.workflow,
        case_state=case.state,
        organisation=case.applicant_org.name,
        region_code=case.region_code,
        completed_at=task.completed_at,
        outcome=task.outcome,
    )


def _clock(case: Case, wf: Workflow, today: date) -> r.ClockOut | None:
    if wf.clock is None:
        return None
    status = clocks.clock_status(case, today)
    if status is None:
        limit = wf.clock.limit_days
        return r.ClockOut(
            status="not_started",
            elapsed=0,
            limit=limit,
            remaining=limit,
            deadline=None,
            provisional=False,
            extended=False,
        )
    return r.ClockOut(
        status=status.status,
        elapsed=status.elapsed,
        limit=status.limit,
        remaining=status.remaining,
        deadline=status.deadline,
        provisional=status.provisional,
        extended=status.extended,
    )


def _deadlines(tasks: list[Task], today: date) -> list[r.Deadline]:
    out = []
    for task in tasks:
        due = display.due(task.due_on, task.due_provisional, today)
        if due is not None:
            out.append(
                r.Deadline(
                    task=task.id,
                    stage=task.stage,
                    due_on=due.day,
                    provisional=due.provisional,
                    overdue=due.overdue,
                    workdays=due.workdays,
                )
            )
    return out


def case_out(case: Case, user, today: date) -> r.CaseOut:
    wf = registry.get(case.workflow)
    tasks = views.open_tasks(case)
    actions = [
        r.ActionOut(
            action=a.action,
            label=a.label(is_english()),
            kind=a.kind,
            comment=a.comment,
            fields=[field_spec(f) for f in a.fields],
        )
        for a in engine.available_actions(case, user)
    ]
    items = [
        r.SupplementItemOut(
            id=i.id,
            position=i.position,
            stage=i.stage,
            text=scrub(i.text),
            answer=scrub(i.answer),
            answered_at=i.answered_at,
        )
        for i in views.supplement_items(case)
    ]
    editable = wf.state(case.state).kind == "applicant" and views.is_case_applicant(case, user)
    return r.CaseOut(
        **case_summary(case).model_dump(),
        workflow_label=wf.label(is_english()),
        kind_label=display.kind_label(case.workflow, case.kind),
        data=scrub(case.data or {}),
        available_actions=actions,
        tasks=[task_out(t, user, today) for t in tasks],
        deadlines=_deadlines(tasks, today),
        clock=_clock(case, wf, today),
        supplement_items=items,
        may_edit=editable,
        may_attach=attachments.may_upload(case, user),
        notice=_notice(case),
    )


def _notice(case: Case) -> r.NoticeOut | None:
    notice = notices.current_notice(case)
    if notice is None:
        return None
    return r.NoticeOut(id=notice.id, starts_on=notice.starts_on, ends_on=notice.ends_on,
                       public_url=url_for("public.notice", notice_id=notice.id))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# History and files

PERSON_KEYS = {"to_user_id": "to_user", "cosigner_id": "cosigner"}


def _details(details: dict | None, names: dict[int, str]) -> dict | None:
    """The stored details with people's internal ids replaced by their names."""
    if not details:
        return details
    out = {}
    for key, value in details.items():
        if key in PERSON_KEYS:
            out[PERSON_KEYS[key]] = names.get(value) if value is not None else None
        elif key == "user_ids" and isinstance(value, list):  # anonymous people left out
            out["users"] = [names[i] for i in value if i in names]
            out["people"] = len(value)
        else:
            out[key] = value
    return out


def event_list(case: Case, user) -> r.EventList:
    wf = registry.get(case.workflow)
    applicant_view = views.is_case_applicant(case, user)
    events = views.events(case)
    anonymous = timeline.anonymous_roles(wf, case, user)
    people, orgs = timeline.named_people(wf, events, anonymous)
    items = []
    for e in events:
        role = e.actor_role or ("system" if e.actor_id is None else None)
        actor = r.Actor(
            name=timeline.shown_actor(e, anonymous),
            role=role,
            role_label=timeline.role_label(role),
            organisation=orgs.get(e.actor_org_id),
        )
        items.append(
            r.EventOut(
                seq=e.seq,
                action=e.action,
                label=timeline.action_label(wf, e.action, e.from_state),
                from_state=e.from_state,
                to_state=e.to_state,
                actor=actor,
                occurred_at=e.occurred_at,
                comment=scrub(timeline.shown_comment(e, applicant_view)),
                changes=scrub(e.changes),
                details=scrub(_details(registry.readable_details(case, e, user), people)),
                policy_version=e.policy_version,
                prev_hash=e.prev_hash,
                hash=e.hash,
            )
        )
    return r.EventList(reference=case.reference, items=items)


def attachment_out(a: Attachment, case: Case) -> r.AttachmentOut:
    return r.AttachmentOut(
        id=a.id,
        type=a.type,
        type_label=attachments.type_label(case, a.type, is_english()),
        filename=scrub(a.filename),
        content_type=a.content_type,
        size=a.size,
        sha256=a.sha256,
        uploaded_at=a.uploaded_at,
        uploaded_by=a.uploaded_by.display_name if a.uploaded_by else None,
        current=a.superseded_by_id is None,
    )
