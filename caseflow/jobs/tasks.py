"""Job functions. RQ imports them by name in the worker; the embedded runner calls them directly.

A job needs an application: in the worker it is the one ``flask caseflow worker`` created
(:func:`use_app`); in the embedded server it is the running app.
"""

from __future__ import annotations

import logging

log = logging.getLogger("caseflow.jobs")
_app = None


def use_app(app) -> None:
    """Set the application that jobs run in (the worker process, or tests)."""
    global _app
    _app = app


def _context():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.app_context()
    if _app is None:
        from caseflow import create_app

        use_app(create_app())
    return _app.app_context()


def fire_timers() -> str:
    """Fire every due timer: deadlines, reminders, deemed acceptance, lapses, notice ends."""
    from caseflow.workflows.clock import fire_due_timers

    with _context():
        result = fire_due_timers()
    summary = (
        f"fired {result.fired}: applied {result.applied}, notified {result.notified}, "
        f"skipped {result.skipped}, refused {result.refused}"
    )
    if result.fired:
        log.info("timers %s", summary)
    return summary


def write_checkpoint() -> str:
    """Write an audit checkpoint over every case chain (keyed with CASEFLOW_AUDIT_KEY)."""
    from caseflow.audit.checkpoint import write_checkpoint as write

    with _context():
        checkpoint = write()
        return f"checkpoint {checkpoint.id} at global sequence {checkpoint.global_seq}"


def relay_outbox() -> str:
    """Re-dispatch outbox rows that were not acknowledged (Redis was down, a worker died)."""
    from caseflow.jobs.outbox import relay

    with _context():
        return relay()
