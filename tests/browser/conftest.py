"""Real-browser fixtures: Debian's Chromium driven by Playwright, axe-core for accessibility.

- ``live_server``: the app served by Werkzeug in a thread on 127.0.0.1 (random port), one per
  test on a database of its own (a copy of the run's SQLite template: tables made, surveys
  loaded), CSRF on; no test sees another's data. ``live_server.url``,
  ``live_server.app``, ``live_server.create_user(email, role, password=..., school=None)``
  and ``live_server.db()`` (a context manager giving a session).
- ``staff_page(role, school=None)``: the ``page`` signed in as a new staff member;
  ``tests.support.sign_in_page(page, email)`` for your own accounts.
- ``browser``: one Chromium for the run. ``page``: a fresh browser context (no cookies) per
  test; console errors and CSP violations fail the test.
- ``axe_check(page, name)``: run axe-core on the page against WCAG 2.2 AA and fail on any
  serious or critical violation; ``screenshot(page, name)`` saves a full-page PNG in
  tests/browser/screenshots/ (git-ignored) for people to look at.

Without /usr/bin/chromium the tests are skipped, saying how to install it, unless
CONSULT_REQUIRE_BROWSER=1 (CI), when that is a failure. Never ``playwright install``.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import PASSWORD, sign_in_page

CHROMIUM = Path(os.environ.get("CONSULT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
HOWTO = (
    "Browser tests skipped: {what}. Install Debian's Chromium with "
    "`apt-get install chromium chromium-driver` (never `playwright install`)"
    " and run `make assets` for axe-core."
)


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed"
    if not AXE.exists():
        return f"{AXE.relative_to(ROOT)} is missing (npm ci)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (dev extra)"
    return None


def pytest_collection_modifyitems(config, items):
    missing = _missing()
    for item in items:
        if "tests/browser/" not in item.nodeid.replace("\\", "/"):
            continue
        item.add_marker(pytest.mark.browser)
        if missing and os.environ.get("CONSULT_REQUIRE_BROWSER") != "1":
            item.add_marker(pytest.mark.skip(reason=HOWTO.format(what=missing)))


# --- the live server ------------------------------------------------------------------------
@dataclass
class LiveServer:
    app: object
    url: str
    _server: object = field(repr=False, default=None)

    @contextmanager
    def db(self):
        """A database session for setting things up (commit it yourself)."""
        from consult.db import get_db

        with self.app.app_context():
            yield get_db()

    def create_user(self, email: str, role: str, password: str = PASSWORD, **kw):
        """A staff account to sign in with (same rules as `consult users create`)."""
        from consult.auth.accounts import create_user

        with self.db() as db:
            user = create_user(db, email=email, role=role, password=password, **kw)
            db.commit()
            return user


@contextmanager
def serve_live(base: Path, template: Path, name: str = "live-server"):
    """The app on a random port in a thread: a copy of the SQLite ``template`` (tables,
    surveys) in ``base``, CSRF on, rate limits off."""
    from werkzeug.serving import make_server

    from consult import create_app
    from consult.db import engine
    from tests.conftest import copy_sqlite

    database = base / "live.sqlite3"
    copy_sqlite(template, database)
    os.environ["CONSULT_INSTANCE_PATH"] = str(base / "instance")
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret",
            "DATABASE_URL": f"sqlite:///{database}",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    os.environ.pop("CONSULT_INSTANCE_PATH", None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", _server=server)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            engine().dispose()


@pytest.fixture
def live_server(tmp_path, _sqlite_template):
    """This test's live server, on a database of its own."""
    missing = _missing()
    if missing:
        pytest.fail(HOWTO.format(what=missing), pytrace=False)
    with serve_live(tmp_path, _sqlite_template) as live:
        yield live


# --- the browser ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        pytest.fail(HOWTO.format(what=missing), pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh context (no cookies) with the live server as base URL. Console errors and
    Content-Security-Policy violations fail the test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: problems.append(f"console {msg.type}: {msg.text}")
        if msg.type == "error"
        else None,
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.console_problems = problems
    yield page
    context.close()
    # Expected 4xx pages log "Failed to load resource" for themselves: not a problem.
    real = [p for p in problems if "Failed to load resource" not in p]
    assert not real, "\n".join(real)


def _known_govuk_exception(rule: str, node: dict) -> bool:
    """The one violation we accept, narrowly: GOV.UK Frontend's conditional reveal puts
    aria-expanded on the radio or checkbox that reveals a follow-up question. ARIA does not
    list it for those roles, so axe says "critical"; the GOV.UK Design System keeps it on
    purpose after research with screen reader users (alphagov/govuk-frontend#979, a
    documented known issue). Only that attribute on those inputs is let through."""
    html = node.get("html", "")
    return (
        rule == "aria-allowed-attr"
        and re.search(r'class="govuk-(radios|checkboxes)__input"', html) is not None
        and "aria-controls=" in html
        and re.fullmatch(
            r"Fix all of the following:\s+ARIA attribute is not allowed: "
            r'aria-expanded="(true|false)"',
            (node.get("summary") or "").strip(),
        )
        is not None
    )


def axe_check(page, name: str = "", tags=WCAG_TAGS) -> list[dict]:
    """Run axe-core on the page as it is now; fail on serious or critical violations.
    Returns every violation (minor and moderate ones included) for inspection."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: not subject to the page's CSP.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.slice(0, 5).map(n => ({target: n.target, html: n.html,
                                                      summary: n.failureSummary}))
            }));
        }""",
        tags,
    )
    blocking = []
    for v in result:
        if v["impact"] not in BLOCKING_IMPACTS:
            continue
        nodes = [n for n in v["nodes"] if not _known_govuk_exception(v["id"], n)]
        if nodes:
            blocking.append({**v, "nodes": nodes})
    where = name or page.url
    assert not blocking, f"axe: serious/critical violations on {where}:\n" + json.dumps(
        blocking, indent=2
    )
    return result


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_staff_numbers = itertools.count(1)


@pytest.fixture
def staff_page(page, live_server):
    """``staff_page(role, school=None)``: the ``page``, signed in as a new staff member."""
    made = []

    def _as(role: str, school: str | None = None):
        email = f"{role}.{next(_staff_numbers)}@example.org"
        live_server.create_user(email, role, school=school)
        made.append(email)
        sign_in_page(page, email)
        return page

    return _as


@pytest.fixture
def axe():
    """The ``axe_check`` helper as a fixture (for tests in other folders)."""
    return axe_check
