"""Background work. Without ``CASEFLOW_REDIS_URL`` jobs run in-process (embedded default); with
it they go to RQ queues served by ``flask --app wsgi caseflow worker``.

Queue names are declared here, once. Every job takes ids (or nothing), re-checks the state it
works on, and is safe to run twice.
"""

from flask import current_app

QUEUE_DEFAULT = "caseflow"
QUEUE_PERIODIC = "caseflow-periodic"
QUEUES = (QUEUE_DEFAULT, QUEUE_PERIODIC)


def redis_connection(url: str | None = None):
    from redis import Redis

    return Redis.from_url(
        url or current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=5
    )


def jobs_health() -> str:
    """``inline`` when jobs run in-process, else ``ok`` or ``down`` depending on Redis."""
    if not current_app.config.get("REDIS_URL"):
        return "inline"
    try:
        redis_connection().ping()
    except Exception:  # redis raises several connection error types; all mean "down"
        return "down"
    return "ok"
