"""School sessions: staff open a session and project its code; pupils join with it, answer
on a shared device, and finish on a screen that resets the device for the next pupil."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import func, select

from consult.db import get_db
from consult.models import AuditEvent, Progress, Response, utcnow
from consult.schools import queries
from consult.schools.models import ClassroomSession
from tests.consult.helpers import answer_pages, token_of
from tests.support import SCHOOL, signed_in_as
from tests.support import make_staff as make_account

# What every pupil reads before the first question (the schools survey's privacy notice).
SAFEGUARDING_NOTICE = (
    "If something you write makes us think a child may be in danger, staff whose job is to"
)

PUPIL_ANSWERS = {
    "year": {"year_group": "year_8"},
    "safe_school": {"safe_school": "fairly_safe"},
    "safe_journey": {"safe_journey": "neither"},
    "safe_area": {"safe_area": "fairly_unsafe"},
    "safe_online": {"safe_online": "fairly_safe"},
    "worries": {"worries": ["bullying", "knives_weapons"]},
    "worry_most": {"worry_text": "older kids hanging round the park by the bus stop"},
    "feel_safer": {"safer_text": "more lights on the path and a teacher at the gate"},
    "who_tell": {"who_tell": ["parent_carer", "teacher"]},
}


# --- helpers (also used by the safeguarding tests) --------------------------------------------
def _email(role, school):
    return f"{role}.{(school or 'all').split()[0].lower()}@example.org"


def make_staff(app, role="school_staff", email=None, school=SCHOOL):
    return make_account(app, role, email or _email(role, school), school=school)


def staff_client(app, role="school_staff", school=SCHOOL, email=None):
    client = app.test_client()
    signed_in_as(app, client, role, email or _email(role, school), school=school)
    return client


def in_an_hour() -> str:
    from consult.schools.forms import local_now

    return (local_now() + dt.timedelta(hours=1)).strftime("%H:%M")  # after midnight is fine


def open_session(app, staff, year_group="year_8", expected="28") -> ClassroomSession:
    response = staff.post(
        "/schools/sessions/new",
        data={"year_group": year_group, "expected_pupils": expected, "end_time": in_an_hour()},
    )
    assert response.status_code == 302, response.data[:3000]
    session_id = int(response.location.rstrip("/").split("/")[-1])
    with app.app_context():
        return get_db().get(ClassroomSession, session_id)


def join(client, code):
    return client.post("/join", data={"code": code})


def first_question(client, code) -> str:
    """Join with ``code``: the pupil lands on the introduction, with the safeguarding notice,
    and its "Continue" leads to the first question. Returns that question page's URL."""
    joined = join(client, code)
    assert joined.status_code == 302 and joined.location.endswith("/survey/schools/"), (
        joined.location
    )
    intro = client.get(joined.location).data.decode()
    assert SAFEGUARDING_NOTICE in intro
    return re.search(r'href="([^"]+)"[^>]*class="govuk-button govuk-button--start', intro)[1]


def answer_all(client, code, answers=PUPIL_ANSWERS):
    """Join with ``code`` and answer every page; returns the check-answers response."""
    return answer_pages(client, first_question(client, code), answers)


def complete_as_pupil(client, code, answers=PUPIL_ANSWERS):
    """A pupil's whole turn: join, answer, send; returns the finish page."""
    check = answer_all(client, code, answers)
    sent = client.post("/survey/schools/submit", data={"submission_token": token_of(check.data)})
    assert sent.status_code == 302, sent.data[:2000]
    return client.get(sent.location)


def set_session(app, session_id, **values):
    with app.app_context():
        db = get_db()
        classroom = db.get(ClassroomSession, session_id)
        for key, value in values.items():
            setattr(classroom, key, value)
        db.commit()


def responses_of(app, session_id) -> list[Response]:
    with app.app_context():
        return list(
            get_db().scalars(select(Response).where(Response.classroom_session_id == session_id))
        )


