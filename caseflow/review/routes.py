"""The reviewer's side: the inbox (待办) of stage tasks, and the task buttons (claim, release,
hand over) that the inbox and the case page post to. Every change goes through the engine."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from caseflow.authz import ALL_CASE_ROLES, permission_required
from caseflow.cases.access import can_view
from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.main.routes import safe_next as main_safe_next
from caseflow.models import Region, Task, User
from caseflow.review import colleagues, display, queries
from caseflow.review.forms import HandoverForm, TaskActionForm
from caseflow.timeutil import utcnow
from caseflow.workdays import to_local_date
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import WorkflowError

bp = Blueprint("review", __name__, url_prefix="/review")

# Everyone who works on cases except the applicant (auditors and administrators do not).
REVIEW_ROLES = ALL_CASE_ROLES - {"applicant"}


def _require_reviewer() -> None:
    """Kept as a second check: ``review.inbox`` already names these roles."""
    if not current_user.has_role(*REVIEW_ROLES):
        abort(403)


def _filters(args) -> queries.InboxFilters:
    """The filters of the query string; values that name nothing known are ignored."""
    workflow = args.get("workflow") or None
    kind = args.get("kind") or None
    region = args.get("region") or None
    if workflow not in registry.WORKFLOWS:
        workflow = None
    if kind and not any(kind in wf.kinds for wf in registry.WORKFLOWS.values()):
        kind = None
    if region and not (len(region) == 6 and region.isdigit()):
        region = None
    due = args.get("due") if args.get("due") in queries.DUE_FILTERS else None
    task = args.get("task") if args.get("task") in queries.TASK_KINDS else None
    return queries.InboxFilters(workflow, kind, region, due, task)


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


@bp.get("/inbox")
@permission_required("review.inbox")
def inbox():
    _require_reviewer()
    tab = request.args.get("tab", "mine")
    if tab not in queries.TABS:
        tab = "mine"
    filters = _filters(request.args)
    today = to_local_date(utcnow())
    page, counts = queries.inbox_page(
        tab,
        current_user,
        filters,
        today,
        page=_int_arg("page", 1),
        per_page=_int_arg("per_page", queries.PER_PAGE),
    )
    regions = db.session.scalars(
        select(Region).where(Region.level == "city").order_by(Region.code)
    ).all()
    return render_template(
        "review/inbox.html",
        tab=tab,
        page=page,
        counts=counts,
        filters=filters,
        today=today,
        regions=regions,
        candidates=colleagues.candidates_for(page.items, current_user),
        show=display,
        due_soon_days=queries.DUE_SOON_WORKDAYS,
        count_cap=queries.COUNT_CAP,
        next_url=request.full_path.rstrip("?"),
    )


# ---------------------------------------------------------------------------------------------
# Task operations


def _task_or_404(task_id: int) -> Task:
    """A task of a case the user may see; any other is a 404, never a 403."""
    task = db.session.get(Task, task_id)
    if task is None or not can_view(current_user, task.case):
        abort(404)
    return task


def _objection(task: Task) -> bool:
    """Objections (异议) are resolved on the case page, not claimed or handed over."""
    if task.kind == "stage":
        return False
    flash(_("Objections are resolved on the case page."), "warning")
    return True


def safe_next(target: str | None) -> str:
    """Back to a path on this site (a relative path only), otherwise to the inbox."""
    return main_safe_next(target, fallback=url_for("review.inbox"))


def _refused(exc: WorkflowError) -> None:
    db.session.rollback()
    flash(exc.message(is_english()), "danger")


def _task_operation(task_id: int, operation, done_message):
    """Claim or release from a list or the case page: CSRF-checked, engine-decided, back to
    ``next``. Objections are resolved on the case page, never claimed."""
    _require_reviewer()
    task = _task_or_404(task_id)
    form = TaskActionForm()
    if not form.validate_on_submit():
        abort(400)
    if _objection(task):
        return redirect(safe_next(form.next.data))
    reference = task.case.reference
    try:
        operation(task, current_user)
    except WorkflowError as exc:
        _refused(exc)
    else:
        flash(done_message(reference), "success")
    return redirect(safe_next(form.next.data))


@bp.post("/tasks/<int:task_id>/claim")
@permission_required("review.inbox")
def claim_task(task_id):
    return _task_operation(
        task_id, engine.claim, lambda ref: _("You have claimed the task of case %(ref)s.", ref=ref)
    )


@bp.post("/tasks/<int:task_id>/release")
@permission_required("review.inbox")
def release_task(task_id):
    return _task_operation(
        task_id,
        engine.release,
        lambda ref: _("You have released the task of case %(ref)s.", ref=ref),
    )


@bp.route("/tasks/<int:task_id>/handover", methods=["GET", "POST"])
@permission_required("review.inbox")
def handover_task(task_id):
    """The hand-over form of one task (转交). A refused or invalid hand-over shows the form
    again with what was typed and the reason; a successful one goes back to ``next``."""
    _require_reviewer()
    task = _task_or_404(task_id)
    form = HandoverForm()
    status = 200
    if _objection(task):
        return redirect(safe_next(form.next.data or request.args.get("next")))
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    elif not form.validate_on_submit():
        status = 422
    elif (to_user := db.session.get(User, form.to_user_id.data)) is None:
        form.to_user_id.errors.append(_("Choose the colleague to hand the task to."))
        status = 422
    else:
        reference = task.case.reference
        try:
            engine.handover(task, current_user, to_user, form.note.data or "")
        except WorkflowError as exc:
            _refused(exc)
            status = exc.status
            for name, reason in exc.errors.items():
                if name in form:
                    form[name].errors.append(reason.text(is_english()))
        else:
            flash(_("You have handed the task of case %(ref)s over to %(name)s.",
                    ref=reference, name=to_user.display_name), "success")  # fmt: skip
            return redirect(safe_next(form.next.data))
    return render_template(
        "review/handover.html",
        task=task,
        form=form,
        candidates=colleagues.handover_candidates(task, current_user),
        show=display,
        back=safe_next(form.next.data),
    ), status


@bp.app_template_global()
def handover_candidates(task, user):
    """The colleagues ``user`` may hand ``task`` over to (see caseflow.review.colleagues)."""
    return colleagues.handover_candidates(task, user)


from caseflow.review import expert_routes  # noqa: E402, F401  (the expert pool on this blueprint)
