"""Task operations posted from the case page: add a co-signer (加签), give a co-signer's
opinion, assign a panel, send a reminder (催办). Claim, release and hand-over post to the
inbox's endpoints (``review.claim_task`` …) with ``next`` set to the case page.

Each one goes through the engine (or ``caseflow.notify.reminders``), which checks permission
and state again; a refusal is flashed and changes nothing.
"""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from caseflow.authz import permission_required
from caseflow.cases import bp, forms, views
from caseflow.cases.access import case_or_404
from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.models import Task, User
from caseflow.notify.reminders import send_reminder
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import WorkflowError


def _back(case, anchor="tasks"):
    return redirect(url_for("cases.case_page", reference=case.reference, _anchor=anchor), 303)


def _case_task(reference: str, task_id: int):
    case = case_or_404(reference, current_user)
    task = db.session.get(Task, task_id)
    if task is None or task.case_id != case.id:
        abort(404)
    return case, task


def _refused(exc: WorkflowError) -> None:
    db.session.rollback()
    flash(exc.message(is_english()), "danger")


def _invalid(form) -> bool:
    if form.validate():
        return False
    for error in forms.form_errors(form):
        flash(error, "danger")
    return True


@bp.post("/<reference>/tasks/<int:task_id>/cosigner")
@permission_required("case.view")
def add_cosigner(reference, task_id):
    case, task = _case_task(reference, task_id)
    form = forms.CosignerForm()
    if _invalid(form):
        return _back(case)
    cosigner = db.session.get(User, form.user_id.data)
    if cosigner is None:
        flash(_("Choose the colleague who co-signs."), "danger")
        return _back(case)
    try:
        engine.add_cosigner(task, current_user, cosigner, before=form.position.data == "before")
    except WorkflowError as exc:
        _refused(exc)
    else:
        flash(_("%(name)s has been added as a co-signer.", name=cosigner.display_name), "success")
    return _back(case)


@bp.post("/<reference>/tasks/<int:task_id>/countersign")
@permission_required("case.view")
def countersign(reference, task_id):
    case, task = _case_task(reference, task_id)
    form = forms.CountersignForm()
    if _invalid(form):
        return _back(case)
    try:
        engine.countersign(task, current_user, form.comment.data)
    except WorkflowError as exc:
        _refused(exc)
    else:
        flash(_("Your opinion has been recorded."), "success")
    return _back(case)


@bp.post("/<reference>/tasks/<int:task_id>/remind")
@permission_required("case.view")
def remind(reference, task_id):
    case, task = _case_task(reference, task_id)
    try:
        send_reminder(task, current_user)
    except WorkflowError as exc:
        _refused(exc)
    else:
        flash(_("A reminder has been sent."), "success")
    return _back(case)


@bp.post("/<reference>/panels/<stage>")
@permission_required("case.view")
def assign_panel(reference, stage):
    case = case_or_404(reference, current_user)
    wf = registry.get(case.workflow)
    target = wf.state(stage) if wf.has_state(stage) else None
    if target is None or target.assign is None or target.assign.scope != "panel":
        abort(404)
    form = forms.PanelForm()
    if _invalid(form):
        return _back(case, "panels")
    ids = sorted(set(form.user_ids.data))
    people = list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
    if len(people) != len(ids):
        flash(_("Choose people from the list."), "danger")
        return _back(case, "panels")
    try:
        engine.assign_panel(case, stage, people, current_user, target.assign.role)
    except WorkflowError as exc:
        _refused(exc)
    else:
        names = views.join(p.display_name for p in people)
        flash(
            _("Assigned to “%(stage)s”: %(names)s.", stage=target.label(is_english()), names=names),
            "success",
        )
    return _back(case, "panels")
