"""The outbox relay: effects run after commit (in-process or through RQ), exactly once in effect,
and a backlog left by a Redis outage or a dead worker drains by itself."""

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from caseflow.extensions import db
from caseflow.jobs import outbox
from caseflow.models import Notification, OutboxMessage
from caseflow.notify import service
from caseflow.timeutil import utcnow
from tests.services import require_redis
from tests.workflows.conftest import act, new_case, user

LATER = timedelta(minutes=10)


@pytest.fixture
def ctx(demo):
    with demo.app_context():
        yield demo


def notifications(username=None):
    stmt = select(Notification)
    if username:
        stmt = stmt.where(Notification.user_id == user(username).id)
    return list(db.session.scalars(stmt))


def test_a_task_opening_notifies_everyone_in_scope_after_commit(ctx):
    case = new_case()
    act(case, "submit", "school_clerk")
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.effect == "notify_assignees"))
    assert row.acked_at is not None and row.attempts == 1
    assert row.result == "notified 2; e-mail: not sent: no SMTP ×2"
    told = {n.user.username: n for n in notifications()}
    assert set(told) == {"chengdu_reviewer", "chengdu_reviewer2"}  # the city of the applicant
    note = told["chengdu_reviewer"]
    assert note.kind == "task_opened" and note.params["reference"] == case.reference
    assert note.email_status == "not sent: no SMTP"


def test_running_a_row_twice_changes_nothing(ctx):
    act(new_case(), "submit", "school_clerk")
    row = db.session.scalar(select(OutboxMessage))
    assert outbox.process(row.id).startswith("already done")
    row.acked_at = None  # as if the worker died after writing but before acknowledging
    db.session.commit()
    assert outbox.process(row.id) == "notified 0"
    assert len(notifications()) == 2


def test_a_lost_row_is_relayed_later(ctx):
    case = new_case()
    # A row written without the after-commit hook seeing it (e.g. the process died right after
    # commit): only the relay can find it.
    db.session.execute(insert(OutboxMessage).values(
        case_id=case.id, effect="notify_applicant", created_at=utcnow(), attempts=0,
        payload={"to": "applicant_org", "organisation_id": case.applicant_org_id}))  # fmt: skip
    db.session.commit()
    assert outbox.relay() == "outbox: nothing to relay"  # too fresh: the dispatch may be running
    assert outbox.relay(now=utcnow() + LATER) == "outbox: ran 1 in-process"
    assert [n.kind for n in notifications("school_clerk")] == ["case_update"]
    assert outbox.relay(now=utcnow() + LATER) == "outbox: nothing to relay"


def test_a_failing_effect_never_undoes_the_approval(ctx, monkeypatch):
    def broken(row):
        raise RuntimeError("mail server on fire")

    monkeypatch.setitem(service.HANDLERS, "notify_assignees", broken)
    case = new_case()
    act(case, "submit", "school_clerk")
    assert case.state == "intake"  # committed
    row = db.session.scalar(select(OutboxMessage))
    assert row.acked_at is None and row.attempts == 1 and "mail server on fire" in row.result
    monkeypatch.setitem(service.HANDLERS, "notify_assignees", service.notify)
    outbox.relay(now=utcnow() + LATER)
    db.session.refresh(row)
    assert row.acked_at is not None and len(notifications()) == 2


def test_rows_that_keep_failing_stop_after_max_attempts(ctx, monkeypatch):
    monkeypatch.setitem(service.HANDLERS, "notify_assignees", lambda row: 1 / 0)
    act(new_case(), "submit", "school_clerk")
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        outbox.relay(now=utcnow() + LATER)
    row = db.session.scalar(select(OutboxMessage))
    assert row.attempts == outbox.MAX_ATTEMPTS and row.acked_at is None


# --- with Redis and RQ --------------------------------------------------------------------------


@pytest.fixture
def rq_setup(demo, worker_redis_url):
    demo.config["REDIS_URL"] = worker_redis_url
    yield demo
    demo.config["REDIS_URL"] = None


@pytest.fixture
def worker_redis_url():
    import os

    from caseflow.jobs import redis_connection

    base = require_redis()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw99")
    url = base.rsplit("/", 1)[0] + f"/{1 + int(worker[2:]) % 14}"  # a Redis db per test worker
    redis_connection(url).flushdb()
    yield url
    redis_connection(url).flushdb()


def run_worker(app):
    from rq import Queue, SimpleWorker

    from caseflow.jobs import QUEUE_DEFAULT, redis_connection
    from caseflow.jobs.tasks import use_app

    connection = redis_connection(app.config["REDIS_URL"])
    use_app(app)
    try:
        SimpleWorker([Queue(QUEUE_DEFAULT, connection=connection)],
                     connection=connection).work(burst=True)  # fmt: skip
    finally:
        use_app(None)


@pytest.mark.redis
def test_with_redis_rows_become_rq_jobs_named_after_the_row(rq_setup):
    from rq import Queue

    from caseflow.jobs import QUEUE_DEFAULT, redis_connection

    with rq_setup.app_context():
        act(new_case(), "submit", "school_clerk")
        row = db.session.scalar(select(OutboxMessage))
        assert row.dispatched_at is not None and row.acked_at is None
        queue = Queue(QUEUE_DEFAULT, connection=redis_connection())
        assert queue.job_ids == [f"outbox-{row.id}"]
        outbox.dispatch([row.id])  # a second dispatch does not queue it twice
        assert queue.job_ids == [f"outbox-{row.id}"]
    run_worker(rq_setup)
    with rq_setup.app_context():
        row = db.session.scalar(select(OutboxMessage))
        assert row.acked_at is not None and len(notifications()) == 2


@pytest.mark.redis
def test_redis_down_then_back_the_backlog_drains_by_itself(rq_setup, worker_redis_url):
    good = rq_setup.config["REDIS_URL"]
    rq_setup.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    with rq_setup.app_context():
        case = new_case()
        act(case, "submit", "school_clerk")
        act(case, "recommend", "chengdu_reviewer")
        assert case.state == "review"  # approvals commit while Redis is down
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.dispatched_at.is_(None))) == 3  # fmt: skip
    health = rq_setup.test_client().get("/healthz").get_json()
    assert health["jobs"] == "down" and health["status"] == "degraded"
    rq_setup.config["REDIS_URL"] = good
    with rq_setup.app_context():
        assert outbox.relay(now=utcnow() + LATER) == "outbox: re-enqueued 3 of 3"
    run_worker(rq_setup)
    with rq_setup.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.acked_at.is_(None))) == 0  # fmt: skip
        assert {n.kind for n in notifications()} == {"task_opened", "case_update"}
    assert rq_setup.test_client().get("/healthz").get_json()["jobs"] == "ok"


@pytest.mark.redis
def test_a_job_lost_with_its_worker_is_enqueued_again(rq_setup):
    from rq.job import Job

    from caseflow.jobs import redis_connection

    with rq_setup.app_context():
        act(new_case(), "submit", "school_clerk")
        row = db.session.scalar(select(OutboxMessage))
        job = Job.fetch(outbox.job_id(row.id), connection=redis_connection())
        job.set_status("failed")  # the worker was killed mid-job: RQ marks it failed
        assert outbox.relay(now=utcnow() + LATER) == "outbox: re-enqueued 1 of 1"
    run_worker(rq_setup)
    with rq_setup.app_context():
        assert db.session.scalar(select(OutboxMessage)).acked_at is not None
