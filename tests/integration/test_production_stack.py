"""The production profile, for real: gunicorn (2 workers) and one RQ worker against PostgreSQL
and Redis, driven over HTTP like a browser would. A case is filed, submitted and approved through
two stages; the notifications must be delivered by the worker (not in-process) and the audit
chain must verify afterwards.

Marked slow (it starts processes); it runs in CI, where PostgreSQL and Redis are required.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import DEMO_PASSWORD, csrf_from
from tests.services import fresh_pg_database, require_redis

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Cookies, CSRF tokens and redirects, with nothing but the standard library."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, data: dict, page: str | None = None) -> tuple[str, str]:
        _, html = self.get(page or path)
        fields = {"csrf_token": csrf_from(html), **data}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def login(self, username: str) -> None:
        url, _ = self.post("/auth/login", {"username": username, "password": DEMO_PASSWORD})
        assert "/auth/login" not in url, f"login of {username} failed"


def version_of(html: str) -> str:
    return re.search(r'data-testid="case-version">(\d+)<', html).group(1)


def act(browser: Browser, reference: str, action: str, comment: str = "同意") -> str:
    _, page = browser.get(f"/cases/{reference}")
    _, html = browser.post(f"/cases/{reference}/actions/{action}",
                           {"version": version_of(page), "comment": comment},
                           page=f"/cases/{reference}")  # fmt: skip
    return html


def wait_for(predicate, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def stack(tmp_path):
    redis_url = require_redis().rsplit("/", 1)[0] + "/14"
    db_url = fresh_pg_database("caseflow_stack")
    port = free_port()
    env = {
        **os.environ,
        "CASEFLOW_CONFIG": "production",
        "CASEFLOW_DATABASE_URL": db_url,
        "CASEFLOW_REDIS_URL": redis_url,
        "CASEFLOW_SECRET_KEY": "stack-secret-key-0123456789abcdef-0123456789",
        "CASEFLOW_DATA_KEY": "stack-data-key-0123456789abcdef-0123456789ab",
        "CASEFLOW_AUDIT_KEY": "stack-audit-key-0123456789abcdef-0123456789a",
        "CASEFLOW_INSTANCE_DIR": str(tmp_path / "instance"),
        "CASEFLOW_SAMPLE_WORKFLOW": "true",
        # Plain HTTP on localhost and demo accounts without MFA: this is a smoke test of the
        # process set, not of the TLS proxy in front of it.
        "CASEFLOW_SECURE_COOKIES": "false",
        "CASEFLOW_HSTS": "false",
        "CASEFLOW_REQUIRE_MFA": "false",
        "CASEFLOW_ARGON2_MEMORY_KIB": "8192",
        "CASEFLOW_BIND": f"127.0.0.1:{port}",
        "CASEFLOW_WEB_WORKERS": "2",
    }
    from caseflow.jobs import redis_connection

    redis_connection(redis_url).flushdb()
    flask = [str(BIN / "flask"), "--app", "wsgi"]

    def run(*args, **overrides):
        result = subprocess.run([*flask, *args], cwd=ROOT, env={**env, **overrides},
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    run("db", "upgrade")
    # Demo organisations and users; seed-demo refuses the production profile, so it runs once
    # with the embedded one against the same database (no Redis: nothing is queued).
    run("caseflow", "seed-demo", CASEFLOW_CONFIG="embedded", CASEFLOW_REDIS_URL="")
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("web", "worker")}  # noqa: SIM115
    procs = {
        "web": subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                                cwd=ROOT, env=env, stdout=logs["web"], stderr=subprocess.STDOUT),
        "worker": subprocess.Popen([*flask, "caseflow", "worker"], cwd=ROOT, env=env,
                                   stdout=logs["worker"], stderr=subprocess.STDOUT),
    }  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def healthy():
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                return b'"jobs":"ok"' in response.read()
        except OSError:
            return False

    try:
        wait_for(healthy, "gunicorn to answer /healthz with jobs ok", 60)
        yield {"base": base, "run": run, "db_url": db_url, "procs": procs}
    except BaseException:
        raise
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for name, fh in logs.items():
            fh.close()
            text = (tmp_path / f"{name}.log").read_text()
            if "Traceback" in text:
                print(f"--- {name} log ---\n{text[-4000:]}")
        redis_connection(redis_url).flushdb()


def test_file_submit_and_approve_through_two_stages_in_production(stack):
    engine = sa.create_engine(stack["db_url"])

    def scalar(sql, **params):
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    clerk = Browser(stack["base"])
    clerk.login("school_clerk")
    url, html = clerk.post("/apply/new/test_permit/standard",
                           {"f_project": "数控实训中心", "f_amount": "300000",
                            "f_contact_name": "张小三"})  # fmt: skip
    reference = re.search(r"/cases/([A-Z0-9-]+)$", url).group(1)
    act(clerk, reference, "submit", "请审核")

    city = Browser(stack["base"])
    city.login("chengdu_reviewer")
    _, inbox = city.get("/review/inbox?tab=unclaimed")
    assert reference in inbox
    act(city, reference, "recommend", "材料齐全，同意推荐。")  # stage 1: the city

    province = Browser(stack["base"])
    province.login("province_reviewer")
    experts = [str(scalar("SELECT id FROM users WHERE username = :u", u=u))
               for u in ("expert1", "expert2", "expert3")]  # fmt: skip
    leader = str(scalar("SELECT id FROM users WHERE username = 'leader'"))
    page = f"/cases/{reference}"
    province.post(f"/cases/{reference}/panels/panel", {"user_ids": experts}, page=page)
    province.post(f"/cases/{reference}/panels/board", {"user_ids": [leader]}, page=page)
    html = act(province, reference, "send_to_panel", "提交专家评审。")  # stage 2: the province
    assert 'data-testid="case-state">专家评审<' in html

    case_id = scalar("SELECT id FROM cases WHERE reference = :r", r=reference)
    # Every effect was queued to RQ and acknowledged by the worker process, not run in-process.
    pending = "SELECT count(*) FROM outbox WHERE case_id = :c AND acked_at IS NULL"
    wait_for(lambda: scalar(pending, c=case_id) == 0, "the worker to deliver every notification")
    assert scalar("SELECT count(*) FROM outbox WHERE case_id = :c AND dispatched_at IS NULL",
                  c=case_id) == 0  # fmt: skip
    expert = Browser(stack["base"])
    expert.login("expert1")
    _, notifications = expert.get("/notifications")
    assert f"案件 {reference}" in notifications and "专家评审" in notifications
    _, home = clerk.get("/")
    assert 'data-testid="unread-count"' in home  # the applicant was told of the recommendation

    out = stack["run"]("caseflow", "audit", "verify")
    assert "ok" in out.lower(), out
    engine.dispose()
