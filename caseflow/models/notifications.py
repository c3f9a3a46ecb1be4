"""In-app notifications (站内消息) and reminders (催办)."""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow


class Notification(db.Model):
    """One message to one user. The text is rendered from ``kind`` + ``params`` in the reader's
    language when shown (and when e-mailed), so a language switch needs no new rows.

    ``outbox_id`` + ``user_id`` is unique: a notification job that runs twice writes nothing new.
    """

    __tablename__ = "notifications"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    outbox_id = db.Column(db.Integer, db.ForeignKey("outbox.id"), nullable=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=True)
    task_id = db.Column(db.Integer, db.ForeignKey("tasks.id"), nullable=True)
    kind = db.Column(db.String(40), nullable=False)
    params = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    read_at = db.Column(UTCDateTime(), nullable=True)
    # E-mail delivery: "sent", "not sent: no SMTP", "not sent: no address", "failed: …".
    email_status = db.Column(db.String(120), nullable=True)

    case = db.relationship("Case")
    user = db.relationship("User")

    __table_args__ = (
        db.UniqueConstraint("outbox_id", "user_id", name="uq_notifications_outbox_user"),
        db.Index("ix_notifications_inbox", "user_id", "read_at", "id"),
    )


class Reminder(db.Model):
    """A reminder (催办) sent on a waiting task: at most one per task per working day."""

    __tablename__ = "reminders"

    id = db.Column(db.Integer, primary_key=True)
    task_id = db.Column(db.Integer, db.ForeignKey("tasks.id"), nullable=False)
    day = db.Column(db.Date, nullable=False)  # the working day in Asia/Shanghai
    by_user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (db.UniqueConstraint("task_id", "day", name="uq_reminders_task_day"),)
