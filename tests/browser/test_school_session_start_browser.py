"""Issue 24 in a real browser: the class sees the safeguarding notice on the projector and
every pupil reads it (with the introduction) before the first question; a teacher opening a
session at 23:18 sends the form as it comes (end time 00:18) and the session opens."""

from __future__ import annotations

import datetime as dt
import re

from consult.schools import forms
from tests.browser.conftest import axe_check
from tests.consult.schools.test_schools import SAFEGUARDING_NOTICE

SCHOOL = "Notice Browser Academy"


def _open_session(teacher, end_time: str | None = None) -> str:
    """Fill in the new-session form (the end time as suggested unless given); the code."""
    teacher.goto("/schools/sessions/new")
    teacher.get_by_label("Year group").select_option("year_9")
    teacher.get_by_label("How many pupils do you expect?").fill("28")
    if end_time is not None:
        teacher.get_by_label("What time does the session end?").fill(end_time)
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Open session").click()
    assert re.search(r"/schools/sessions/\d+$", teacher.url), teacher.locator("main").inner_text()
    return teacher.locator(".app-join-code [aria-hidden=true]").inner_text().replace(" ", "")


def _text(page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def test_the_class_and_every_pupil_see_the_notice_before_the_first_question(
    staff_page, browser, live_server
):
    teacher = staff_page("school_staff", school=SCHOOL)
    code = _open_session(teacher, (forms.local_now() + dt.timedelta(hours=1)).strftime("%H:%M"))
    assert SAFEGUARDING_NOTICE in _text(teacher)
    axe_check(teacher, "projector with the notice")
    with teacher.expect_navigation():
        teacher.get_by_role("link", name="Show the code full screen").click()
    assert SAFEGUARDING_NOTICE in _text(teacher)
    axe_check(teacher, "full-screen projector with the notice")

    pupil = browser.new_context(base_url=live_server.url).new_page()
    try:
        pupil.goto("/join")
        pupil.get_by_label("Enter your class’s code").fill(code)
        with pupil.expect_navigation():
            pupil.get_by_role("button", name="Start").click()
        intro = _text(pupil)
        assert "Question page" not in intro, pupil.url
        assert "This survey asks how safe you feel" in intro
        assert SAFEGUARDING_NOTICE in intro
        axe_check(pupil, "pupil intro")
        with pupil.expect_navigation():
            pupil.get_by_role("button", name="Continue").click()
        assert "Question page" in _text(pupil)
        assert "How safe do you feel at school?" in _text(pupil)
    finally:
        pupil.context.close()


def test_a_session_opened_at_23_18_runs_past_midnight(staff_page, monkeypatch):
    # The server's clock says 23:18 today (so the session is still open, whatever the time).
    late = dt.datetime.now(forms.LOCAL_TZ).replace(hour=23, minute=18, second=0, microsecond=0)
    monkeypatch.setattr(forms, "local_now", lambda: late)
    teacher = staff_page("school_staff", school=SCHOOL)
    teacher.goto("/schools/sessions/new")
    assert teacher.get_by_label("What time does the session end?").input_value() == "00:18"
    _open_session(teacher)  # the suggested end time, as it comes
    status = teacher.locator("#session-status").inner_text()
    assert "Open" in status and "12:18am" in status, status
