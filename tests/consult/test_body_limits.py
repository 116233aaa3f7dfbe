"""Issue 23, finding 3: nobody ties up a worker with a large form body.

Before: an anonymous POST of 10 MB of ``a=1&a=1...`` to /analysis/runs/new was parsed (10 s
of CPU) before sign-in and CSRF were checked."""

from __future__ import annotations

import pytest
from flask.wrappers import Request

from tests.consult.auth.test_auth import make_staff, sign_in

MANY_FIELDS = b"&".join([b"a=1"] * 2000)  # 8 KB, far more fields than any page sends


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """Paths whose form body was parsed."""
    seen: list[str] = []
    original = Request._load_form_data

    def spy(self):
        seen.append(self.path)
        return original(self)

    monkeypatch.setattr(Request, "_load_form_data", spy)
    return seen


@pytest.mark.parametrize("csrf", [False, True])
def test_a_staff_page_posted_to_anonymously_is_answered_without_reading_the_body(
    make_app, parsed, csrf
):
    app = make_app(WTF_CSRF_ENABLED=csrf)
    body = b"a=1&" * (2 * 1024 * 1024 // 4)  # 2 MB
    response = app.test_client().post(
        "/analysis/runs/new", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    assert "/staff/sign-in" in response.headers["Location"]
    assert parsed == []


def test_a_form_with_thousands_of_fields_is_refused_before_it_is_parsed(app, client, parsed):
    client.post("/survey/residents/start")
    response = client.post(
        "/survey/residents/page/worries", data=MANY_FIELDS,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert b"far more fields" in response.data
    assert "/survey/residents/page/worries" not in parsed


def test_signed_in_staff_get_the_staff_limit_and_uploads_the_upload_limit(app, client):
    sign_in(client, make_staff(app, "admin"))
    with app.app_context():
        staff_limit = app.config["STAFF_MAX_CONTENT_LENGTH"]
    too_many_fields = client.post(
        "/analysis/runs/new", data=MANY_FIELDS, content_type="application/x-www-form-urlencoded"
    )
    assert too_many_fields.status_code == 413
    # A large body on a page that takes no file is refused...
    big = {"worry": "x" * (staff_limit + 1)}
    assert client.post("/admin/surveys/1/import/abc", data=big).status_code == 413
    # ...while the upload page reads it and answers about the form (an error summary: no
    # survey was chosen), not about its size.
    upload = client.post("/analysis/runs/new", data=big)
    assert upload.status_code == 400
    assert b"There is a problem" in upload.data and b"too large" not in upload.data
