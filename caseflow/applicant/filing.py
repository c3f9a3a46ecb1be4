"""Filing: a new application for the applicant's organisation, and editing a draft.

The form is built from the definition's ``fields`` (its application form), so a workflow needs
no view code to be fileable; product workflows may bring richer forms in their own partials.
Required fields are marked; a draft may be saved incomplete — the definition's
``application_complete`` guard checks them at submission.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from caseflow.applicant.routes import bp
from caseflow.authz import permission_required
from caseflow.cases.access import case_or_404
from caseflow.labels import is_english
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import WorkflowError


def _field(f, english: bool):
    label = (f.label_en if english else f.label_zh) or f.name
    if f.required:
        label += " *"
    bounds = NumberRange(min=f.min_value, max=f.max_value)
    if f.type == "int":
        return IntegerField(label, validators=[Optional(), bounds])
    if f.type == "decimal":
        return DecimalField(label, validators=[Optional()], places=None)
    if f.type == "date":
        return DateField(label, validators=[Optional()])
    if f.type == "choice":
        return SelectField(label, choices=[SelectChoice("", "—"),
                                           *[SelectChoice(c, c) for c in f.choices]])  # fmt: skip
    if f.type == "bool":
        return BooleanField(label)
    if f.type == "items":
        return TextAreaField(label, validators=[Optional()])
    return StringField(label, validators=[Optional(), Length(max=500)])


def application_form(wf, obj_data: dict | None = None):
    english = is_english()

    class ApplicationForm(FlaskForm):
        version = HiddenField()

    for f in wf.fields:
        setattr(ApplicationForm, f"f_{f.name}", _field(f, english))
    return ApplicationForm(data={f"f_{k}": v for k, v in (obj_data or {}).items()})


def form_data(wf, form) -> dict:
    data = {}
    for f in wf.fields:
        value = form[f"f_{f.name}"].data
        if f.type == "items" and isinstance(value, str):
            value = [line.strip() for line in value.splitlines() if line.strip()]
        data[f.name] = value
    return data


def show_errors(form, exc: WorkflowError) -> None:
    english = is_english()
    for name, reason in (exc.errors or {}).items():
        key = f"f_{name}"
        if key in form:
            form[key].errors = [*form[key].errors, reason.text(english)]
    flash(exc.message(english), "danger")


def fileable():
    """(workflow, kind key, kind label) for every kind the applicant may file."""
    english = is_english()
    return [(wf, key, labels[1] if english else labels[0])
            for wf in registry.WORKFLOWS.values() for key, labels in wf.kinds.items()]  # fmt: skip


@bp.get("/new")
@permission_required("case.create")
def new_application():
    return render_template("applicant/filing_choose.html", options=fileable())


@bp.route("/new/<workflow>/<kind>", methods=["GET", "POST"])
@permission_required("case.create")
def file_application(workflow: str, kind: str):
    wf = registry.WORKFLOWS.get(workflow)
    if wf is None or kind not in wf.kinds:
        abort(404)
    form = application_form(wf)
    if form.validate_on_submit():
        try:
            case = engine.create_case(wf.key, kind, current_user, form_data(wf, form))
        except WorkflowError as exc:
            show_errors(form, exc)
        else:
            flash(_("Draft %(reference)s saved. Check it, add the attachments, then submit.",
                    reference=case.reference), "success")  # fmt: skip
            return redirect(url_for("cases.case_page", reference=case.reference), 303)
    status = 422 if form.errors or form.is_submitted() else 200
    return render_template("applicant/filing_form.html", form=form, wf=wf, kind=kind,
                           case=None), status  # fmt: skip


@bp.route("/cases/<reference>/edit", methods=["GET", "POST"])
@permission_required("case.create")
def edit_application(reference: str):
    case = case_or_404(reference, current_user)
    wf = registry.get(case.workflow)
    form = application_form(wf, case.data)
    if not form.is_submitted():
        form.version.data = case.version
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            abort(400)
        try:
            engine.update_data(case, current_user, form_data(wf, form), expected_version=version)
        except WorkflowError as exc:
            if exc.code == "stale":
                return render_template("errors/error.html", status=409,
                                       title=_("The case has changed"),
                                       detail=exc.message(is_english())), 409  # fmt: skip
            show_errors(form, exc)
        else:
            flash(_("Application saved."), "success")
            return redirect(url_for("cases.case_page", reference=case.reference), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("applicant/filing_form.html", form=form, wf=wf, kind=case.kind,
                           case=case), status  # fmt: skip
