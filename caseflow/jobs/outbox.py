"""The outbox relay: effects written by a transaction are run after it commits.

* After every commit that wrote outbox rows, their ids are dispatched: to RQ with
  ``CASEFLOW_REDIS_URL`` (job id ``outbox-<row id>``, enqueued with ``unique=True`` so a row is
  never queued twice), or run in-process right away in the embedded default.
* ``relay()`` (periodic) re-dispatches rows that were not acknowledged — Redis was down, a worker
  was killed, a job failed — so a backlog drains by itself once things are back.
* ``process(row_id)`` runs one row. It re-reads the row, does nothing when it is already
  acknowledged, and its handlers are idempotent, so running it twice is safe.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, or_, select, update

from caseflow.extensions import db
from caseflow.jobs import QUEUE_DEFAULT, redis_connection
from caseflow.models import OutboxMessage
from caseflow.timeutil import utcnow

log = logging.getLogger("caseflow.jobs")
MAX_ATTEMPTS = 10
RELAY_GRACE = timedelta(seconds=30)  # leave fresh rows to the after-commit dispatch
REDISPATCH_AFTER = timedelta(minutes=5)  # an enqueued row not acknowledged by then is sent again


def job_id(row_id: int) -> str:
    return f"outbox-{row_id}"


# --- after commit ------------------------------------------------------------------------------


_installed = False


def install() -> None:
    """Collect the ids of outbox rows as they are flushed; dispatch them after commit.
    Listens on Flask-SQLAlchemy's session class, once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    from flask_sqlalchemy.session import Session as session_class

    @event.listens_for(session_class, "after_flush")
    def _collect(session, _ctx):
        ids = [o.id for o in session.new if isinstance(o, OutboxMessage)]
        if ids:
            session.info.setdefault("outbox_ids", []).extend(ids)

    @event.listens_for(session_class, "after_commit")
    def _dispatch(session):
        ids = session.info.pop("outbox_ids", None)
        if ids:
            dispatch(ids)

    @event.listens_for(session_class, "after_rollback")
    def _forget(session):
        session.info.pop("outbox_ids", None)


def dispatch(ids: list[int]) -> None:
    """Hand rows to RQ, or run them here. Never raises: a row left behind is the relay's job."""
    try:
        if current_app.config.get("REDIS_URL"):
            _enqueue(ids)
        else:
            app = current_app._get_current_object()
            for row_id in ids:
                with app.app_context():  # a fresh session: the committing one cannot be reused
                    process(row_id)
    except Exception:  # Redis down or a handler bug: the relay retries, the commit stands
        log.exception("outbox dispatch of %s failed; the relay will retry", ids)


def _enqueue(ids: list[int]) -> list[int]:
    from rq import Queue
    from rq.exceptions import DuplicateJobError
    from rq.job import Job, JobStatus

    queue = Queue(QUEUE_DEFAULT, connection=redis_connection())
    sent = []
    for row_id in ids:
        try:
            queue.enqueue_call("caseflow.jobs.outbox.run_outbox_row", args=(row_id,),
                               job_id=job_id(row_id), unique=True, result_ttl=3600,
                               failure_ttl=86400)  # fmt: skip
            sent.append(row_id)
        except DuplicateJobError:
            job = Job.fetch(job_id(row_id), connection=queue.connection)
            status = job.get_status(refresh=True)
            if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED,
                          JobStatus.FINISHED):  # fmt: skip
                # It ran (or died) without acknowledging the row: run it again.
                job.delete()
                queue.enqueue_call("caseflow.jobs.outbox.run_outbox_row", args=(row_id,),
                                   job_id=job_id(row_id), unique=True, result_ttl=3600,
                                   failure_ttl=86400)  # fmt: skip
                sent.append(row_id)
    if sent:
        with current_app.app_context():
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(sent))
                .values(dispatched_at=utcnow())
            )  # fmt: skip
            db.session.commit()
    return sent


# --- running a row -----------------------------------------------------------------------------


def run_outbox_row(row_id: int) -> str:
    """The RQ job: run one outbox row in the worker's application."""
    from caseflow.jobs.tasks import _context

    with _context():
        return process(row_id)


def process(row_id: int) -> str:
    from caseflow.notify.service import HANDLERS

    row = db.session.get(OutboxMessage, row_id)
    if row is None:
        return "no such row"
    if row.acked_at is not None:
        return f"already done: {row.result}"
    handler = HANDLERS.get(row.effect)
    try:
        result = handler(row) if handler else f"no handler for {row.effect}"
    except Exception as exc:
        db.session.rollback()
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id)
            .values(attempts=OutboxMessage.attempts + 1, result=f"failed: {exc!r}"[:500])
        )  # fmt: skip
        db.session.commit()
        raise
    row.attempts += 1
    row.acked_at = utcnow()
    row.result = result
    db.session.commit()
    return result


# --- the relay ---------------------------------------------------------------------------------


def pending_ids(now=None, limit: int = 500) -> list[int]:
    now = now or utcnow()
    stmt = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.acked_at.is_(None),
            OutboxMessage.attempts < MAX_ATTEMPTS,
            OutboxMessage.created_at <= now - RELAY_GRACE,
            or_(OutboxMessage.dispatched_at.is_(None),
                OutboxMessage.dispatched_at <= now - REDISPATCH_AFTER),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )  # fmt: skip
    return list(db.session.scalars(stmt))


def relay(now=None) -> str:
    """Re-dispatch every row that should have run by now and has not been acknowledged."""
    ids = pending_ids(now)
    db.session.rollback()
    if not ids:
        return "outbox: nothing to relay"
    if current_app.config.get("REDIS_URL"):
        sent = _enqueue(ids)
        return f"outbox: re-enqueued {len(sent)} of {len(ids)}"
    for row_id in ids:
        try:
            process(row_id)
        except Exception:
            log.exception("outbox row %s failed again", row_id)
    return f"outbox: ran {len(ids)} in-process"
