"""Filing: a new application for the applicant's organisation, and editing a draft.

The form is built from the definition's ``fields`` (its application form), so a workflow needs
no view code to be fileable; product workflows may bring richer forms in their own partials.
Required fields are marked; a draft may be saved incomplete — the definition's
``application_complete`` guard checks them at submission.
"""

from datetime import date

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
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

from caseflow import policy
from caseflow.applicant.routes import bp
from caseflow.authz import permission_required
from caseflow.cases.access import case_or_404
from caseflow.labels import is_english
from caseflow.policy.display import number
from caseflow.policy.model import to_mu
from caseflow.timeutil import to_local, utcnow
from caseflow.workdays import to_local_date
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import (
    STALE,
    ActionRefused,
    InvalidInput,
    Reason,
    StaleCase,
    WorkflowError,
)


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
        options = [SelectChoice(c, f.choice_label(c, english)) for c in f.choices]
        return SelectField(label, choices=[SelectChoice("", "—"), *options])
    if f.type == "bool":
        return BooleanField(label)
    if f.type == "items":
        return TextAreaField(label, validators=[Optional()])
    return StringField(label, validators=[Optional(), Length(max=500)])


def kind_fields(wf, kind: str):
    """The fields of the application form asked of ``kind``."""
    return [f for f in wf.fields if f.for_kind(kind)]


def application_form(wf, kind: str, obj_data: dict | None = None):
    english = is_english()

    class ApplicationForm(FlaskForm):
        version = HiddenField()

    fields = kind_fields(wf, kind)
    for f in fields:
        setattr(ApplicationForm, f"f_{f.name}", _field(f, english))
    data = obj_data or {}
    return ApplicationForm(data={f"f_{f.name}": _initial(f, data[f.name])
                                 for f in fields if f.name in data})  # fmt: skip


def _initial(f, value):
    """A stored value as its form field shows it: a list one item per line, a date a date."""
    if f.type == "items" and isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if f.type == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value


def mu_hints(wf, kind: str, form) -> dict[str, str]:
    """Form field name → its figure in 亩 (land in m², 1 亩 = 666.67 m²), "" when not given."""
    english = is_english()
    hints = {}
    for f in kind_fields(wf, kind):
        if f.show_mu:
            value = form[f"f_{f.name}"].data
            mu = number(to_mu(value)) if value is not None else None
            text = f"≈ {mu} mu" if english else f"约 {mu} 亩"
            hints[f"f_{f.name}"] = "" if mu is None else text
    return hints


def form_data(wf, form, kind: str, *, valid_only: bool = False) -> dict:
    """The form's values as case data; ``valid_only``: a field the form refused counts as not
    given (the check shows it "not given yet" rather than comparing a refused figure)."""
    data = {}
    for f in kind_fields(wf, kind):
        field = form[f"f_{f.name}"]
        value = None if valid_only and field.errors else field.data
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


def check_rows(wf, kind: str, data: dict, case=None):
    """The workflow's check of ``data`` (None when it has none): for a draft with its
    organisation and the policy of its filing day, for a new application with today's."""
    check = registry.CASE_CHECKS.get(wf.key)
    if check is None:
        return None
    org = case.applicant_org if case is not None else current_user.organisation
    day = to_local_date(case.created_at) if case is not None else policy.today()
    try:
        return check(data, kind, org, day)
    except policy.PolicyError:
        return None


def render_form(wf, kind: str, form, case=None, status=200):
    return render_template(
        "applicant/filing_form.html", form=form, wf=wf, kind=kind, case=case,
        check_rows=check_rows(wf, kind, form_data(wf, form, kind, valid_only=True), case),
        mu=mu_hints(wf, kind, form),
    ), status  # fmt: skip


