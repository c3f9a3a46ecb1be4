"""The pool of experts and inspectors, and their conflicts of interest (``conflicts.py``).

``GET /review/experts`` — for province reviewers (who pick panels) and administrators: every
active expert (or inspector, ``?role=inspector``) with their organisation, conflicts and open
panel tasks; a conflict may be recorded for someone, or withdrawn with a reason.
``/review/conflicts`` — an expert's or inspector's own declarations: declare, withdraw.
Every POST ends on its page with a message (a declaration is never deleted).
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from caseflow.authz import permission_required
from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.models import ConflictDeclaration, User
from caseflow.review import conflicts
from caseflow.review.routes import bp
from caseflow.workflows.errors import WorkflowError

ROLE_LABELS = {"expert": _l("Experts"), "inspector": _l("Inspectors")}


class ConflictForm(FlaskForm):
    organisation_id = IntegerField(
        _l("Organisation"), validators=[InputRequired(message=_l("Choose an organisation."))]
    )
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give a reason.")), Length(max=conflicts.REASON_MAX)],
    )


class WithdrawForm(FlaskForm):
    reason = StringField(
        _l("Reason for the withdrawal"),
        validators=[DataRequired(message=_l("Give a reason.")), Length(max=conflicts.REASON_MAX)],
    )


def _role(value) -> str:
    return value if value in conflicts.POOL_ROLES else conflicts.POOL_ROLES[0]


def _form_problem(form) -> str:
    return "; ".join(str(e) for errors in form.errors.values() for e in errors)


def _declare(person: User, form: ConflictForm) -> None:
    """Validate and record; the outcome is flashed."""
    if not form.validate():
        flash(_form_problem(form), "danger")
        return
    try:
        declared = conflicts.declare(person, form.organisation_id.data, form.reason.data,
                                     current_user)  # fmt: skip
    except WorkflowError as exc:
        db.session.rollback()
        flash(exc.message(is_english()), "danger")
        return
    flash(_("Conflict of interest recorded: %(name)s — %(org)s.", name=person.display_name,
            org=declared.organisation.name), "success")  # fmt: skip


def _withdraw(declaration_id: int, *, manager: bool) -> None:
    declaration = db.session.get(ConflictDeclaration, declaration_id)
    if declaration is None or not (manager or declaration.user_id == current_user.id):
        abort(404)
    form = WithdrawForm()
    if not form.validate():
        flash(_form_problem(form), "danger")
        return
    try:
        conflicts.withdraw(declaration, current_user, form.reason.data, manager=manager)
    except WorkflowError as exc:
        db.session.rollback()
        flash(exc.message(is_english()), "danger")
        return
    flash(_("The declaration has been withdrawn; it stays in the history."), "success")


# ---------------------------------------------------------------------------------------------
# The pool (province reviewers, administrators)


@bp.get("/experts")
@permission_required("review.experts")
def experts():
    role = _role(request.args.get("role"))
    return render_template(
        "review/experts.html",
        role=role,
        role_labels=ROLE_LABELS,
        entries=conflicts.pool(role),
        organisations=conflicts.organisations(),
        can_withdraw=lambda c: conflicts.may_withdraw(c, current_user, manager=True),
        withdraw_url=lambda c: url_for("review.withdraw_for_expert", declaration_id=c.id),
    )


@bp.post("/experts/<int:user_id>/conflicts")
@permission_required("review.experts")
def record_conflict(user_id):
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    _declare(person, ConflictForm())
    role = _role(request.form.get("role"))
    return redirect(url_for("review.experts", role=role, _anchor=f"person-{user_id}"), 303)


@bp.post("/experts/conflicts/<int:declaration_id>/withdraw")
@permission_required("review.experts")
def withdraw_for_expert(declaration_id):
    _withdraw(declaration_id, manager=True)
    return redirect(url_for("review.experts", role=_role(request.form.get("role"))), 303)


# ---------------------------------------------------------------------------------------------
# One's own declarations (experts, inspectors)


@bp.get("/conflicts")
@permission_required("review.conflicts")
def my_conflicts():
    return render_template(
        "review/conflicts.html",
        declarations=conflicts.declarations([current_user.id]),
        organisations=conflicts.organisations(),
        can_withdraw=lambda c: conflicts.may_withdraw(c, current_user, manager=False),
        withdraw_url=lambda c: url_for("review.withdraw_own", declaration_id=c.id),
        role=None,
        action=url_for("review.declare_conflict"),
        form_id="declare",
    )


@bp.post("/conflicts")
@permission_required("review.conflicts")
def declare_conflict():
    _declare(current_user, ConflictForm())
    return redirect(url_for("review.my_conflicts"), 303)


@bp.post("/conflicts/<int:declaration_id>/withdraw")
@permission_required("review.conflicts")
def withdraw_own(declaration_id):
    _withdraw(declaration_id, manager=False)
    return redirect(url_for("review.my_conflicts"), 303)
