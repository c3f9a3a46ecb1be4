"""Periodic jobs: one table, run by RQ's CronScheduler in production and by a background thread
of the embedded server (``flask caseflow serve``) when there is no Redis.

See docs/decisions.md ("Periodic jobs with RQ's CronScheduler") for why this mechanism.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from caseflow.jobs import QUEUE_PERIODIC

log = logging.getLogger("caseflow.jobs")


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str  # dotted path of the job function
    interval: int  # seconds


SCHEDULE = (
    Periodic("fire_due_timers", "caseflow.jobs.tasks.fire_timers", 60),
    Periodic("relay_outbox", "caseflow.jobs.tasks.relay_outbox", 60),
    Periodic("audit_checkpoint", "caseflow.jobs.tasks.write_checkpoint", 3600),
)


def resolve(path: str):
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def register_cron(scheduler) -> list:
    """Register every periodic job with an ``rq.cron.CronScheduler``."""
    return [
        scheduler.register(
            resolve(p.func),
            queue_name=QUEUE_PERIODIC,
            interval=p.interval,
            name=p.name,
            job_timeout=max(60, p.interval // 2),
        )
        for p in SCHEDULE
    ]


class InlineScheduler:
    """Runs the schedule in-process: each job when its interval has passed since its last run."""

    def __init__(self, app, schedule=SCHEDULE, clock=time.monotonic):
        self.app = app
        self.schedule = schedule
        self.clock = clock
        self.last_run: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> list[str]:
        ran = []
        now = self.clock()
        for job in self.schedule:
            last = self.last_run.get(job.name)
            if last is not None and now - last < job.interval:
                continue
            self.last_run[job.name] = now
            try:
                with self.app.app_context():
                    result = resolve(job.func)()
                ran.append(job.name)
                log.debug("%s: %s", job.name, result)
            except Exception:  # one failing job must not stop the schedule
                log.exception("periodic job %s failed", job.name)
        return ran

    def start(self, tick: float = 1.0) -> threading.Thread:
        def loop():
            while not self._stop.is_set():
                self.run_due()
                self._stop.wait(tick)

        self._thread = threading.Thread(target=loop, name="caseflow-schedule", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