@bp.route("/new/<workflow>/<kind>", methods=["GET", "POST"])
@permission_required("case.create")
def file_application(workflow: str, kind: str):
    wf = registry.WORKFLOWS.get(workflow)
    if wf is None or kind not in wf.kinds:
        abort(404)
    form = application_form(wf, kind)
    if form.validate_on_submit():
        try:
            case = engine.create_case(wf.key, kind, current_user, form_data(wf, form, kind))
        except WorkflowError as exc:
            show_errors(form, exc)
        else:
            flash(_("Draft %(reference)s saved. Check it, add the attachments, then submit.",
                    reference=case.reference), "success")  # fmt: skip
            return redirect(url_for("cases.case_page", reference=case.reference), 303)
    status = 422 if form.errors or form.is_submitted() else 200
    return render_form(wf, kind, form, status=status)


@bp.route("/cases/<reference>/edit", methods=["GET", "POST"])
@permission_required("case.create")
def edit_application(reference: str):
    case = case_or_404(reference, current_user)
    wf = registry.get(case.workflow)
    form = application_form(wf, case.kind, case.data)
    if not form.is_submitted():
        form.version.data = case.version
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            abort(400)
        try:
            engine.update_data(case, current_user, form_data(wf, form, case.kind),
                               expected_version=version)  # fmt: skip
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
    return render_form(wf, case.kind, form, case, status)


# ---------------------------------------------------------------------------------------------
# While the applicant types (static/js/standards.js): the check, and saving the draft. Both are
# form posts with the CSRF token; without JavaScript the form's own buttons do the same.


@bp.post("/check/<workflow>/<kind>")
@permission_required("case.create")
def check_application(workflow: str, kind: str):
    """The check of the posted (unsaved) form as JSON: ``html`` (the card), ``rows`` and the
    亩 hints. ``reference`` names the draft being edited (its organisation and filing day)."""
    wf = registry.WORKFLOWS.get(workflow)
    if wf is None or kind not in wf.kinds:
        abort(404)
    case = None
    if request.form.get("reference"):
        case = case_or_404(request.form["reference"], current_user)
        if case.workflow != wf.key or case.kind != kind:
            abort(404)
    form = application_form(wf, kind)
    form.validate()
    rows = check_rows(wf, kind, form_data(wf, form, kind, valid_only=True), case)
    english = is_english()
    html = "" if rows is None else render_template("cases/_standards_check.html", check_rows=rows)
    return jsonify(html=html, rows=[r.as_dict(english) for r in rows or []],
                   mu=mu_hints(wf, kind, form))  # fmt: skip


def _json_error(status: int, exc: WorkflowError, errors: dict | None = None):
    english = is_english()
    if errors is None:
        errors = {name: reason.text(english) for name, reason in exc.errors.items()}
    return jsonify(code=exc.code, message=exc.message(english), errors=errors), status


@bp.post("/cases/<reference>/autosave")
@permission_required("case.create")
def autosave(reference: str):
    """Save the draft as the applicant types: 200 with the new version and the time, 409 when
    the posted version is stale, 422 with a message per field when the input is invalid (then
    nothing is saved). Unchanged data writes nothing."""
    case = case_or_404(reference, current_user)
    wf = registry.get(case.workflow)
    form = application_form(wf, case.kind)
    try:
        version = int(form.version.data or "")
    except ValueError:
        abort(400)
    if not form.validate():
        errors = {key.removeprefix("f_"): " ".join(str(m) for m in messages)
                  for key, messages in form.errors.items() if key.startswith("f_")}  # fmt: skip
        invalid = InvalidInput(Reason("invalid_input", "输入有误，请检查。",
                                      "Please check the input."))  # fmt: skip
        return _json_error(422, invalid, errors)
    data = form_data(wf, form, case.kind)
    try:
        if version != case.version:
            raise StaleCase(STALE)
        clean = engine.clean_json(engine.validate_case_data(wf, data, case.kind))
        if any(case.data.get(k) != v for k, v in clean.items()):
            engine.update_data(case, current_user, data, expected_version=version)
    except StaleCase as exc:
        return _json_error(409, exc)
    except InvalidInput as exc:
        return _json_error(422, exc)
    except ActionRefused as exc:
        return _json_error(403, exc)
    saved = to_local(case.updated_at or utcnow()).strftime("%H:%M")
    return jsonify(version=case.version, saved_at=saved,
                   message=_("Saved at %(time)s", time=saved))  # fmt: skip
