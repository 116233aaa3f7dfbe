"""Bad input at the pupils' door: the join code form and its ?code= link, and the staff
form that opens a session. No 500s, nothing rendered as markup, no SQL splicing."""

from __future__ import annotations

from tests.consult.journey.test_bad_input import _assert_safe_html, statement_log
from tests.data.naughty import naughty_strings


def test_naughty_join_codes(app):
    client = app.test_client()
    with statement_log(app) as log:
        for i, naughty in enumerate(naughty_strings()):
            if i % 3:
                continue
            marker = f"Jn{i:04d}"
            for response in (
                client.post("/join", data={"code": f"{marker}{naughty}"}),
                client.get("/join", query_string={"code": f"{marker}{naughty}"}),
            ):
                assert response.status_code < 500, (response.status_code, naughty[:60])
                _assert_safe_html(response.get_data(as_text=True), f"{marker}{naughty}")
            log.assert_only_bound(marker)


def test_naughty_session_form(app):
    from tests.consult.schools.test_schools import staff_client

    client = staff_client(app)
    page = client.get("/schools/sessions/new")
    assert page.status_code == 200
    names = {"school", "year_group", "expected_pupils", "end_time"}
    for i, naughty in enumerate(naughty_strings()):
        if i % 9:
            continue
        response = client.post(
            "/schools/sessions/new", data={name: naughty for name in names}
        )
        assert response.status_code < 500, (response.status_code, naughty[:60])
        _assert_safe_html(response.get_data(as_text=True), naughty if len(naughty) > 2 else "")
