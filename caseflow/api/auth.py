"""Who is calling the API: the Bearer token, and only the Bearer token.

``create_app`` (``_init_login``) installs :func:`load_user_from_request` as Flask-Login's request
loader and makes the session loader ignore ``/api/`` paths, so a browser's session cookie never
authenticates an API request — which is why the API can do without CSRF tokens. Conversely a
Bearer token authenticates nothing outside ``/api/``.

Unauthenticated API requests get the 401 problem body from ``security.enforce_login``;
:func:`add_www_authenticate` adds the RFC 6750 challenge to every API 401.
"""

from flask import g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from caseflow.api import tokens

API_PREFIX = "/api/"
REALM = "caseflow"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def load_user_from_request(req):
    """Flask-Login request loader: the user of a valid Bearer token on an API path, else None."""
    if not req.path.startswith(API_PREFIX):
        return None
    header = req.headers.get("Authorization")
    if not header:
        return None
    token = tokens.check_token(header)
    if token is None:
        g.api_token_refused = True
        return None
    g.api_token_id = token.id
    return token.user


def current_token_id() -> int | None:
    """The id of the token that authenticated this request, if any."""
    if not is_api_request():
        return None
    current_user._get_current_object()  # make Flask-Login run the loaders once, if not yet
    return g.get("api_token_id")


def rate_limit_key() -> str:
    """Flask-Limiter key: ``token:<id>`` for a token-authenticated request, else the client IP.

    Use it as ``@limiter.limit("…", key_func=rate_limit_key)`` for per-token limits, next to a
    per-IP limit (the default key), so that a refused or missing token is limited by address.
    """
    token_id = current_token_id()
    return f"token:{token_id}" if token_id is not None else get_remote_address()


def add_www_authenticate(response):
    """After-request hook: the Bearer challenge (RFC 6750 §3) on every API 401."""
    if response.status_code == 401 and is_api_request():
        challenge = f'Bearer realm="{REALM}"'
        if g.get("api_token_refused"):
            challenge += ', error="invalid_token"'
        response.headers.setdefault("WWW-Authenticate", challenge)
    return response