# --- join codes -------------------------------------------------------------------------------
def test_join_codes_are_short_unambiguous_and_random():
    codes = {queries.new_join_code() for _ in range(2000)}
    assert len(codes) > 1990
    for code in codes:
        assert len(code) == 6
        assert not set(code) & set("0O1IL2Z5S8B")
    assert len(queries.JOIN_CODE_ALPHABET) ** 6 == 244_140_625
    assert queries.normalise_code(" acd-347 ") == "ACD347"


def test_codes_are_unique_among_open_sessions(app, monkeypatch):
    staff = staff_client(app)
    first = open_session(app, staff)
    taken = first.join_code
    fresh = iter([taken, taken, "ACD347"])
    monkeypatch.setattr(queries, "new_join_code", lambda: next(fresh))
    second = open_session(app, staff)
    assert second.join_code == "ACD347"
    # once the first has closed, its code may be handed out again
    set_session(app, first.id, closed_at=utcnow())
    monkeypatch.setattr(queries, "new_join_code", lambda: taken)
    third = open_session(app, staff)
    assert third.join_code == taken


def test_expired_session_frees_its_code(app, monkeypatch):
    staff = staff_client(app)
    first = open_session(app, staff)
    set_session(app, first.id, ends_at=utcnow() - dt.timedelta(minutes=1))
    monkeypatch.setattr(queries, "new_join_code", lambda: first.join_code)
    again = open_session(app, staff)
    assert again.join_code == first.join_code and again.id != first.id
    with app.app_context():
        assert get_db().get(ClassroomSession, first.id).closed_at is not None


def test_join_page_prefills_the_code(client):
    page = client.get("/join?code=acd347")
    assert page.status_code == 200
    assert 'value="ACD347"' in page.data.decode()
    assert "no-store" in page.headers["Cache-Control"]


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter the code shown on the board"),
        ("AB", "The code is 6 letters and numbers, like ACD 347 (you entered 2)"),
        ("ACD/347", "The code has only letters and numbers"),
        ("ACD-34O", "No session has this code. Check it with your teacher"),
        ("ZZZZZZ", "No session has this code. Check it with your teacher"),
        ("ACD347", "No session has this code. Check it with your teacher"),
    ],
)
def test_wrong_codes_get_a_clear_error(client, typed, message):
    page = client.post("/join", data={"code": typed})
    html = page.data.decode()
    assert page.status_code == 200
    assert "There is a problem" in html and message in html
    assert 'href="#code"' in html
    assert f'value="{typed}"' in html  # what they typed is kept


