"""The periodic schedule: in-process for the embedded profile, RQ CronScheduler with Redis."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from caseflow.extensions import db
from caseflow.jobs import QUEUE_PERIODIC
from caseflow.jobs.schedule import SCHEDULE, InlineScheduler, register_cron, resolve
from caseflow.models import AuditCheckpoint
from tests.services import require_redis


def test_schedule_table_names_real_jobs():
    names = {p.name: p.interval for p in SCHEDULE}
    assert names == {"fire_due_timers": 60, "relay_outbox": 60, "audit_checkpoint": 3600}
    for job in SCHEDULE:
        assert callable(resolve(job.func))


def test_inline_scheduler_runs_each_job_when_its_interval_has_passed(app):
    now = [1000.0]
    scheduler = InlineScheduler(app, clock=lambda: now[0])
    every_minute = ["fire_due_timers", "relay_outbox"]
    assert scheduler.run_due() == [*every_minute, "audit_checkpoint"]
    now[0] += 30
    assert scheduler.run_due() == []
    now[0] += 31
    assert scheduler.run_due() == every_minute
    now[0] += 3600
    assert scheduler.run_due() == [*every_minute, "audit_checkpoint"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 2


def test_inline_scheduler_moves_cases_whose_timers_are_due(demo):
    from tests.workflows import flow  # noqa: F401
    from tests.workflows.conftest import act, drive, new_case

    with demo.app_context():
        import time_machine

        with time_machine.travel(datetime(2025, 3, 3, 2, tzinfo=UTC), tick=False):
            case = drive(new_case(), "intake")
            act(case, "return_for_supplement", "chengdu_reviewer", {"items": ["缺证明"]},
                comment="请补正")  # fmt: skip
        case_id = case.id
    InlineScheduler(demo).run_due()  # today is long after the 10 working days
    with demo.app_context():
        from caseflow.models import Case

        assert db.session.get(Case, case_id).state == "lapsed"


def test_a_failing_job_does_not_stop_the_others(app):
    from caseflow.jobs.schedule import Periodic

    broken = (Periodic("broken", "caseflow.jobs.schedule.no_such_job", 60), *SCHEDULE)
    assert InlineScheduler(app, schedule=broken).run_due() == [
        "fire_due_timers",
        "relay_outbox",
        "audit_checkpoint",
    ]


@pytest.mark.redis
def test_cron_scheduler_registers_the_table(app):
    from rq.cron import CronScheduler

    from caseflow.jobs import redis_connection

    url = require_redis()
    with app.app_context():
        scheduler = CronScheduler(connection=redis_connection(url), name="test")
        jobs = register_cron(scheduler)
    assert [(j.name, j.interval, j.queue_name) for j in jobs] == [
        ("fire_due_timers", 60, QUEUE_PERIODIC),
        ("relay_outbox", 60, QUEUE_PERIODIC),
        ("audit_checkpoint", 3600, QUEUE_PERIODIC),
    ]


@pytest.mark.redis
def test_rq_worker_runs_periodic_jobs_against_the_database(app):
    from rq import Queue, SimpleWorker

    from caseflow.jobs import redis_connection
    from caseflow.jobs.tasks import use_app

    url = require_redis()
    connection = redis_connection(url)
    queue = Queue(f"{QUEUE_PERIODIC}-test", connection=connection)
    queue.empty()
    use_app(app)
    try:
        job = queue.enqueue("caseflow.jobs.tasks.write_checkpoint")
        SimpleWorker([queue], connection=connection).work(burst=True)
        job.refresh()
        assert job.is_finished, job.latest_result()
        assert job.return_value().startswith("checkpoint ")
    finally:
        use_app(None)
        queue.empty()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1


def test_worker_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["caseflow", "worker", "--burst"])
    assert result.exit_code != 0 and "CASEFLOW_REDIS_URL" in result.output


def test_serve_starts_the_schedule_and_the_server(app, monkeypatch):
    import werkzeug.serving

    from caseflow.jobs import schedule

    served, started = {}, []
    monkeypatch.setattr(werkzeug.serving, "run_simple",
                        lambda host, port, application, **kw: served.update(
                            host=host, port=port, app=application, **kw))  # fmt: skip
    monkeypatch.setattr(schedule.InlineScheduler, "start", lambda self: started.append(self))
    result = app.test_cli_runner().invoke(args=["caseflow", "serve", "--port", "5099"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 5099 and served["app"] is app and served["threaded"]
    assert len(started) == 1 and started[0].app is app
