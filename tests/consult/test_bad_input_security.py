"""The 500s of issue 13, each now a clear 400 (or a validation message): numbers that are
digits to str.isdigit() but not to int(), numbers too big for the database, and a
``next=`` holding CR/LF."""

from __future__ import annotations

import pytest

from tests.consult.auth.test_staff_sessions import signed_in
from tests.consult.schools.test_schools import in_an_hour, staff_client


@pytest.mark.parametrize("typed", ["²", "①", "٣", "2²", "9" * 5000, "-3", "3.5"])
def test_expected_pupils_that_only_look_like_numbers(app, typed):
    client = staff_client(app)
    page = client.post(
        "/schools/sessions/new",
        data={"year_group": "year_8", "expected_pupils": typed, "end_time": in_an_hour()},
    )
    html = page.data.decode()
    assert page.status_code in (200, 400)
    assert "There is a problem" in html
    assert "Number of pupils must be" in html


@pytest.mark.parametrize(
    "url,status",
    [
        ("/analysis/surveys/residents/responses?page=99999999999999999999", 400),
        ("/analysis/surveys/residents/responses?page=2147483648", 400),
        # An id that cannot exist names nothing: 404 (issue 23, finding 9).
        ("/analysis/surveys/residents/responses?run=99999999999999999999", 404),
        ("/analysis/surveys/residents/responses?theme=-99999999999999999999", 404),
        ("/analysis/runs/99999999999999999999/themes/1", 404),
        ("/safeguarding/flags/99999999999999999999", 404),
        ("/safeguarding/?session=99999999999999999999", 404),
        ("/safeguarding/?session=2147483648", 404),
    ],
)
def test_numbers_too_big_for_the_database(app, url, status):
    client, _ = signed_in(app, "admin")
    page = client.get(url)
    assert page.status_code == status
    assert "That page does not exist" in page.data.decode()


@pytest.mark.parametrize(
    "field", [("others", "2147483648"), ("answers", "99999999999999999999"),
              ("target", "2147483648")],
)
def test_ids_too_big_for_the_database_in_a_staff_form_are_not_found(app, field):
    client, _ = signed_in(app, "admin")
    page = client.post("/analysis/runs/1/themes/1/merge", data=dict([field]))
    assert page.status_code == 404
    assert "That page does not exist" in page.data.decode()


def test_a_resident_may_type_any_number(app, client):
    client.post("/survey/residents/start")
    page = client.post("/survey/residents/page/worries",
                       data={"worry_text": "99999999999999999999", "target": "99999999999999999999"})
    assert page.status_code in (200, 302)


def test_ordinary_page_numbers_still_work(app):
    client, _ = signed_in(app, "analyst")
    assert client.get("/analysis/surveys/residents/responses?page=2147483647").status_code == 200
    assert client.get("/analysis/surveys/residents/responses?q=07700900123").status_code == 200


@pytest.mark.parametrize(
    "target",
    ["/admin/surveys%0D%0ASet-Cookie:%20x=1", "/admin%0asurveys", "/admin/%09x", "/\\evil.example"],
)
def test_next_with_control_characters_is_ignored(app, target):
    from tests.support import PASSWORD, make_staff

    email = make_staff(app)
    client = app.test_client()
    assert client.get(f"/staff/sign-in?next={target}").status_code == 200
    done = client.post(f"/staff/sign-in?next={target}", data={"email": email, "password": PASSWORD})
    assert done.status_code == 302
    assert done.location.endswith("/staff/")
    assert not any("x=1" in c for c in done.headers.getlist("Set-Cookie"))