def test_expired_code_is_refused(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    set_session(app, classroom.id, ends_at=utcnow() - dt.timedelta(seconds=1))
    html = join(client, classroom.join_code).data.decode()
    assert "This session has ended" in html
    with app.app_context():
        assert get_db().scalar(select(func.count(Progress.id))) == 0


def test_closed_code_is_refused(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    assert staff.post(f"/schools/sessions/{classroom.id}/close").status_code == 302
    html = join(client, classroom.join_code.lower()).data.decode()
    assert "This session has ended" in html


def test_code_is_not_case_or_space_sensitive(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    typed = f" {classroom.join_code[:3].lower()} {classroom.join_code[3:]} "
    # the session says the year group: the pupil is not asked it
    assert first_question(client, typed).endswith("/survey/schools/page/safe_school")


def test_wrong_codes_are_rate_limited_but_right_ones_are_not(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    staff = staff_client(app)
    classroom = open_session(app, staff)
    client = app.test_client()
    client.get("/join")
    # a whole class behind one school address joins: right codes never count
    for _ in range(15):
        assert join(client, classroom.join_code).status_code == 302
    client.get("/join")
    for _ in range(10):
        assert join(client, "ACD347").status_code == 200
    blocked = join(client, "ACD349")
    assert blocked.status_code == 429
    assert "too many wrong codes on this device" in blocked.data.decode()


def test_a_classmates_wrong_codes_never_lock_out_the_right_code(make_app):
    """12 wrong codes from one classroom address, then six pupils type the right one."""
    app = make_app(RATELIMIT_ENABLED=True, SCHOOLS_WRONG_CODES_PER_ADDRESS="10 per minute")
    classroom = open_session(app, staff_client(app))
    prankster = app.test_client()
    prankster.get("/join")
    for _ in range(12):
        assert join(prankster, "ACD347").status_code in (200, 429)
    told = join(app.test_client(), "ACD349")
    assert told.status_code == 429 and "school’s network" in told.data.decode()
    for _ in range(6):
        pupil = app.test_client()
        pupil.get("/join")
        assert join(pupil, classroom.join_code).status_code == 302


def test_the_address_ceiling_bounds_guessing_without_cookies(make_app):
    app = make_app(RATELIMIT_ENABLED=True,
                   SCHOOLS_WRONG_CODES_CHECKED_PER_ADDRESS="5 per minute")
    classroom = open_session(app, staff_client(app))
    for _ in range(5):
        assert join(app.test_client(), "ACD347").status_code == 200  # a fresh cookie each time
    refused = join(app.test_client(), classroom.join_code)
    assert refused.status_code == 429
    assert "Too many wrong codes have been tried" in refused.data.decode()


# --- the pupils' journey ----------------------------------------------------------------------
def test_help_and_anonymity_on_every_page(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    location = first_question(client, classroom.join_code)
    for _ in range(12):
        if location.endswith("/check"):
            break
        html = client.get(location).data.decode()
        assert "Childline" in html and "0800 1111" in html and "999" in html
        assert "anonymous" in html and "staff may act" in html
        page_id = location.split("/page/")[1]
        location = client.post(location, data=PUPIL_ANSWERS[page_id]).location
    assert "0800 1111" in client.get(location).data.decode()


def test_pupil_response_records_session_and_type_and_no_name(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    finish = complete_as_pupil(client, classroom.join_code)
    assert finish.status_code == 200
    [response] = responses_of(app, classroom.id)
    assert response.respondent_type == "pupil"
    assert response.survey_id == "schools"
    assert response.answers["year_group"] == "year_8"
    assert response.answers["worries"] == ["bullying", "knives_weapons"]


def test_finish_resets_the_device(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    finish = complete_as_pupil(client, classroom.join_code)
    html = finish.data.decode()
    assert "Thank you" in html
    assert "no-store" in finish.headers["Cache-Control"]
    # the session cookie is gone: it no longer carries the pupil's progress
    assert client.get_cookie("session") is None
    # "Next pupil" goes back to the join page with the code filled in
    assert f'href="/join?code={classroom.join_code}"' in html
    # the back button: the survey pages show nothing of the previous pupil
    for page in ("worry_most", "feel_safer", "year"):
        back = client.get(f"/survey/schools/page/{page}", follow_redirects=True)
        text = back.data.decode()
        assert "older kids hanging round" not in text and "more lights on the path" not in text
        assert "no-store" in back.headers["Cache-Control"]
        assert back.request.path == "/join"
    check = client.get("/survey/schools/check", follow_redirects=True)
    assert "older kids" not in check.data.decode()
    # and the server kept no working copy of the answers either
    with app.app_context():
        [progress] = get_db().scalars(select(Progress)).all()
        assert progress.answers == {}


def test_every_pupil_page_is_no_store(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    first = first_question(client, classroom.join_code)
    assert "no-store" in client.get(first).headers["Cache-Control"]
    assert "no-store" in client.get("/join").headers["Cache-Control"]


def test_two_pupils_one_after_another_on_one_device(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    complete_as_pupil(client, classroom.join_code)
    # the next pupil presses "Next pupil" and starts with a blank survey
    join_page = client.get(f"/join?code={classroom.join_code}")
    assert classroom.join_code in join_page.data.decode()
    second_first_page = first_question(client, classroom.join_code)
    blank = client.get(second_first_page.replace("/safe_school", "/worry_most")).data.decode()
    assert "older kids hanging round" not in blank
    second = {**PUPIL_ANSWERS, "year": {"year_group": "year_9"},
              "worry_most": {"worry_text": "people vaping in the toilets"}}
    check = None
    location = second_first_page
    for _ in range(30):
        if location.endswith("/check"):
            check = client.get(location)
            break
        page_id = location.split("/page/")[1].split("?")[0]
        location = client.post(location, data=second.get(page_id, {})).location
    assert "older kids" not in check.data.decode()
    client.post("/survey/schools/submit", data={"submission_token": token_of(check.data)})
    years = sorted(r.answers["year_group"] for r in responses_of(app, classroom.id))
    assert years == ["year_8", "year_8"]  # from the session, never asked
    assert staff.get(f"/schools/sessions/{classroom.id}/status.json").json["count"] == 2


def test_joining_clears_a_staff_sign_in_on_the_device(app):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    assert join(staff, classroom.join_code).status_code == 302
    assert staff.get("/schools/sessions").status_code == 302  # sent to sign in


def test_session_closed_midway_gets_a_clear_page(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    first = first_question(client, classroom.join_code)
    client.post(first, data=PUPIL_ANSWERS["year"])
    staff.post(f"/schools/sessions/{classroom.id}/close")
    page = client.get("/survey/schools/page/safe_school")
    assert page.status_code == 410
    html = page.data.decode()
    assert "This session has ended" in html and "0800 1111" in html
    assert "no-store" in page.headers["Cache-Control"]
    assert client.get_cookie("session") is None
    assert responses_of(app, classroom.id) == []


def test_answers_on_check_page_can_still_be_sent_just_after_closing(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    check = answer_all(client, classroom.join_code)
    staff.post(f"/schools/sessions/{classroom.id}/close")
    sent = client.post("/survey/schools/submit", data={"submission_token": token_of(check.data)})
    assert sent.status_code == 302
    assert len(responses_of(app, classroom.id)) == 1
    # but long after closing, even a finished pupil sees the session-ended page
    other = app.test_client()
    check = answer_all(other, open_session(app, staff).join_code)
    with app.app_context():
        db = get_db()
        progress = db.scalar(select(Progress).where(Progress.token == token_of(check.data)))
        session_id = progress.classroom_session_id
    set_session(app, session_id, closed_at=utcnow() - dt.timedelta(hours=1))
    late = other.post("/survey/schools/submit", data={"submission_token": token_of(check.data)})
    assert late.status_code == 410
    assert responses_of(app, session_id) == []


def test_pupils_cannot_start_the_survey_without_a_code(client):
    assert client.get("/survey/schools/").location.endswith("/join")
    assert client.post("/survey/schools/start").status_code == 404


def test_thirty_pupils_submitting_at_once_lose_nothing(app):
    staff = staff_client(app)
    classroom = open_session(app, staff, expected="30")
    errors: list[BaseException] = []
    barrier = threading.Barrier(30)

    def pupil(n):
        try:
            client = app.test_client()
            answers = {**PUPIL_ANSWERS, "worry_most": {"worry_text": f"pupil {n} worry"}}
            check = answer_all(client, classroom.join_code, answers)
            barrier.wait(timeout=60)  # everyone presses "Send" together
            sent = client.post(
                "/survey/schools/submit", data={"submission_token": token_of(check.data)}
            )
            assert sent.status_code == 302, sent.data[:1000]
            assert client.get(sent.location).status_code == 200
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=pupil, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    stored = responses_of(app, classroom.id)
    assert len(stored) == 30
    assert sorted(r.answers["worry_text"] for r in stored) == sorted(
        f"pupil {n} worry" for n in range(30)
    )
    assert staff.get(f"/schools/sessions/{classroom.id}/status.json").json["count"] == 30


# --- staff pages ------------------------------------------------------------------------------
def test_staff_pages_need_sign_in(client):
    for url in ("/schools/sessions", "/schools/sessions/new", "/schools/sessions/1",
                "/schools/sessions/1/status.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/sign-in" in response.location


@pytest.mark.parametrize("role", ["analyst", "safeguarding_lead"])
def test_staff_pages_need_the_school_staff_role(app, role):
    other = staff_client(app, role=role, school=None)
    assert other.get("/schools/sessions").status_code == 403
    assert other.post("/schools/sessions/new", data={}).status_code == 403


def test_admin_can_open_a_session_for_any_school(app):
    admin = staff_client(app, role="admin", school=None)
    response = admin.post(
        "/schools/sessions/new",
        data={"school": "Southway School", "year_group": "year_10", "expected_pupils": "25",
              "end_time": in_an_hour()},
    )
    assert response.status_code == 302
    assert "Southway School" in admin.get("/schools/sessions").data.decode()


def test_create_form_errors_keep_what_was_typed(app):
    staff = staff_client(app)
    page = staff.post(
        "/schools/sessions/new",
        data={"year_group": "", "expected_pupils": "lots", "end_time": "25:99"},
    )
    html = page.data.decode()
    assert "There is a problem" in html
    assert "Select the year group" in html
    assert "Number of pupils must be a whole number" in html
    assert "End time must be a real time" in html
    assert 'value="lots"' in html and 'value="25:99"' in html
    assert 'href="#expected_pupils"' in html


def test_end_time_must_be_later_today():
    from consult.schools.forms import LOCAL_TZ, SessionForm

    noon = dt.datetime(2026, 3, 2, 12, 0, tzinfo=LOCAL_TZ)
    form = SessionForm(school="X", year_group="year_7", expected_pupils="20", end_time="11:00")
    assert not form.validate(now=noon)
    assert form.errors["end_time"] == "End time must be later than now"
    form = SessionForm(school="X", year_group="year_7", expected_pupils="20", end_time="2:30pm")
    assert form.validate(now=noon)
    assert form.ends_at == dt.datetime(2026, 3, 2, 14, 30)  # GMT in March: UTC is the same
    summer = dt.datetime(2026, 6, 1, 9, 0, tzinfo=LOCAL_TZ)
    form = SessionForm(school="X", year_group="year_7", expected_pupils="20", end_time="10:15")
    assert form.validate(now=summer)
    assert form.ends_at == dt.datetime(2026, 6, 1, 9, 15)  # stored in UTC


def test_projector_shows_code_qr_and_count(app):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    page = staff.get(f"/schools/sessions/{classroom.id}")
    html = page.data.decode()
    assert page.status_code == 200
    code = classroom.join_code
    assert f"{code[:3]} {code[3:]}" in html and "app-join-code" in html
    assert 'src="data:image/svg+xml' in html
    assert "Go to localhost/join and enter this code" in html  # no scheme to read out
    assert '<span id="submission-count">0</span> of 28 pupils' in html
    assert "schools-projector.js" in html and 'type="module"' in html
    assert "<style" not in html and "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)", html)  # no inline script
    status = staff.get(f"/schools/sessions/{classroom.id}/status.json")
    assert status.json == {
        "count": 0, "expected": 28, "over_expected": 0, "status": "open",
        "over_expected_text": "0 more answers than the 28 pupils you expected.",
        "guessing": [],
    }


def test_close_session_and_its_own_end_time(app):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    staff.post(f"/schools/sessions/{classroom.id}/close")
    assert staff.get(f"/schools/sessions/{classroom.id}/status.json").json["status"] == "closed"
    assert "This session has closed" in staff.get(f"/schools/sessions/{classroom.id}").data.decode()
    other = open_session(app, staff)
    set_session(app, other.id, ends_at=utcnow() - dt.timedelta(minutes=1))
    assert staff.get(f"/schools/sessions/{other.id}/status.json").json["status"] == "closed"
    with app.app_context():
        actions = [e.action for e in get_db().scalars(select(AuditEvent))]
    assert "school_session_opened" in actions and "school_session_closed" in actions


def test_school_staff_see_only_their_schools_sessions(app):
    ours = staff_client(app)
    theirs = staff_client(app, school="Southway School")
    classroom = open_session(app, ours)
    assert theirs.get(f"/schools/sessions/{classroom.id}").status_code == 404
    assert theirs.get(f"/schools/sessions/{classroom.id}/status.json").status_code == 404
    assert theirs.post(f"/schools/sessions/{classroom.id}/close").status_code == 404
    listing = ours.get("/schools/sessions").data.decode()
    assert f"{classroom.join_code[:3]} {classroom.join_code[3:]}" in listing
    assert f"{classroom.join_code[:3]} {classroom.join_code[3:]}" not in theirs.get(
        "/schools/sessions"
    ).data.decode()


def test_questions_the_session_answers_are_not_asked(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff, year_group="year_10")
    first = first_question(client, classroom.join_code)
    assert first.endswith("/page/safe_school")
    # the back link from the first question goes to the intro, not to the year question
    back = client.get("/survey/schools/page/year")
    assert back.status_code == 302 and back.location.endswith("/survey/schools/")
    check = answer_all(client, classroom.join_code)
    html = check.data.decode()
    assert "Year 10" in html  # shown on check answers, from the session
    change = client.get("/survey/schools/page/year?change=1")
    assert change.location.endswith("/survey/schools/check")
    # a mixed-years session asks each pupil
    mixed = open_session(app, staff, year_group="mixed")
    assert first_question(app.test_client(), mixed.join_code).endswith("/page/year")


def test_back_from_the_first_page_shows_the_intro_and_carries_on(app, client):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    first = first_question(client, classroom.join_code)
    client.post(first, data=PUPIL_ANSWERS["safe_school"])
    page = client.get("/survey/schools/")
    html = page.data.decode()
    assert page.status_code == 200
    assert "Do not write your name" in html and "0800 1111" in html
    assert 'href="/survey/schools/page/safe_journey"' in html
    assert "/survey/schools/start" not in html  # not the public "Start now" form


def test_no_names_or_addresses_are_stored_for_pupils(app, client):
    from consult.safeguarding.models import SafeguardingAction, SafeguardingFlag

    for model in (ClassroomSession, SafeguardingFlag, SafeguardingAction, Response, Progress):
        columns = {c.name for c in model.__table__.columns}
        assert not any(c == "ip" or "addr" in c or "name" in c for c in columns), model
    staff = staff_client(app)
    classroom = open_session(app, staff)
    client.post("/join", data={"code": classroom.join_code},
                environ_base={"REMOTE_ADDR": "203.0.113.77"})
    with app.app_context():
        [progress] = get_db().scalars(select(Progress)).all()
        assert "203.0.113.77" not in str(progress.answers)


def test_staff_see_when_submissions_pass_the_expected_number(app):
    staff = staff_client(app)
    classroom = open_session(app, staff, expected="1")
    complete_as_pupil(app.test_client(), classroom.join_code)
    page = staff.get(f"/schools/sessions/{classroom.id}").data.decode()
    assert 'id="over-expected" class="govuk-warning-text" hidden' in page
    complete_as_pupil(app.test_client(), classroom.join_code)
    complete_as_pupil(app.test_client(), classroom.join_code)
    page = staff.get(f"/schools/sessions/{classroom.id}").data.decode()
    assert "2 more answers than the 1 pupil you expected" in page
    assert 'id="over-expected" class="govuk-warning-text" hidden' not in page
    status = staff.get(f"/schools/sessions/{classroom.id}/status.json").json
    assert status["count"] == 3 and status["over_expected"] == 2
    listing = staff.get("/schools/sessions").data.decode()
    assert "3 of 1" in listing and "More than expected" in listing


def test_full_screen_projector_has_no_staff_navigation(app):
    staff = staff_client(app)
    classroom = open_session(app, staff)
    normal = staff.get(f"/schools/sessions/{classroom.id}").data.decode()
    assert "Sign out" in normal and f"/schools/sessions/{classroom.id}/show" in normal
    shown = staff.get(f"/schools/sessions/{classroom.id}/show")
    html = shown.data.decode()
    assert shown.status_code == 200
    assert f"{classroom.join_code[:3]} {classroom.join_code[3:]}" in html
    assert "Sign out" not in html and "govuk-service-navigation" not in html
    assert "Privacy notice" not in html and "Close session" not in html
    assert app.test_client().get(f"/schools/sessions/{classroom.id}/show").status_code == 302


def test_help_is_one_line_that_opens_the_full_text(app, client):
    classroom = open_session(app, staff_client(app))
    page = client.get(first_question(client, classroom.join_code)).data.decode()
    line = re.search(r'<summary class="govuk-details__summary">(.*?)</summary>', page, re.S)
    assert "Need help now? Childline 0800 1111, or 999 in danger" in line.group(1)
    assert len(re.sub(r"<[^>]+>", "", line.group(1)).strip()) < 60  # one line on a phone
    assert "go to childline.org.uk" in page  # the full text, opened from that line
