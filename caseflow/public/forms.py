"""The public objection form (异议): CSRF (Flask-WTF), a honeypot field and clear messages."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from caseflow.workflows.notices import CONTACT_MAX, NAME_MAX, TEXT_MAX

PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,22}[0-9]$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_MIN = 10


def phone_or_email(form, field):
    value = (field.data or "").strip()
    digits = sum(c.isdigit() for c in value)
    if EMAIL_RE.match(value) or (PHONE_RE.match(value) and 7 <= digits <= 20):
        return
    raise ValidationError(_l("Enter a phone number or an e-mail address so that we can reply."))


class ObjectionForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(_l("Please enter your name.")),
            Length(max=NAME_MAX, message=_l("At most %(max)d characters, please.")),
        ],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX},
    )
    contact = StringField(
        _l("Phone or e-mail"),
        validators=[
            DataRequired(_l("Please tell us how to reach you.")),
            Length(max=CONTACT_MAX, message=_l("At most %(max)d characters, please.")),
            phone_or_email,
        ],
        render_kw={"maxlength": CONTACT_MAX},
    )
    text = TextAreaField(
        _l("Your objection"),
        validators=[
            DataRequired(_l("Please describe your objection.")),
            Length(
                min=TEXT_MIN,
                max=TEXT_MAX,
                message=_l("Between %(min)d and %(max)d characters, please."),
            ),
        ],
        render_kw={"rows": 6, "maxlength": TEXT_MAX},
    )
    attachment = FileField(
        _l("Supporting file (optional)"),
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png,.xlsx,.docx"},
    )
    # The honeypot: hidden from people by a CSS class, filled in by form-filling robots.
    website = StringField(
        _l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
    submit = SubmitField(_l("File the objection"))
