from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from caseflow.validators import credit_code_problem, normalise_credit_code


def validate_credit_code(form, field):
    field.data = normalise_credit_code(field.data)
    if credit_code_problem(field.data):
        raise ValidationError(
            _l("Not a valid unified social credit code (18 characters with a check character).")
        )


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    credit_code = StringField(
        _l("Unified social credit code"), validators=[DataRequired(), validate_credit_code]
    )
    region_code = SelectField(_l("Region"), validators=[DataRequired()])
    tier = SelectField(_l("School tier"), validators=[Optional()])
    ownership = SelectField(_l("Ownership"), validators=[Optional()])
    supervising_department_id = SelectField(
        _l("Supervising provincial department"),
        coerce=lambda v: int(v) if v not in (None, "") else None,
        validators=[Optional()],
        description=_l(
            "For a school under a provincial industry department: its applications "
            "are first reviewed there instead of by the city HR bureau."
        ),
    )
    submit = SubmitField(_l("Save"))


class UserForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Length(min=3, max=80),
            Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, dot, dash, underscore.")),
        ],
    )
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    roles = SelectMultipleField(_l("Roles"), validators=[DataRequired()])
    submit = SubmitField(_l("Create user"))


class ActionForm(FlaskForm):
    """An empty form that carries only the CSRF token, for POST buttons."""

    submit = SubmitField(_l("Confirm"))
