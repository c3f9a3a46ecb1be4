"""Login, second factor, logout, password change and the user's own account page."""

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from caseflow.auth import mfa
from caseflow.auth.forms import ChangePasswordForm, CodeForm, LoginForm, LogoutForm
from caseflow.auth.passwords import password_problems, profile, verify_password
from caseflow.auth.service import (
    check_password_login,
    end_current_session,
    must_change_password,
    needs_mfa,
    record,
    register_failure,
    reset_session_keep_language,
    set_password,
    start_session,
)
from caseflow.extensions import db, limiter
from caseflow.main.routes import safe_next
from caseflow.models import User
from caseflow.security import public
from caseflow.timeutil import utcnow

bp = Blueprint("auth", __name__, url_prefix="/auth")

PENDING_KEY = "mfa_pending"  # user id that passed the password step and still owes a code
PENDING_SECONDS = 300


def generic_failure() -> str:
    """One message for unknown user, wrong password, lockout and disabled account."""
    return _("Wrong user name or password, or the account is locked or disabled.")


def _finish_login(user, next_url):
    start_session(user)
    login_user(user, remember=False)
    record("login", "success", user=user)
    db.session.commit()
    if must_change_password(user):
        return redirect(url_for("auth.change_password"))
    return redirect(safe_next(next_url))


def _pending_user():
    pending = session.get(PENDING_KEY)
    if not pending:
        return None
    user_id, started = pending
    if utcnow().timestamp() - started > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, user_id)
    if user is None or user.disabled or user.is_locked():
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        result = check_password_login(form.username.data, form.password.data)
        if result.ok:
            user = result.user
            if needs_mfa(user):
                db.session.commit()
                reset_session_keep_language(keep_choice=True)
                session[PENDING_KEY] = (user.id, utcnow().timestamp())
                session["next"] = safe_next(next_url)
                target = "auth.mfa_verify" if user.mfa_enrolled else "auth.mfa_setup"
                return redirect(url_for(target))
            return _finish_login(user, next_url)
        flash(generic_failure(), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/mfa", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
def mfa_verify():
    user = _pending_user()
    if user is None or not user.mfa_enrolled:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if mfa.verify_user_code(user, form.code.data):
            record("mfa", "success", user=user)
            next_url = session.get("next")
            return _finish_login(user, next_url)
        register_failure(user, "mfa", "wrong_code")
        db.session.commit()
        if user.is_locked():
            session.pop(PENDING_KEY, None)
            flash(generic_failure(), "danger")
            return redirect(url_for("auth.login"))
        flash(_("The code is wrong or has already been used."), "danger")
    return render_template("auth/mfa_verify.html", form=form)


@bp.route("/mfa/setup", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
def mfa_setup():
    """Enrol a TOTP authenticator: for a user in the login flow or a logged-in user."""
    user = current_user if current_user.is_authenticated else _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if not current_user.is_authenticated and user.mfa_enrolled:
        return redirect(url_for("auth.mfa_verify"))
    secret = session.get("mfa_secret")
    if not secret or request.method == "GET":
        secret = mfa.new_secret()
        session["mfa_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        if mfa.enrol(user, secret, form.code.data):
            session.pop("mfa_secret", None)
            record("mfa_enrol", "success", user=user)
            if current_user.is_authenticated:
                db.session.commit()
                flash(_("Two-factor authentication is now on for your account."), "success")
                return redirect(url_for("auth.account"))
            return _finish_login(user, session.get("next"))
        record("mfa_enrol", "failure", user=user)
        db.session.commit()
        flash(_("The code does not match. Check the time on your phone and try again."), "danger")
    uri = mfa.provisioning_uri(secret, user.username)
    return render_template(
        "auth/mfa_setup.html", form=form, qr=mfa.qr_svg(uri), secret=secret, uri=uri
    )


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    end_current_session(user)
    db.session.commit()
    logout_user()
    reset_session_keep_language()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        problems = []
        if not verify_password(user.password_hash, form.current_password.data):
            problems.append(_("The current password is wrong."))
        elif form.new_password.data == form.current_password.data:
            problems.append(_("The new password must differ from the current one."))
        problems += password_problems(form.new_password.data, user.username)
        if problems:
            for p in problems:
                form.new_password.errors.append(p)
        else:
            set_password(user, form.new_password.data)
            # The password change ended every session, this one included: start a fresh one.
            start_session(user)
            login_user(user, remember=False)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.home"))
    prof = profile()
    expires = None
    if prof.max_age_days:
        expires = user.password_changed_at + timedelta(days=prof.max_age_days)
    return render_template(
        "auth/change_password.html",
        form=form,
        profile=prof,
        forced=must_change_password(user),
        expires=expires,
    )


@bp.get("/account")
def account():
    return render_template(
        "auth/account.html",
        mfa_required=current_app.config["REQUIRE_MFA"] and current_user.is_privileged,
    )


from caseflow.auth import token_routes  # noqa: E402, F401  (token pages on this blueprint)
