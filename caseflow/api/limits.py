"""Rate limits of the API: one budget per token and one per client address, each shared by
every endpoint of the blueprint. Both are checked before authentication (Flask-Limiter's
``before_request`` runs first), so requests with a missing or wrong token are limited by address.

Storage is Redis when ``CASEFLOW_REDIS_URL`` (or ``CASEFLOW_RATELIMIT_STORAGE_URL``) is set —
shared by every worker process — and memory in the embedded default. The limits are read at
request time from the configuration: ``API_RATE_LIMIT`` (per token, default 120 per minute) and
``API_IP_RATE_LIMIT`` (per address, default 600 per minute). A refused request gets 429 as a
problem body with ``Retry-After`` (Flask-Limiter's headers, ``RATELIMIT_HEADERS_ENABLED``).
"""

from flask import current_app
from flask_limiter.util import get_remote_address

from caseflow.api import bp
from caseflow.extensions import limiter

TOKEN_LIMIT = "120 per minute"
IP_LIMIT = "600 per minute"


def _token_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", TOKEN_LIMIT)


def _ip_limit() -> str:
    return current_app.config.get("API_IP_RATE_LIMIT", IP_LIMIT)


def _token_key() -> str:
    from caseflow.api.auth import rate_limit_key

    return rate_limit_key()


limiter.shared_limit(_token_limit, scope="api-token", key_func=_token_key)(bp)
limiter.shared_limit(_ip_limit, scope="api-ip", key_func=get_remote_address)(bp)
