"""Background work. Without ``CASEFLOW_REDIS_URL`` jobs run in-process (embedded default);
with it they go to RQ queues served by ``flask --app wsgi caseflow worker``."""

from flask import current_app


def redis_connection():
    from redis import Redis

    return Redis.from_url(
        current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=2
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
