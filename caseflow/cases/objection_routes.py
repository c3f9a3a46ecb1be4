"""Resolving objections (异议) filed against a case's public notice.

A reviewer of the role the definition names dismisses or upholds an objection with reasons
(``notices.resolve_objection`` — the engine moves the case when one is upheld). The case page
includes ``cases/_objections.html``, which reads the template globals below.
"""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from caseflow.authz import permission_required
from caseflow.cases import bp
from caseflow.cases.access import case_or_404
from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.models import Objection, PublicNotice
from caseflow.pii import mask_name
from caseflow.workflows import notices
from caseflow.workflows.errors import WorkflowError


class ResolveObjectionForm(FlaskForm):
    outcome = RadioField(
        _l("Outcome"),
        choices=[SelectChoice("dismiss", _l("Dismiss")), SelectChoice("uphold", _l("Uphold"))],
        validators=[InputRequired(_l("Choose whether to dismiss or uphold the objection."))],
    )
    reason = TextAreaField(
        _l("Reasons"),
        validators=[
            DataRequired(_l("Give your reasons.")),
            Length(max=4000, message=_l("At most %(max)d characters, please.")),
        ],
    )


@bp.post("/<reference>/objections/<int:objection_id>/resolve")
@permission_required("case.view")
def resolve_objection(reference, objection_id):
    case = case_or_404(reference, current_user)
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.case_id != case.id:
        abort(404)
    back = redirect(url_for("cases.case_page", reference=case.reference, _anchor="objections"), 303)
    form = ResolveObjectionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return back
    upheld = form.outcome.data == "uphold"
    try:
        notices.resolve_objection(objection, current_user, upheld, form.reason.data)
    except WorkflowError as exc:
        db.session.rollback()
        flash(exc.message(is_english()), "danger")
        return back
    if upheld:
        flash(_("The objection was upheld; the case has gone back for review."), "success")
    else:
        flash(_("The objection was dismissed."), "success")
    return back


@bp.app_template_global("case_objections")
def case_objections(case):
    return notices.case_objections(case)


@bp.app_template_global("case_notice")
def case_notice(case):
    """The case's current notice, or its latest one (None if it never had one)."""
    return notices.current_notice(case) or db.session.scalar(
        db.select(PublicNotice)
        .where(PublicNotice.case_id == case.id)
        .order_by(PublicNotice.opened_at.desc(), PublicNotice.id.desc())
        .limit(1)
    )


@bp.app_template_global("masked_name")
def masked_name(name):
    return mask_name(name)


@bp.app_template_global("may_resolve_objection")
def may_resolve_objection(objection):
    return notices.may_resolve(objection, current_user)


@bp.app_template_global("may_see_objectors")
def may_see_objectors(case):
    return notices.may_see_objectors(case, current_user)


@bp.app_template_global("objection_attachment_url")
def objection_attachment_url(case, objection):
    if objection.attachment_id is None:
        return None
    try:
        return url_for("cases.download_attachment", reference=case.reference,
                       attachment_id=objection.attachment_id)  # fmt: skip
    except BuildError:
        return None
