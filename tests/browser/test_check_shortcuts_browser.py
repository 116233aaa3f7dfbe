""""Check answers" single-key shortcuts in a real browser (issue 24, WCAG 2.1.4): a visible
box turns them off (remembered in the browser), and they act only when no text field has
focus. The analysis runs on a server of this module's own with the fake theme engine."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_check
from tests.consult.analysis.test_analysis_support import fake_factory, seed_residents


@pytest.fixture
def live_server(live_server):
    """This test's own server (every browser test has one), with the fake theme engine,
    jobs run at once and residents' answers to analyse."""
    live_server.app.config.update(JOBS_SYNC=True, ANALYSIS_ENGINE_FACTORY=fake_factory)
    with live_server.db() as db:
        seed_residents(db)
        db.commit()
    return live_server


def _checked(page) -> int:
    return int(page.locator("[data-checked]").inner_text())


def _start_run(page) -> str:
    page.goto("/analysis/runs/new")
    for box in page.locator('input[name="versions"]').all():
        label = page.locator(f'label[for="{box.get_attribute("id")}"]').inner_text()
        box.set_checked(label.startswith("Community safety survey"))
    with page.expect_navigation():
        page.get_by_role("button", name="Start the analysis").click()
    run_url = re.search(r"/analysis/runs/\d+", page.url).group(0)
    page.goto(f"{run_url}/check")
    return f"{run_url}/check"


def test_single_key_shortcuts_can_be_turned_off_and_ignore_text_boxes(staff_page):
    page = staff_page("analyst")
    check_url = _start_run(page)
    assert page.locator("#answer-text").is_visible()
    axe_check(page, "check answers with the shortcut setting")
    toggle = page.get_by_label("Use single-key shortcuts")
    assert toggle.is_visible() and toggle.is_checked()

    # Typing in a box is never a shortcut: "a" goes into the box.
    page.get_by_label(re.compile(r"^New theme")).focus()
    page.keyboard.type("as")
    assert page.get_by_label(re.compile(r"^New theme")).input_value() == "as"
    assert _checked(page) == 0 and page.url.endswith("/check")
    page.get_by_label(re.compile(r"^New theme")).fill("")

    # Turned off: "a" does nothing, and the page says so.
    toggle.uncheck()
    assert page.locator("#shortcuts-state").inner_text() == "Single-key shortcuts are off."
    page.locator("h1").click()  # focus off the box, as a person moving on would
    answer = page.locator('input[name="answer"]').first.get_attribute("value")
    page.keyboard.press("a")
    page.keyboard.press("x")
    page.wait_for_timeout(300)  # time for a navigation that must not come
    assert _checked(page) == 0
    assert page.locator('input[name="answer"]').first.get_attribute("value") == answer
    assert not page.locator(".app-key").first.is_visible()

    # Remembered in this browser: still off on the next visit.
    page.goto(check_url)
    toggle = page.get_by_label("Use single-key shortcuts")
    assert not toggle.is_checked()
    page.locator("h1").click()
    page.keyboard.press("a")
    page.wait_for_timeout(300)
    assert _checked(page) == 0

    # Turned on again: "a" accepts the suggestion.
    toggle.check()
    page.locator("h1").click()
    with page.expect_navigation():
        page.keyboard.press("a")
    assert _checked(page) == 1
