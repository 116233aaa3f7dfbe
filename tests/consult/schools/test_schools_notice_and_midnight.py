"""Issue 24, schools: every pupil reads the introduction and the safeguarding notice before
the first question (and the class sees the notice on the projector); a session opened late
in the evening may run past midnight, so the form's suggested end time is always accepted."""

from __future__ import annotations

import datetime as dt

import pytest

from consult.schools import forms
from consult.schools.forms import LOCAL_TZ, SessionForm
from tests.consult.schools.test_schools import (
    SAFEGUARDING_NOTICE,
    join,
    open_session,
    staff_client,
)


# --- the notice -------------------------------------------------------------------------------
def test_a_pupil_who_joins_reads_the_intro_and_notice_before_any_question(app, client):
    classroom = open_session(app, staff_client(app))
    joined = join(client, classroom.join_code)
    assert joined.status_code == 302
    assert joined.location.endswith("/survey/schools/"), joined.location  # not a question
    intro = client.get(joined.location).data.decode()
    assert "This survey asks how safe you feel" in intro
    assert SAFEGUARDING_NOTICE in intro
    assert "Question page" not in intro
    # Its "Continue" leads to the first question the pupil answers.
    assert 'href="/survey/schools/page/safe_school"' in intro


def test_the_projector_and_full_screen_pages_show_the_notice(app):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    for url in (f"/schools/sessions/{classroom.id}", f"/schools/sessions/{classroom.id}/show"):
        html = staff.get(url).data.decode()
        assert "What happens to your answers" in html, url
        assert SAFEGUARDING_NOTICE in html, url


# --- the end time, late in the evening --------------------------------------------------------
LATE = dt.datetime(2026, 3, 2, 23, 18, tzinfo=LOCAL_TZ)


def _form(end_time: str) -> SessionForm:
    return SessionForm(school="X", year_group="year_7", expected_pupils="20", end_time=end_time)


def test_at_23_18_the_suggested_end_is_00_18_and_it_is_accepted():
    suggested = SessionForm.blank(school="X", now=LATE)
    assert suggested.end_time == "00:18"
    form = _form(suggested.end_time)
    assert form.validate(now=LATE), form.errors
    assert form.ends_at == dt.datetime(2026, 3, 3, 0, 18)  # the next day (GMT: UTC the same)


@pytest.mark.parametrize(
    "now,typed,ends_at",
    [
        (LATE, "11:00pm", None),  # already past, and tomorrow's is more than 12 hours away
        (LATE, "23:59", dt.datetime(2026, 3, 2, 23, 59)),
        (LATE, "1:30am", dt.datetime(2026, 3, 3, 1, 30)),
        (LATE, "11:30", None),  # tomorrow morning: more than 12 hours away
        # British Summer Time starts at 01:00 GMT on 29 March 2026: 02:30 local is 01:30 UTC.
        (dt.datetime(2026, 3, 28, 23, 30, tzinfo=LOCAL_TZ), "02:30",
         dt.datetime(2026, 3, 29, 1, 30)),
    ],
)
def test_an_end_time_after_midnight_is_the_next_day(now, typed, ends_at):
    form = _form(typed)
    assert form.validate(now=now) is (ends_at is not None), form.errors
    assert form.ends_at == ends_at
    if ends_at is None:
        assert form.errors["end_time"] == "End time must be later than now"


def test_the_new_session_page_at_23_18_submits_as_filled_in(app, monkeypatch):
    # Today's date at 23:18 (so the session is open now, whatever the real time).
    late = dt.datetime.now(LOCAL_TZ).replace(hour=23, minute=18, second=0, microsecond=0)
    monkeypatch.setattr(forms, "local_now", lambda: late)
    staff = staff_client(app)
    html = staff.get("/schools/sessions/new").data.decode()
    assert 'value="00:18"' in html
    sent = staff.post(
        "/schools/sessions/new",
        data={"year_group": "year_9", "expected_pupils": "28", "end_time": "00:18"},
    )
    assert sent.status_code == 302, sent.data.decode()[:3000]
    projector = staff.get(sent.location).data.decode()
    assert "Open" in projector and "until 12:18am" in projector
