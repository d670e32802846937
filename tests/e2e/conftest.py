"""End-to-end fixtures: a real gunicorn server on a throwaway instance, and Debian's Chromium.

The server runs the repository's ``gunicorn.conf.py`` against a SQLite file in a
temporary instance folder, after ``flask init-db`` and ``flask demo``, exactly as
a deployment would. The browser is the system's ``/usr/bin/chromium`` driven by
Playwright for Python; no browser is ever downloaded. Without either, every test
of this folder is skipped with the reason.

Every browser context made here records each request it sends; when a test ends
its fixture asserts that they all went to the server's own origin (invariant 5).
Screenshots of the key pages, at desktop and phone widths, go to ``artifacts/e2e/``.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.live_server import GunicornServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CRYPTOPARTY_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "artifacts" / "e2e"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SERVER_START_DEADLINE = 120  # seconds: a busy 2-core CI machine (a bounded poll)
DEMO_LOGIN, DEMO_PASSWORD = "demo", "demo-cryptoparty"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


def pytest_collection_modifyitems(items):
    """Mark every test of this folder ``e2e`` (select with -m e2e, leave out with -m 'not e2e')."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "Playwright for Python is not installed: pip install -e '.[test]'"
    if not os.access(CHROMIUM, os.X_OK):
        return (f"no Chromium at {CHROMIUM}: install Debian's 'chromium' package "
                "(.ci/run does when it runs as root)")
    return None


@pytest.fixture(scope="session")
def live_server():
    """gunicorn serving a fresh instance (SQLite, demo data) on a free loopback port."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    workdir = Path(tempfile.mkdtemp(prefix="cpe2e"))  # short: gpg-agent socket paths
    server = GunicornServer(workdir, ready_path="/", start_deadline=SERVER_START_DEADLINE)
    server.env.update({
        "DATABASE_URL": f"sqlite:///{server.instance / 'e2e.sqlite3'}",
        "CRYPTOPARTY_RATELIMIT_ENABLED": "true",
        # Limits in memory: one worker (gunicorn.conf.py refuses several without Redis).
        "CRYPTOPARTY_WORKERS": "1",
        "CRYPTOPARTY_GNUPG_S2K_COUNT": "65536",
    })
    server.flask("init-db")
    server.flask("demo")
    try:
        with server:
            yield server
    finally:
        subprocess.run(["gpgconf", "--homedir", str(server.instance / "gnupg"), "--kill", "all"],
                       capture_output=True, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(live_server):
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


class RequestLog:
    """Every URL a browser context asked for."""

    def __init__(self):
        self.urls: list[str] = []

    def record(self, request):
        self.urls.append(request.url)

    def foreign(self, origin: str) -> list[str]:
        """The requests that did not go to ``origin`` (inline data: URLs are not requests)."""
        own = urlsplit(origin)
        return [url for url in self.urls
                if not url.startswith(("data:", "blob:", "about:"))
                and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)]


def _context(browser, live_server, **options):
    log = RequestLog()
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    context.on("request", log.record)
    return context, log


def _close_and_check(context, log, live_server):
    context.close()
    assert log.foreign(live_server.url) == [], "requests left the app's origin"


@pytest.fixture
def nojs_page(browser, live_server):
    """A page in a context with JavaScript disabled, like Tor Browser at its safest."""
    context, log = _context(browser, live_server, java_script_enabled=False)
    yield context.new_page()
    _close_and_check(context, log, live_server)


@pytest.fixture
def page(browser, live_server):
    """A page in an ordinary context (JavaScript on, though the site has none)."""
    context, log = _context(browser, live_server)
    yield context.new_page()
    _close_and_check(context, log, live_server)


@pytest.fixture
def new_page(browser, live_server):
    """Make further pages, each in its own context (another person), checked like the others."""
    made = []

    def make(**options):
        context, log = _context(browser, live_server, **options)
        made.append((context, log))
        return context.new_page()

    yield make
    for context, log in made:
        _close_and_check(context, log, live_server)


# The outermost elements whose right edge passes the screen's (their parent's does not).
STICKING_OUT_JS = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1
          && e.parentElement.getBoundingClientRect().right <= width + 1)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} "${e.textContent.trim().slice(0, 40)}"`)
  .slice(0, 5)"""


@pytest.fixture(scope="session")
def screenshot():
    """``screenshot(page, name)``: the whole page, desktop then phone width, in artifacts/e2e/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str):
        size = page.viewport_size
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
            # Nothing may stick out sideways: a phone would scroll the whole page.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (
                f"{page.url} is {width}px wide at {viewport['width']}px ({name}-{label}.png); "
                f"sticking out: {page.evaluate(STICKING_OUT_JS, viewport['width'])}")
        page.set_viewport_size(size)

    return shoot


def log_in(page, login: str = DEMO_LOGIN, password: str = DEMO_PASSWORD):
    """Log an organizer in through the login form."""
    page.goto("/login?lang=en")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/manage/**")
