"""Forms of the task buttons (claim, release, hand over). They are rendered by hand in the
inbox rows and on the case page; these classes check the CSRF token and the fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

NOTE_MAX = 1000


class TaskActionForm(FlaskForm):
    """Claim and release: only the CSRF token and where to go back to."""

    next = HiddenField()


class HandoverForm(TaskActionForm):
    to_user_id = IntegerField(
        _l("Hand over to"),
        validators=[DataRequired(message=_l("Choose the colleague to hand the task to."))],
    )
    note = TextAreaField(
        _l("Note for your colleague"),
        validators=[Optional(), Length(max=NOTE_MAX)],
    )
