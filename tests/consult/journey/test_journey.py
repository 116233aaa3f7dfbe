"""The residents' journey: one page at a time, errors, progress, check answers, submit once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from consult.db import get_db
from consult.models import Progress, Response
from tests.consult.helpers import RESIDENT_ANSWERS, complete, start, token_of


def count_responses(app) -> int:
    with app.app_context():
        return get_db().scalar(select(func.count(Response.id)))


def test_start_page_shows_privacy_notice(client):
    page = client.get("/survey/residents/")
    assert page.status_code == 200
    assert b"Community safety survey" in page.data
    assert b"do not store your IP address" in page.data
    assert b"Start now" in page.data


def test_missing_answer_gives_error_summary_and_inline_message(client):
    first = start(client)
    page = client.post(first, data={})
    html = page.data.decode()
    assert "There is a problem" in html
    assert "Select your district or borough" in html
    assert 'href="#district"' in html
    assert "Error:" in html  # the page title says so, for screen readers


def test_input_is_kept_when_there_is_an_error(client):
    first = start(client)
    client.post(first, data={"district": "worthing", "postcode_district": "BN11"})
    page = client.post("/survey/residents/page/worries", data={"worry_text": "x" * 1300})
    html = page.data.decode()
    assert "must be 1200 characters or fewer" in html
    assert "x" * 1300 in html


def test_progress_survives_a_refresh_and_a_new_tab(client):
    first = start(client)
    client.post(first, data={"district": "crawley", "postcode_district": ""})
    # refresh the first page: the saved answer is selected
    again = client.get(first)
    assert b'value="crawley" selected' in again.data
    # the start page offers to continue
    assert b"Continue where you left off" in client.get("/survey/residents/").data


def test_full_journey_stores_one_response_with_version_and_hash(app, client):
    check = complete(client)
    html = check.data.decode()
    assert "Check your answers before sending them" in html
    assert "Fairly unsafe" in html and "Speed cameras" in html
    done = client.post("/survey/residents/submit", data={"submission_token": token_of(check.data)})
    assert done.status_code == 302
    confirmation = client.get(done.location)
    assert b"Answers sent" in confirmation.data
    with app.app_context():
        response = get_db().scalars(select(Response)).one()
        assert response.survey_id == "residents" and response.survey_version_number == 1
        assert len(response.definition_hash) == 64
        assert response.respondent_type == "resident"
        assert response.answers["postcode_district"] == "BN11"  # outward code only
        assert response.reference.encode() in confirmation.data


def test_double_submit_and_back_button_store_one_response(app, client):
    check = complete(client)
    token = token_of(check.data)
    first = client.post("/survey/residents/submit", data={"submission_token": token})
    second = client.post("/survey/residents/submit", data={"submission_token": token})
    assert first.status_code == 302
    assert b"You have already sent your answers" in second.data
    back = client.get("/survey/residents/page/priorities")
    assert b"You have already sent your answers" in back.data
    assert count_responses(app) == 1


def test_concurrent_duplicate_submits_store_one(app):
    """Two tabs racing with the same token: the unique submission key keeps one."""
    import threading

    client = app.test_client()
    token = token_of(complete(client).data)
    cookie = client.get_cookie("session")
    results = []

    def submit():
        c = app.test_client()
        c.set_cookie("session", cookie.value)
        results.append(c.post("/survey/residents/submit", data={"submission_token": token}).status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert all(code in (200, 302) for code in results)
    assert count_responses(app) == 1


def test_change_link_returns_to_check_answers(client):
    complete(client)
    changed = client.post(
        "/survey/residents/page/safety_dark?change=1", data={"safe_dark": "very_safe"}
    )
    assert changed.location.endswith("/survey/residents/check")
    assert b"Very safe" in client.get(changed.location).data


def test_change_that_opens_new_questions_asks_them(client):
    complete(client)
    changed = client.post("/survey/residents/page/reporting?change=1",
                          data={"incident": "yes", "reported": "no"})
    assert changed.location.endswith("/page/not_reported")


def test_checkboxes_follow_up_shown_only_when_chosen(client):
    start(client)
    client.post("/survey/residents/page/area", data={"district": "arun"})
    page = client.post("/survey/residents/page/problems", data={"problems": ["other"]})
    assert b"Enter what else is a problem" in page.data
    ok = client.post("/survey/residents/page/problems", data={"problems": ["asb"], "problems_other": "ignored"})
    assert ok.status_code == 302


def test_cannot_skip_to_check_answers(client):
    start(client)
    page = client.get("/survey/residents/check")
    assert page.location.endswith("/page/area")


def test_submission_without_progress_stores_nothing(app, client):
    response = client.post("/survey/residents/submit", data={"submission_token": "forged"})
    assert response.status_code == 400
    assert count_responses(app) == 0


def test_expired_progress_shows_timeout_page(app, client):
    start(client)
    with app.app_context():
        db = get_db()
        for progress in db.scalars(select(Progress)):
            progress.expires_at = dt.datetime(2000, 1, 1)
        db.commit()
    page = client.get("/survey/residents/page/area")
    assert b"Your session has ended" in page.data


def test_keepalive_extends_the_session(app, client):
    start(client)
    assert client.post("/survey/residents/keepalive").json["status"] == "ok"


def test_honeypot_filled_is_refused(app, client):
    first = start(client)
    response = client.post(first, data={"district": "arun", "website_url": "http://spam"})
    assert response.status_code == 400


def test_survey_closed_outside_its_dates(app, client):
    from consult.models import SurveyVersion

    with app.app_context():
        db = get_db()
        version = db.scalars(select(SurveyVersion)).first()
        definition = dict(version.definition)
        definition["closes"] = "2020-01-01"
        definition["opens"] = "2019-01-01"
        version.definition = definition
        version.definition_hash = "changed-for-test"
        db.commit()
    page = client.get("/survey/residents/")
    assert page.status_code == 410
    assert b"is closed" in page.data
    assert client.post("/survey/residents/start").status_code == 410


def test_pages_are_not_cached(client):
    first = start(client)
    assert "no-store" in client.get(first).headers["Cache-Control"]


def test_oversize_body_refused(client):
    first = start(client)
    response = client.post(first, data={"district": "a" * 100_000})
    assert response.status_code == 413
    assert b"too large" in response.data


def test_no_ip_address_stored(app, client):
    check = complete(client)
    client.post("/survey/residents/submit", data={"submission_token": token_of(check.data)},
                environ_base={"REMOTE_ADDR": "203.0.113.77"})
    with app.app_context():
        response = get_db().scalars(select(Response)).one()
        assert "203.0.113.77" not in str(response.answers)
        columns = {c.name for c in Response.__table__.columns}
        assert not any("ip" == c or "addr" in c for c in columns)


def test_resident_answers_cover_every_page():
    assert "about_identity" in RESIDENT_ANSWERS
