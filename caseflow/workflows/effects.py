"""Named effects: what should happen after a change commits (notifications, jobs).

An effect returns the payload of an outbox row; the engine writes the row in the same transaction
as the change, and the outbox relay dispatches it after commit (in-process or to RQ). Effects never
do the work themselves here.
"""

from caseflow.workflows.registry import effect


@effect("notify_applicant")
def notify_applicant(ctx):
    return {"to": "applicant_org", "organisation_id": ctx.case.applicant_org_id}


@effect("notify_assignees")
def notify_assignees(ctx):
    return {"to": "assignees", "state": ctx.case.state}


@effect("notify_supervisor")
def notify_supervisor(ctx):
    state = ctx.workflow.state(ctx.case.state)
    return {"to": "role", "role": state.supervisor, "region_code": ctx.case.region_code}
