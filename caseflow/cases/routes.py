"""The case page and its actions.

``GET /cases/<reference>`` shows the case to anyone who may see it (others get a 404).
``POST /cases/<reference>/actions/<action>`` takes a workflow action through ``engine.apply``:
a refusal is flashed and nothing changes; invalid input re-renders the page with the form's
errors (422); a form read at an older version of the case gets the 409 page. Task operations
(co-signers, panels, reminders) are in ``task_routes.py``, the workflow diagram in
``diagram_routes.py``.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from caseflow.authz import permission_required
from caseflow.cases import bp, forms, task_views, timeline, views
from caseflow.cases.access import case_or_404, hides_panel_people
from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.models import CaseEvent
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import ActionRefused, InvalidInput, StaleCase


def case_url(case, anchor: str | None = None) -> str:
    return url_for("cases.case_page", reference=case.reference, _anchor=anchor)


def back_to(case, anchor: str | None = None):
    return redirect(case_url(case, anchor), code=303)


def render_case(case, *, failed: dict | None = None, answer: dict | None = None, status=200):
    """The case page; ``failed`` keeps a rejected action form's input and errors, ``answer`` a
    supplement answer's."""
    wf = registry.get(case.workflow)
    events = views.events(case)
    tasks = views.open_tasks(case)
    actions = engine.available_actions(case, current_user)
    has_clock, clock = views.clock(case, wf)
    items = views.supplement_items(case)
    state = wf.state(case.state)
    may_answer = bool(items) and state.kind == "applicant"
    may_answer = may_answer and views.is_case_applicant(case, current_user)
    hidden = hides_panel_people(case, current_user)  # experts stay anonymous to the applicant
    wants_users = any(f.type == "user" for a in actions for f in a.fields)
    page = render_template(
        "cases/case.html",
        case=case,
        wf=wf,
        state=state,
        show=views,
        data_rows=views.data_rows(case, wf),
        progress=views.progress(case, wf, [e.to_state for e in events if e.to_state]),
        has_clock=has_clock,
        clock=clock,
        tasks=task_views.task_views(case, wf, tasks, current_user),
        panels=[] if hidden else task_views.panels(case, wf, current_user),
        items=items,
        may_answer=may_answer,
        answer=answer or {},
        entries=timeline.entries(
            wf,
            events,
            case=case,
            viewer=current_user,
            applicant_view=views.is_case_applicant(case, current_user),
        ),
        chain=timeline.chain_mark(case),
        forms=forms.action_forms(wf, case.state, actions, failed, case=case),
        panel_summary=None if hidden else registry.panel_summary_for(case, current_user),
        failed=failed,
        users=forms.user_choices() if wants_users else [],
        next_url=case_url(case),
    )
    return page, status


@bp.get("/<reference>")
@permission_required("case.view")
def case_page(reference):
    case = case_or_404(reference, current_user)
    return render_case(case)


def _posted_version() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        abort(400)


def render_stale(case, action: str):
    """409: the case changed since the page was read. Says who changed it last and how, keeps
    what the user typed, and offers a reload."""
    db.session.rollback()
    wf = registry.get(case.workflow)
    last = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
    )
    t = next((x for x in wf.transitions if x.action == action), None)
    typed = []
    if t is not None:
        data, comment, _errors = forms.read_action(t, request.form)
        for f in t.fields:
            value = data.get(f.name)
            if value not in (None, "", [], False):
                typed.append((forms.field_label(f), views.display_value(value)))
        if comment and comment.strip():
            typed.append((_("Comment"), comment.strip()))
    page = render_template(
        "cases/stale.html",
        case=case,
        state_label=views.state_label(wf, case.state),
        last=(
            timeline.entries(wf, [last], case=case, viewer=current_user)[0]
            if last is not None
            else None
        ),
        action_label=t.label(is_english()) if t is not None else action,
        typed=typed,
    )
    return page, 409


@bp.post("/<reference>/actions/<action>")
@permission_required("case.view")
def take_action(reference, action):
    case = case_or_404(reference, current_user)
    version = _posted_version()
    if version != case.version:
        return render_stale(case, action)
    wf = registry.get(case.workflow)
    english = is_english()
    t = wf.transition(case.state, action)
    if t is None:
        flash(_("This action is not available at this step."), "danger")
        return back_to(case)
    data, comment, errors = forms.read_action(t, request.form)
    if errors:
        failed = {
            "action": action,
            "form": request.form,
            "errors": errors,
            "message": _("Please check the input."),
        }
        return render_case(case, failed=failed, status=422)
    try:
        engine.apply(case, action, current_user, data, comment=comment, expected_version=version)
    except StaleCase:
        return render_stale(case, action)
    except InvalidInput as exc:
        errors = {name: reason.text(english) for name, reason in exc.errors.items()}
        failed = {
            "action": action,
            "form": request.form,
            "errors": errors,
            "message": exc.message(english),
        }
        return render_case(case, failed=failed, status=422)
    except ActionRefused as exc:
        if exc.errors:  # e.g. a sheet's rows: show each reason beside its row
            errors = {name: reason.text(english) for name, reason in exc.errors.items()}
            failed = {"action": action, "form": request.form, "errors": errors,
                      "message": _("Please check the input.")}  # fmt: skip
            return render_case(case, failed=failed, status=422)
        flash(exc.message(english), "danger")
        return back_to(case)
    flash(
        _(
            "%(action)s: done. The case is now at “%(state)s”.",
            action=t.label(english),
            state=views.state_label(wf, case.state),
        ),
        "success",
    )
    return back_to(case)


@bp.post("/<reference>/items/<int:item_id>")
@permission_required("case.view")
def answer_item(reference, item_id):
    """The applicant answers one item of the supplement notice (补正)."""
    case = case_or_404(reference, current_user)
    form = forms.AnswerForm()
    english = is_english()
    if not form.validate():
        answer = {
            "item_id": item_id,
            "text": request.form.get("answer", ""),
            "error": "; ".join(forms.form_errors(form)),
        }
        return render_case(case, answer=answer, status=422)
    try:
        engine.answer_supplement_item(case, current_user, item_id, form.answer.data)
    except InvalidInput as exc:
        reason = exc.errors.get("answer", exc.reason)
        answer = {"item_id": item_id, "text": form.answer.data, "error": reason.text(english)}
        return render_case(case, answer=answer, status=422)
    except ActionRefused as exc:
        flash(exc.message(english), "danger")
        return back_to(case, "supplement")
    flash(_("Your answer has been saved."), "success")
    return back_to(case, "supplement")


from caseflow.cases import diagram_routes, task_routes  # noqa: E402, F401
