"""Stage tasks (待办) and durable timers."""

from caseflow.extensions import db
from caseflow.models.types import UTCDateTime
from caseflow.timeutil import utcnow

TASK_STATUSES = ("open", "done", "cancelled")


class Task(db.Model):
    """Work waiting for someone at a stage.

    ``single`` stages have one task for anyone holding the role in scope (``assignee_id`` is
    empty until someone claims it); ``all`` and ``any`` stages have one task per assigned person.
    """

    __tablename__ = "tasks"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False)
    stage = db.Column(db.String(40), nullable=False)
    # "stage" for sign-off tasks; "objection" for an objection (异议) to resolve during a notice.
    kind = db.Column(db.String(12), nullable=False, default="stage", server_default="stage")
    visit = db.Column(db.Integer, nullable=False)  # the case event seq that opened the stage
    mode = db.Column(db.String(10), nullable=False)  # single | all | any
    role = db.Column(db.String(30), nullable=False)
    region_code = db.Column(db.String(6), nullable=True)  # scope for single tasks
    # Scope for a single task routed to a provincial industry department (instead of a region).
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=True)
    assignee_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    claimed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    claimed_at = db.Column(UTCDateTime(), nullable=True)
    status = db.Column(db.String(12), nullable=False, default="open")
    position = db.Column(db.Integer, nullable=False, default=0)  # order for co-signers (加签)
    opened_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    due_on = db.Column(db.Date, nullable=True)
    due_provisional = db.Column(db.Boolean, nullable=False, default=False)
    completed_at = db.Column(UTCDateTime(), nullable=True)
    completed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    outcome = db.Column(db.String(40), nullable=True)
    note = db.Column(db.Text, nullable=True)

    case = db.relationship("Case", backref="tasks")
    assignee = db.relationship("User", foreign_keys=[assignee_id])
    claimed_by = db.relationship("User", foreign_keys=[claimed_by_id])
    department = db.relationship("Organisation")

    __table_args__ = (
        db.CheckConstraint("status in ('open', 'done', 'cancelled')", name="status"),
        db.CheckConstraint("mode in ('single', 'all', 'any')", name="mode"),
        db.CheckConstraint("kind in ('stage', 'objection')", name="kind"),
        db.Index("ix_tasks_queue", "status", "role", "region_code", "due_on"),
        db.Index("ix_tasks_assignee", "assignee_id", "status", "due_on"),
        db.Index("ix_tasks_claimed", "claimed_by_id", "status", "due_on"),
        # The "unclaimed in my scope" tab: open single tasks nobody holds, by due date.
        db.Index(
            "ix_tasks_unclaimed",
            "role",
            "region_code",
            "due_on",
            "id",
            postgresql_where=db.text(
                "status = 'open' AND mode = 'single' "
                "AND assignee_id IS NULL AND claimed_by_id IS NULL"
            ),
            sqlite_where=db.text(
                "status = 'open' AND mode = 'single' "
                "AND assignee_id IS NULL AND claimed_by_id IS NULL"
            ),
        ),
        db.Index("ix_tasks_case", "case_id", "status"),
        db.Index("ix_tasks_department", "organisation_id", "status"),
        db.Index("ix_tasks_done", "completed_by_id", "completed_at"),
    )

    @property
    def holder_id(self):
        return self.assignee_id or self.claimed_by_id


class Timer(db.Model):
    """A durable timer: when ``due_at`` passes, ``action`` is applied as the system actor,
    unless the case has left the state (or the stage visit) the timer was set for."""

    __tablename__ = "timers"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    kind = db.Column(db.String(30), nullable=False)  # deadline | reminder | overdue | …
    action = db.Column(db.String(40), nullable=True)  # system action to apply, if any
    state = db.Column(db.String(40), nullable=False)
    visit = db.Column(db.Integer, nullable=False)
    task_id = db.Column(db.Integer, db.ForeignKey("tasks.id"), nullable=True)
    due_at = db.Column(UTCDateTime(), nullable=False)
    provisional = db.Column(db.Boolean, nullable=False, default=False)
    calendar_version = db.Column(db.String(40), nullable=True)
    fired_at = db.Column(UTCDateTime(), nullable=True)
    outcome = db.Column(db.String(40), nullable=True)  # applied | skipped: case moved on | …

    __table_args__ = (db.Index("ix_timers_due", "fired_at", "due_at"),)


class OutboxMessage(db.Model):
    """An effect to run after commit (notifications, jobs). Written in the same transaction as
    the change that causes it, so nothing is lost when Redis or a worker is down."""

    __tablename__ = "outbox"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=True, index=True)
    event_id = db.Column(db.Integer, db.ForeignKey("case_events.id"), nullable=True)
    effect = db.Column(db.String(40), nullable=False)
    payload = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    dispatched_at = db.Column(UTCDateTime(), nullable=True)
    acked_at = db.Column(UTCDateTime(), nullable=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    result = db.Column(db.Text, nullable=True)

    __table_args__ = (db.Index("ix_outbox_pending", "acked_at", "id"),)


class CalendarOverride(db.Model):
    """An administrator's entry for a day: a holiday or an adjusted working day (调休)."""

    __tablename__ = "calendar_overrides"

    day = db.Column(db.Date, primary_key=True)
    is_workday = db.Column(db.Boolean, nullable=False)
    note = db.Column(db.String(120), nullable=True)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)


class CalendarYear(db.Model):
    """A year whose official schedule has been entered as overrides (State Council notice)."""

    __tablename__ = "calendar_years"

    year = db.Column(db.Integer, primary_key=True)
    source = db.Column(db.String(120), nullable=False)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
