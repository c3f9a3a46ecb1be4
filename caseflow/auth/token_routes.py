"""The user's own API tokens: list, create (the token is shown once, on the response page
itself — never in the session or a flash message) and revoke. Personal pages: every logged-in
user may manage their own tokens and nobody else's."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from caseflow.admin.forms import ActionForm
from caseflow.api import tokens
from caseflow.auth.routes import bp
from caseflow.extensions import db, limiter
from caseflow.models import ApiToken
from caseflow.timeutil import utcnow

STATUS_LABELS = {"active": _l("active"), "expired": _l("expired"), "revoked": _l("revoked")}


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=tokens.NAME_MAX)])
    expires_days = IntegerField(
        _l("Valid for (days)"),
        default=tokens.DEFAULT_DAYS,
        validators=[
            InputRequired(),
            NumberRange(
                min=1,
                max=tokens.MAX_DAYS,
                message=_l("Enter a number of days from 1 to %(max)s.", max=tokens.MAX_DAYS),
            ),
        ],
    )
    submit = SubmitField(_l("Create token"))


def _refusal(code: str) -> str:
    messages = {
        "mfa_required": _("Set up two-factor authentication before you create an API token."),
        "disabled": _("Your account is disabled."),
    }
    return messages.get(code, _("The token could not be created. Check the name and the days."))


def _page(form, new_token=None, status=200):
    return (
        render_template(
            "auth/tokens.html",
            form=form,
            revoke_form=ActionForm(),
            tokens=tokens.tokens_of(current_user),
            now=utcnow(),
            status_labels=STATUS_LABELS,
            new_token=new_token,
            max_days=tokens.MAX_DAYS,
        ),
        status,
    )


@bp.route("/tokens", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def tokens_page():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.is_submitted() else 200)
    user = current_user._get_current_object()
    try:
        token, plaintext = tokens.create_token(
            user, name=form.name.data, expires_days=form.expires_days.data, by=user
        )
    except tokens.TokenError as exc:
        db.session.commit()  # keep the recorded refusal
        flash(_refusal(exc.code), "danger")
        return _page(form, status=422)
    db.session.commit()
    return _page(TokenForm(formdata=None), new_token=(token, plaintext))


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if tokens.revoke(token, by=current_user._get_current_object()):
        db.session.commit()
        flash(_("Token %(token)s revoked; it no longer works.", token=token.display), "success")
    return redirect(url_for("auth.tokens_page"))
