"""Helpers for walking a survey through the test client."""

from __future__ import annotations

RESIDENT_ANSWERS = {
    "area": {"district": "worthing", "postcode_district": "BN11 3AA"},
    "connection": {"connection": ["live", "work"]},
    "safety_day": {"safe_day": "fairly_safe"},
    "safety_dark": {"safe_dark": "fairly_unsafe"},
    "safety_change": {"safety_change": "less_safe"},
    "problems": {"problems": ["asb", "road_safety"]},
    "worries": {"worry_text": "Cars speeding past the school every morning."},
    "priorities": {"priority_text": "Speed cameras and more police on foot."},
    "reporting": {"incident": "no"},
    "about_age": {"age_group": "age_35_44"},
    "about_ethnicity": {},
    "about_health": {},
    "about_identity": {},
}


def start(client, survey_id="residents"):
    response = client.post(f"/survey/{survey_id}/start")
    assert response.status_code == 302
    return response.location


def answer_pages(client, location, answers):
    """From the page at ``location``, answer every page in order (``answers`` by page id);
    returns the check-answers response."""
    for _ in range(50):
        if location.endswith("/check"):
            return client.get(location)
        page_id = location.split("/page/")[1].split("?")[0]
        response = client.post(location, data=answers.get(page_id, {}))
        assert response.status_code == 302, (page_id, response.data[:2000])
        location = response.location
    raise AssertionError("the journey never reached check answers")


def complete(client, answers=RESIDENT_ANSWERS, survey_id="residents"):
    """Start the survey and answer every page; returns the check-answers response."""
    return answer_pages(client, start(client, survey_id), answers)


def token_of(html: bytes) -> str:
    marker = b'name="submission_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index(b'"', start)].decode()
