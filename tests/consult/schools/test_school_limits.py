"""Rate limits for pupils follow the pupil's device and the classroom session, not the
school's one address (issue 23, finding 1), and join-code guessing is limited per classroom
session and overall, and shown to staff (finding 7).

Every test runs with rate limits on, at the production limits unless it says otherwise, on
memory storage and on Redis (``CONSULT_TEST_REDIS_URL``, default database 13 of the local
server; skipped when it does not answer)."""

from __future__ import annotations

import os
import re

import pytest

from tests.consult.helpers import token_of
from tests.consult.schools.test_schools import (
    PUPIL_ANSWERS,
    first_question,
    join,
    open_session,
    responses_of,
    staff_client,
)

REDIS_URL = os.environ.get("CONSULT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
SCHOOL_ADDRESS = "203.0.113.7"


def _redis_or_skip():
    try:
        from redis import Redis

        conn = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        conn.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not answering at {REDIS_URL}: {exc}")
    return conn


def _clear_limits(conn) -> None:
    for key in conn.scan_iter("*LIMITER*"):
        conn.delete(key)


@pytest.fixture(params=["memory", "redis"])
def limited_app(request, make_app):
    """``limited_app(**config)``: an app with rate limits on, counted in memory or Redis."""
    conn = None
    storage = "memory://"
    if request.param == "redis":
        request.applymarker(pytest.mark.redis)
        conn = _redis_or_skip()
        _clear_limits(conn)
        storage = REDIS_URL

    def _make(**config):
        return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage, **config)

    yield _make
    if conn is not None:
        _clear_limits(conn)


def client_at(app, address: str = SCHOOL_ADDRESS):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


START_LINK = re.compile(r'href="([^"]+)"[^>]*class="govuk-button govuk-button--start')


def send_answers(client, code) -> int:
    """A pupil's whole turn (join, the introduction, every page, check, send); returns the
    status of the first refusal, or of the finish page."""
    joined = join(client, code)
    if joined.status_code != 302:
        return joined.status_code
    intro = client.get(joined.location)
    if intro.status_code != 200:
        return intro.status_code
    url = START_LINK.search(intro.data.decode())[1]
    while "/page/" in url:
        page_id = url.split("/page/")[1].split("?")[0]
        response = client.post(url, data=PUPIL_ANSWERS.get(page_id, {}))
        if response.status_code != 302:
            return response.status_code
        url = response.location
    if not url.endswith("/check"):
        return 500
    check = client.get(url)
    if check.status_code != 200:
        return check.status_code
    sent = client.post("/survey/schools/submit", data={"submission_token": token_of(check.data)})
    if sent.status_code != 302:
        return sent.status_code
    return client.get(sent.location).status_code


# --- finding 1: a class on one school network --------------------------------------------------
def test_a_year_group_of_240_on_one_address_joins_and_sends(limited_app, database_kind):
    if database_kind != "sqlite":  # 2,900 requests: the limits are the same on any database
        pytest.skip("rate limits do not depend on the database: the year group runs on SQLite")
    app = limited_app()
    classroom = open_session(app, staff_client(app), expected="240")
    statuses = [send_answers(client_at(app), classroom.join_code) for _ in range(240)]
    assert statuses.count(200) == 240, {s: statuses.count(s) for s in set(statuses)}
    assert len(responses_of(app, classroom.id)) == 240


def test_one_device_hammering_is_limited_and_its_classmates_are_not(limited_app):
    app = limited_app(RATELIMIT_DEFAULT="20 per minute")
    classroom = open_session(app, staff_client(app))
    hammer = client_at(app)
    first_page = first_question(hammer, classroom.join_code)
    statuses = [hammer.post(first_page, data={}).status_code for _ in range(25)]
    assert 429 in statuses and statuses.index(429) == 20
    # the classmate on the same school address is not held up
    assert send_answers(client_at(app), classroom.join_code) == 200
    # nor is a device that starts again without its cookie: it has no pupil's session
    stranger = client_at(app)
    assert stranger.post(first_page, data={}).status_code in (302, 400, 404)


