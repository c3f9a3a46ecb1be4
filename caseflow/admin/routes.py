"""System administration: users and organisations. Administrators never act on cases."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from caseflow.accounts import AccountError, create_organisation, create_user, random_password
from caseflow.admin.forms import ActionForm, OrganisationForm, UserForm
from caseflow.auth.service import disable_user, record, revoke_all_sessions, set_password
from caseflow.authz import permission_required
from caseflow.extensions import db
from caseflow.labels import ORG_KIND_LABELS, OWNERSHIP_LABELS, TIER_LABELS, region_name
from caseflow.models import PROVINCE_CODE, Organisation, Region, User
from caseflow.roles import ROLES

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/users")
@permission_required("admin.users")
def users():
    q = (request.args.get("q") or "").strip()
    stmt = select(User).order_by(User.username)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(User.username.ilike(like) | User.display_name.ilike(like))
    page = db.paginate(stmt, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page, q=q)


def _user_form():
    form = UserForm()
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    form.organisation_id.choices = [(o.id, f"{o.name} ({o.credit_code})") for o in orgs]
    form.roles.choices = [(k, str(r.label)) for k, r in ROLES.items()]
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("admin.users")
def new_user():
    form = _user_form()
    if form.validate_on_submit():
        org = db.session.get(Organisation, form.organisation_id.data)
        try:
            user, password = create_user(
                username=form.username.data,
                display_name=form.display_name.data,
                email=form.email.data,
                org=org,
                role_specs=form.roles.data,
            )
        except AccountError as exc:
            db.session.rollback()
            form.roles.errors.append(str(exc))
        else:
            record("user_created", "info", user=user, detail=f"by_user|{current_user.username}")
            db.session.commit()
            return render_template("admin/password_once.html", user=user, password=password)
    return render_template("admin/user_form.html", form=form)


@bp.get("/users/<int:user_id>")
@permission_required("admin.users")
def user_detail(user_id):
    user = db.session.get(User, user_id) or abort(404)
    return render_template("admin/user_detail.html", user=user, form=ActionForm())


@bp.post("/users/<int:user_id>/<any(disable, enable, unlock, reset_password):op>")
@permission_required("admin.users")
def user_action(user_id, op):
    user = db.session.get(User, user_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id and op == "disable":
        flash(_("You cannot disable your own account."), "danger")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    if op == "disable":
        disable_user(user)
        flash(_("The user is disabled and all their sessions have ended."), "success")
    elif op == "enable":
        user.disabled = False
        record("user_enabled", "info", user=user, detail=f"by_user|{current_user.username}")
        flash(_("The user is enabled."), "success")
    elif op == "unlock":
        user.locked_until = None
        user.failed_logins = 0
        record("unlock", "info", user=user, detail=f"by_user|{current_user.username}")
        flash(_("The account is unlocked."), "success")
    else:
        password = random_password()
        set_password(user, password, by_admin=True)
        revoke_all_sessions(user, "password_reset")
        db.session.commit()
        return render_template("admin/password_once.html", user=user, password=password)
    db.session.commit()
    return redirect(url_for("admin.user_detail", user_id=user.id))


def _organisation_form():
    form = OrganisationForm()
    form.kind.choices = [(k, str(v)) for k, v in ORG_KIND_LABELS.items()]
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    form.region_code.choices = [(r.code, f"{r.code} {region_name(r)}") for r in regions]
    form.tier.choices = [("", "—")] + [(k, str(v)) for k, v in TIER_LABELS.items()]
    form.ownership.choices = [("", "—")] + [(k, str(v)) for k, v in OWNERSHIP_LABELS.items()]
    departments = db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == "department", Organisation.region_code == PROVINCE_CODE)
        .order_by(Organisation.name)
    )
    form.supervising_department_id.choices = [("", "—")] + [(d.id, d.name) for d in departments]
    return form


@bp.get("/organisations")
@permission_required("admin.organisations")
def organisations():
    q = (request.args.get("q") or "").strip()
    stmt = select(Organisation).order_by(Organisation.region_code, Organisation.name)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(Organisation.name.ilike(like) | Organisation.credit_code.ilike(like))
    page = db.paginate(stmt, per_page=PAGE_SIZE, error_out=False)
    counts = dict(
        db.session.execute(
            select(User.organisation_id, func.count(User.id)).group_by(User.organisation_id)
        ).all()
    )
    return render_template("admin/organisations.html", page=page, q=q, counts=counts)


@bp.route("/organisations/new", methods=["GET", "POST"])
@permission_required("admin.organisations")
def new_organisation():
    form = _organisation_form()
    if form.validate_on_submit():
        try:
            create_organisation(
                name=form.name.data,
                kind=form.kind.data,
                region_code=form.region_code.data,
                credit_code=form.credit_code.data,
                tier=form.tier.data or None,
                ownership=form.ownership.data or None,
                supervising=(
                    db.session.get(Organisation, form.supervising_department_id.data)
                    if form.supervising_department_id.data
                    else None
                ),
            )
        except AccountError as exc:
            db.session.rollback()
            form.credit_code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The organisation has been created."), "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation_form.html", form=form)


from caseflow.admin import policy_routes  # noqa: E402, F401  (the policy data page on this bp)
