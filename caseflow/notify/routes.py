"""In-app notifications: the bell, the list, mark as read."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, update

from caseflow.extensions import db
from caseflow.models import Notification
from caseflow.notify.messages import render
from caseflow.timeutil import utcnow

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


@bp.app_context_processor
def bell():
    if not current_user.is_authenticated or request.endpoint in (None, "static"):
        return {}
    return {"unread_notifications": unread_count(current_user)}


@bp.get("")
def index():
    only_unread = request.args.get("show") == "unread"
    stmt = select(Notification).where(Notification.user_id == current_user.id)
    if only_unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    page = db.paginate(stmt.order_by(Notification.id.desc()), per_page=20, error_out=False)
    rows = [(n, *render(n)) for n in page.items]
    return render_template("notify/index.html", page=page, rows=rows, only_unread=only_unread)


def _mine(notification_id: int) -> Notification:
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    return note


@bp.post("/<int:notification_id>/open")
def open_one(notification_id: int):
    """Mark as read and go to the case it is about."""
    note = _mine(notification_id)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    if note.case_id and note.params.get("reference"):
        return redirect(url_for("cases.case_page", reference=note.params["reference"]), 303)
    return redirect(url_for(".index"), 303)


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    note = _mine(notification_id)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return redirect(url_for(".index"), 303)


@bp.post("/read-all")
def mark_all_read():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for(".index"), 303)
