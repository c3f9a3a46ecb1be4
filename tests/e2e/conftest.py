"""Browser tests: Playwright driving headless Chromium from Debian's ``chromium`` package against
the app served on a free local port. Marked ``slow`` (skip locally with ``-m 'not slow'``).

Screenshots of every step go to ``tests/e2e/artifacts/`` (ignored by git).
"""

import os
import shutil
import threading
from pathlib import Path

import pytest

from tests.services import IN_CI

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(params=["sqlite"])
def backend(request):
    """The browser tests exercise the pages, not the database: SQLite is enough."""
    return request.param


def chromium_path() -> str:
    found = os.environ.get("CASEFLOW_CHROMIUM") or shutil.which("chromium")
    if not found:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def live_server(demo):
    """The demo app served by Werkzeug in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, demo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
    server.shutdown()
    thread.join(timeout=5)


class Steps:
    """Takes a full-page screenshot per named step: ``artifacts/<test>/<nn>-<step>.png``."""

    def __init__(self, name: str):
        self.dir = ARTIFACTS / name
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.n = 0

    def shot(self, page, step: str) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def steps(request):
    return Steps(request.node.name.replace("[", "-").rstrip("]"))


@pytest.fixture
def new_page(browser, live_server):
    """A fresh browser context (own cookies) per user, in Chinese unless asked otherwise."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(base_url=live_server, locale=locale,
                                      viewport={"width": 1280, "height": 900})  # fmt: skip
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
