"""Browser fixtures: headless system Chromium (Playwright) against the app served from a thread.

Playwright's own browser download is unreachable here, so the suite drives Debian's Chromium.
The app runs with CSRF on, as in production, on a fresh copy of a database holding the demo data.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app.core.demo import DEMO_ACCOUNTS

SYSTEM_CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if SYSTEM_CHROMIUM is None:
        message = (
            "Chromium is not installed, so the browser tests cannot run. Install it with "
            "scripts/ensure-system-packages (as root) or `apt-get install chromium`; "
            "`playwright install` cannot download browsers on this network."
        )
        if os.environ.get("KHUSELA_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": SYSTEM_CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(pytestconfig) -> str | None:
    """Replaces pytest-playwright 0.10's fallback fixture, a method on a plugin object that pytest 9
    warns about (PytestRemovedIn10Warning, an error under this project's filterwarnings)."""
    return pytestconfig.getoption("--base-url", None) or pytestconfig.getini("base_url") or None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """tests/artifacts/ (git-ignored): screenshots to look at after a run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class QuietRequestHandler(WSGIRequestHandler):
    """No access log: a failing test's output should show the failure, not every static file."""

    def log_request(self, code="-", size="-") -> None:
        pass


class LiveServer:
    def __init__(self, app, url: str, password: str):
        self.app = app
        self.url = url
        self.password = password

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def between_tests(environ, start_response):
    """What the server answers when no test is running: a late request from the last test's page
    must not reach the next test's database."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"No test is running."]


@pytest.fixture(scope="session")
def http_server():
    """One HTTP server per pytest-xdist worker, on a free port; each test hands it its app. One
    address for the whole session lets the browser keep the static files cached."""
    server = make_server("127.0.0.1", 0, between_tests, threaded=True, request_handler=QuietRequestHandler)
    # shutdown() waits for the serving loop to look at its flag: every 0.05 s, not werkzeug's 0.5 s.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="khusela-live-server", daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture
def live_server(make_app, demo_data, http_server):
    """The app with real CSRF and the demo data (a fresh copy for this test), served over HTTP."""
    app = make_app(WTF_CSRF_ENABLED=True)
    http_server.app = app
    try:
        yield LiveServer(app, f"http://127.0.0.1:{http_server.server_port}", app.config["DEMO_PASSWORD"])
    finally:
        http_server.app = between_tests


@pytest.fixture(scope="session")
def worker_browser_context(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    yield context
    context.close()


@pytest.fixture
def context(worker_browser_context):
    """Replaces pytest-playwright's context per test: one per worker, which keeps its HTTP cache
    (a new context costs 0.1 s, and fetching the static files again as much). Each test starts
    with no cookies and a page of its own; the app keeps nothing else in the browser (no web
    storage, no service worker). pytest-playwright's --tracing/--video options need its own."""
    worker_browser_context.clear_cookies()
    yield worker_browser_context
    for page in list(worker_browser_context.pages):
        page.close()
    worker_browser_context.clear_cookies()


@pytest.fixture(autouse=True)
def no_csp_violations_or_script_errors(page):
    """Every browser test also fails on a Content-Security-Policy refusal or an uncaught script error:
    pages must work under the strict CSP (no inline script or style)."""
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and ("Content Security Policy" in message.text or "Refused to" in message.text):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught script error: {error}"))
    yield
    assert not problems, "the browser reported:\n" + "\n".join(problems)


DEMO_ROLES = {account.email.split("@")[0]: account for account in DEMO_ACCOUNTS}


@pytest.fixture
def sign_in(page, live_server):
    """sign_in("auditor") signs the page in as that demo account and waits for the landing page.
    Whoever was signed in before is signed out first: the page leaves its last address (so that no
    late response of it sets the old session cookie again) and the cookies are cleared."""

    def sign_in_as(role: str):
        account = DEMO_ROLES[role]
        page.goto("about:blank")
        page.context.clear_cookies()
        page.goto(live_server("/login"))
        page.get_by_label("Email").fill(account.email)
        page.get_by_label("Password").fill(live_server.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(live_server("/"))
        return account

    return sign_in_as


CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


@pytest.fixture
def signed_in(page, live_server):
    """signed_in("admin") gives the page that account's session by posting the sign-in form from the
    page's own request context (its cookies are the page's), without drawing the sign-in page and the
    dashboard: for tests about another page. `sign_in` is the journey a person makes."""

    def sign_in_as(role: str):
        account = DEMO_ROLES[role]
        form = page.request.get(live_server("/login"))
        token = CSRF_TOKEN.search(form.text())
        assert token, "the sign-in page has no CSRF token field"
        response = page.request.post(live_server("/login"), max_redirects=0, form={
            "csrf_token": token.group(1), "email": account.email, "password": live_server.password})
        assert response.status == 302 and response.headers["location"] == "/", (
            f"signing in as {account.email} failed with HTTP {response.status}")
        return account

    return sign_in_as
