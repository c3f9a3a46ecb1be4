"""A census over every route: login required unless public, CSRF on every unsafe method,
security headers on every response."""

import pytest
from werkzeug.routing import IntegerConverter

from caseflow.security import is_public_endpoint
from tests.helpers import login

# Changing this list is a security decision: review it.
EXPECTED_PUBLIC = {
    "static",
    "main.healthz",
    "main.set_language",
    "auth.login",
    "auth.mfa_verify",
    "auth.mfa_setup",
    # Public notices (公示) and objections: anyone may read them and object (DOMAIN.md §2).
    "public.notices",
    "public.notice",
    "public.file_objection",
    "public.objection_received",
    # The school registry (学校名录): approved schools and their approval replies, no people.
    "public.schools",
    "public.school",
    # The API's OpenAPI description: clients read it before they have a token; it is generated
    # from code and holds no data (workflow keys and action names only).
    "api.openapi",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def sample_url(app, rule):
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        name = type(converter).__name__
        if isinstance(converter, IntegerConverter):
            values[arg] = 1
        elif name == "AnyConverter":
            values[arg] = sorted(converter.items)[0] if hasattr(converter, "items") else "x"
        elif arg == "filename":
            values[arg] = "caseflow.css"
        else:
            values[arg] = "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def routes(app):
    return list(app.url_map.iter_rules())


def test_public_endpoints_are_exactly_the_expected_ones(app):
    with app.test_request_context():
        public = {r.endpoint for r in routes(app) if is_public_endpoint(r.endpoint)}
    assert public == EXPECTED_PUBLIC


def test_every_non_public_route_requires_login(app):
    client = app.test_client()
    checked = 0
    for rule in routes(app):
        if rule.endpoint in EXPECTED_PUBLIC:
            continue
        url = sample_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url)
            elif method in UNSAFE:
                # CSRF is checked first; either way nothing happens without a session.
                assert response.status_code in (302, 400), (method, url, response.status_code)
                if response.status_code == 302:
                    assert "/auth/login" in response.headers["Location"], (method, url)
            else:
                assert response.status_code == 302, (method, url, response.status_code)
                assert "/auth/login" in response.headers["Location"], (method, url)
            checked += 1
    assert checked >= 10


def test_every_unsafe_method_needs_a_csrf_token(demo):
    client = demo.test_client()
    login(client, "admin")
    checked = 0
    for rule in routes(demo):
        for method in sorted(rule.methods & UNSAFE):
            url = sample_url(demo, rule)
            response = client.open(url, method=method, data={"anything": "1"})
            # The API ignores cookies (bearer tokens only), so a browser session gets 401 there.
            expected = 401 if url.startswith("/api/") else 400
            assert response.status_code == expected, (method, url, response.status_code)
            checked += 1
    assert checked >= 5
    assert client.get("/").status_code == 200  # still logged in: nothing happened


@pytest.mark.parametrize(
    "path", ["/auth/login", "/healthz", "/no-such-page", "/static/caseflow.css", "/"]
)
def test_security_headers_on_every_response(demo, path):
    client = demo.test_client()
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # only in production
    response.close()


def test_authenticated_pages_are_not_cached(demo):
    client = demo.test_client()
    login(client, "auditor")
    for path in ("/", "/audit/auth-events", "/auth/account", "/no-such-page"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path


@pytest.mark.config(HSTS=True, SESSION_COOKIE_SECURE=True)
def test_production_headers_and_cookies(demo):
    client = demo.test_client()
    response = login(client, "auditor")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "caseflow_session" in c)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.config(MAX_CONTENT_LENGTH=1024)
def test_request_size_limit(demo):
    client = demo.test_client()
    response = client.post("/auth/login", data={"username": "x" * 4096, "password": "y"})
    assert response.status_code == 413


def test_roles_are_enforced_on_admin_and_audit_pages(demo):
    client = demo.test_client()
    login(client, "school_clerk")
    for path in ("/admin/users", "/admin/organisations", "/admin/users/new", "/audit/auth-events"):
        assert client.get(path).status_code == 403, path
    admin = demo.test_client()
    login(admin, "admin")
    assert admin.get("/audit/auth-events").status_code == 403  # 三权分立: admin is not auditor
    assert admin.get("/admin/users").status_code == 200


# Views every logged-in user may open: their own pages, not other people's data.
PERSONAL = {"main.home", "auth.account", "auth.change_password", "auth.logout",
            "notifications.index", "notifications.open_one", "notifications.mark_read",
            "notifications.mark_all_read", "auth.tokens_page", "auth.revoke_token",
            # API: the caller's own profile, and the workflow definitions every user may read.
            "api.me", "api.list_workflows", "api.get_workflow"}  # fmt: skip


def test_every_other_view_declares_a_permission(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXPECTED_PUBLIC | PERSONAL:
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "caseflow_permission", None):
            undeclared.append(rule.endpoint)
    assert not undeclared, f"views without @permission_required: {undeclared}"


def test_ids_beyond_the_integer_range_are_not_found(demo):
    client = demo.test_client()
    login(client, "chengdu_reviewer")
    huge = "99999999999999999999"
    for path in (f"/review/tasks/{huge}/handover", f"/notifications/{huge}/read"):
        response = client.get(path) if "handover" in path else client.post(path)
        assert response.status_code in (404, 405, 400), (path, response.status_code)
    assert client.get(f"/review/tasks/{huge}/handover").status_code == 404