def test_a_sessions_pupils_together_are_limited_to_their_class_allowance(limited_app):
    # 1 request a minute for each of at least 30 expected pupils: 30 in all
    app = limited_app(SCHOOLS_PUPIL_REQUESTS_PER_PUPIL="1 per minute")
    classroom = open_session(app, staff_client(app), expected="5")
    statuses = []
    for _ in range(8):
        client = client_at(app)
        location = join(client, classroom.join_code).location  # the introduction
        statuses += [client.get(location).status_code for _ in range(5)]
    assert statuses[:30] == [200] * 30
    assert set(statuses[30:]) == {429}


# --- finding 7: join-code guessing -------------------------------------------------------------
WRONG = ["ACD347", "ACD349", "ACD367", "ACD397", "ACE347", "ADD347", "CCD347", "ACD447"]


def _guess(app, address: str, code: str) -> int:
    return join(client_at(app, address), code).status_code


def test_guessing_from_many_addresses_is_slowed_and_staff_are_told(limited_app):
    app = limited_app(SCHOOLS_WRONG_CODES_OVERALL="20 per minute",
                      SCHOOLS_WRONG_CODES_PER_ADDRESS_WHILE_GUESSED="2 per minute")
    staff = staff_client(app)
    classroom = open_session(app, staff)
    checked = refused = 0
    for round_ in range(6):
        for n in range(10):  # 10 addresses, a fresh cookie for every guess
            code = WRONG[(round_ + n) % len(WRONG)]
            if code == classroom.join_code:
                continue
            status = _guess(app, f"198.51.100.{n}", code)
            checked += status == 200
            refused += status == 429
    # 20 checked before the service counted as guessed, then at most 2 an address
    assert checked <= 20 + 10 * 2 and refused >= 60 - 40
    # a guessing address cannot have the right code checked...
    assert _guess(app, "198.51.100.1", classroom.join_code) == 429
    # ...the class, on its own network, still joins
    assert _guess(app, SCHOOL_ADDRESS, classroom.join_code) == 302
    page = staff.get(f"/schools/sessions/{classroom.id}").data.decode()
    assert "Join codes are being guessed on this service" in page
    status = staff.get(f"/schools/sessions/{classroom.id}/status.json").json
    assert any("being guessed" in alert for alert in status["guessing"])


def _near(code: str, position: int) -> str:
    from consult.schools.queries import JOIN_CODE_ALPHABET

    other = next(c for c in JOIN_CODE_ALPHABET if c != code[position])
    return code[:position] + other + code[position + 1:]


def test_a_sessions_code_being_guessed_joins_only_from_the_room(limited_app):
    app = limited_app(SCHOOLS_NEAR_MISSES_PER_CLASSROOM="5 per 10 minutes")
    staff = staff_client(app)
    classroom = open_session(app, staff)
    code = classroom.join_code
    assert join(client_at(app), code).status_code == 302  # the first pupil in the room
    page = staff.get(f"/schools/sessions/{classroom.id}").data.decode()
    assert "trying codes close to" not in page
    for position in range(6):  # someone elsewhere who saw most of the code
        assert _guess(app, "192.0.2.50", _near(code, position)) == 200
    page = staff.get(f"/schools/sessions/{classroom.id}").data.decode()
    assert "Someone is trying codes close to this session’s code" in page
    # from elsewhere the right code is answered as a wrong one...
    outside = join(client_at(app, "192.0.2.51"), code)
    assert outside.status_code == 200 and "No session has this code" in outside.data.decode()
    # ...the pupils in the room still join
    assert send_answers(client_at(app), code) == 200


def test_typos_in_a_class_do_not_alert_staff(limited_app):
    app = limited_app()
    staff = staff_client(app)
    classroom = open_session(app, staff, expected="240")
    for position in range(6):
        for _ in range(3):
            assert _guess(app, SCHOOL_ADDRESS, _near(classroom.join_code, position)) == 200
    assert staff.get(f"/schools/sessions/{classroom.id}/status.json").json["guessing"] == []
