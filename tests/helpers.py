"""Small helpers shared by the tests."""

import re

DEMO_PASSWORD = "Demo-caseflow-2026"
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def get_csrf(client, path: str = "/auth/login") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def login(client, username: str, password: str = DEMO_PASSWORD, follow=False):
    token = get_csrf(client, "/auth/login")
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=follow,
    )


def logout(client):
    token = get_csrf(client, "/")
    return client.post("/auth/logout", data={"csrf_token": token})


def post_form(client, path: str, data: dict, page: str | None = None, **kwargs):
    token = get_csrf(client, page or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)
