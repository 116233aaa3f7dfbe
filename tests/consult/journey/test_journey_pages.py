"""The residents' journey page by page (issue 24): "Save and continue" after going Back
two pages goes to the page in between, and every question that may be skipped says
"(optional)", on every "About you" page, not only the first."""

from __future__ import annotations

import html as html_lib

from consult.db import get_db
from consult.survey_store import current_version, definition_of
from tests.consult.helpers import RESIDENT_ANSWERS, start


def _save(client, base, page_id):
    response = client.post(f"{base}/page/{page_id}", data=RESIDENT_ANSWERS[page_id])
    assert response.status_code == 302, response.data[:500]
    return response.location


def test_save_and_continue_after_going_back_two_pages_goes_to_the_page_in_between(client):
    location = start(client)
    base = location.split("/page/")[0]
    for page_id in ("area", "connection", "safety_day", "safety_dark"):
        location = _save(client, base, page_id)
    assert location.endswith("/page/safety_change")
    # Back twice (the back links of safety_change, then safety_dark), then Save and continue.
    page = client.get(location).get_data(as_text=True)
    assert f'href="{base}/page/safety_dark"' in page
    page = client.get(f"{base}/page/safety_dark").get_data(as_text=True)
    assert f'href="{base}/page/safety_day"' in page
    assert _save(client, base, "safety_day").endswith("/page/safety_dark")
    assert _save(client, base, "safety_dark").endswith("/page/safety_change")


def test_save_and_continue_after_going_back_from_check_answers_walks_forward(client):
    location = start(client)
    base = location.split("/page/")[0]
    for page_id in RESIDENT_ANSWERS:
        location = _save(client, base, page_id) if f"/page/{page_id}" in location else location
    assert location.endswith("/check")
    pages = list(RESIDENT_ANSWERS)
    assert _save(client, base, pages[-2]).endswith(f"/page/{pages[-1]}")


def test_every_optional_question_on_the_about_you_pages_says_optional(app, client):
    with app.app_context():
        defn = definition_of(current_version(get_db(), "residents"))
    about = [p for p in defn.pages if p.title == "About you"]
    assert len(about) >= 4
    base = start(client).split("/page/")[0]
    for page in about:
        html = client.get(f"{base}/page/{page.id}").get_data(as_text=True)
        for q in page.questions:
            if q.show_if is None:
                assert not q.required
                wanted = html_lib.escape(f"{q.label} (optional)", quote=False)
                assert wanted in html, (page.id, q.code)
    # A question that must be answered does not say so.
    html = client.get(f"{base}/page/safety_day").get_data(as_text=True)
    assert "(optional)" not in html
