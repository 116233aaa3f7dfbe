"""Bad input through every field of the residents' journey, on SQLite and PostgreSQL.

For every answer sent: no 500s; markup someone typed is shown as text, never as HTML
(the check-answers page escapes it); and the text reaches the database only as a bound
parameter, never spliced into SQL (a ``before_cursor_execute`` listener sees every
statement). Corpus: tests/data/naughty_strings.txt. Properties: hypothesis.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import event

from consult.db import engine
from consult.survey_store import current_version, definition_of
from tests.consult.helpers import RESIDENT_ANSWERS, complete
from tests.data.naughty import naughty_strings

TEXT_TYPES = {"short_text", "long_text"}
HTML_SPECIAL = re.compile(r"[<>&\"']")
# A script or handler someone typed, unescaped, would look like one of these.
ACTIVE_MARKUP = re.compile(
    r"<script>alert|<img[^<>]*onerror=|<svg[^<>]*onload=|<iframe[^<>]*javascript:", re.I
)


def _definition(app):
    from consult.db import get_db

    with app.app_context():
        return definition_of(current_version(get_db(), "residents"))


def _text_fields(defn):
    """(page id, question code, extra answers that make the question visible)."""
    for page in defn.pages:
        for q in page.questions:
            if q.type in TEXT_TYPES:
                extra = {"problems": ["asb", "other"]} if q.code == "problems_other" else {}
                yield page.id, q.code, extra


def _all_fields(defn):
    for page in defn.pages:
        for q in page.questions:
            yield page.id, q


class StatementLog:
    """Every SQL statement and its parameters, as sent to the driver."""

    def __init__(self):
        self.statements: list[str] = []
        self.parameters: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)
        self.parameters.append(repr(parameters))

    def assert_only_bound(self, marker: str) -> None:
        spliced = [s for s in self.statements if marker in s]
        assert not spliced, f"input reached SQL unparameterised: {spliced[:1]}"


@contextmanager
def statement_log(app):
    log = StatementLog()
    with app.app_context():
        eng = engine()
    event.listen(eng, "before_cursor_execute", log)
    try:
        yield log
    finally:
        event.remove(eng, "before_cursor_execute", log)


def _page_url(page_id: str) -> str:
    return f"/survey/residents/page/{page_id}?change=1"


def _assert_safe_html(html: str, sent: str) -> None:
    if HTML_SPECIAL.search(sent):
        # Shown back it must be escaped: apart from its escaped form, it is nowhere.
        assert sent not in html.replace(str(escape(sent)), ""), "typed text rendered unescaped"
    assert not ACTIVE_MARKUP.search(html)
    assert "Traceback" not in html


def _post_field(client, page_id, code, value, extra):
    data = {**RESIDENT_ANSWERS.get(page_id, {}), **extra, code: value}
    return client.post(_page_url(page_id), data=data)


def _check_response(response, sent: str) -> str:
    assert response.status_code < 500, (response.status_code, sent[:80])
    html = response.get_data(as_text=True)
    _assert_safe_html(html, sent)
    if response.status_code == 400:
        assert "not saved" in html or "not valid text" in html, html[:500]
    return html


# --- the corpus, through every free-text field ---------------------------------------------
def test_naughty_strings_through_every_text_field(app):
    client = app.test_client()
    complete(client)
    fields = list(_text_fields(_definition(app)))
    assert {code for _, code, _ in fields} >= {"postcode_district", "worry_text", "priority_text"}
    strings = naughty_strings()
    accepted = refused = 0
    with statement_log(app) as log:
        for i, naughty in enumerate(strings):
            marker = f"Nq{i:04d}"
            for page_id, code, extra in fields:
                # Every string goes through one of the long answers (taking turns) and, one
                # time in four, through the short text fields too.
                long_turn = ("worry_text", "priority_text")[i % 2]
                if code != long_turn and (code in ("worry_text", "priority_text") or i % 4):
                    continue
                sent = f"{marker} {naughty}"
                response = _post_field(client, page_id, code, sent, extra)
                _check_response(response, sent)
                if response.status_code == 302:
                    accepted += 1
                else:
                    refused += 1
            check = client.get("/survey/residents/check")
            if check.status_code == 302:  # a refused answer left a page to finish
                for page_id, code, extra in fields:
                    _post_field(client, page_id, code, "fine", extra)
                check = client.get("/survey/residents/check")
            assert check.status_code == 200
            html = check.get_data(as_text=True)
            _assert_safe_html(html, f"{marker} {naughty}")
            log.assert_only_bound(marker)
    assert accepted > len(strings)  # most are ordinary text and must be accepted
    assert refused > 0  # control characters, over-long answers


def test_markup_is_shown_as_text_on_check_answers(client):
    complete(client)
    payload = '<script>alert("x")</script><b>bold</b> & <img src=x onerror=alert(1)>'
    assert client.post(_page_url("worries"), data={"worry_text": payload}).status_code == 302
    html = client.get("/survey/residents/check").get_data(as_text=True)
    assert str(escape(payload)) in html
    assert payload not in html and "<b>bold</b>" not in html


def test_typed_text_is_kept_exactly(client):
    complete(client)
    text = "Café 😟 \u202eRTL\u202c zero\u200bwidth «quotes» 'apostrophe' \"double\""
    client.post(_page_url("worries"), data={"worry_text": text})
    html = client.get("/survey/residents/check").get_data(as_text=True)
    assert str(escape(text)) in html


# --- properties -----------------------------------------------------------------------------
# Any text a browser can send (no lone surrogates: they cannot be encoded as UTF-8).
any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=300
)
any_value = st.one_of(any_text, st.lists(any_text, max_size=4))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_values_in_any_field_never_break_a_page(app, data):
    client = app.test_client()
    complete(client)
    defn = _definition(app)
    page_id, question = data.draw(st.sampled_from(list(_all_fields(defn))), label="field")
    value = data.draw(any_value, label="value")
    extra = data.draw(
        st.dictionaries(st.sampled_from(["problems", "website_url", "change", "x"]), any_text, max_size=2),
        label="extra fields",
    )
    form = {**RESIDENT_ANSWERS.get(page_id, {}), **extra, question.code: value}
    with statement_log(app) as log:
        response = client.post(_page_url(page_id), data=form)
        html = response.get_data(as_text=True)
        assert response.status_code < 500
        sent = value if isinstance(value, str) else " ".join(value)
        for part in [value] if isinstance(value, str) else value:
            if len(part) >= 8:
                log.assert_only_bound(part)
        _assert_safe_html(html, sent if len(sent) > 2 else "")
        check = client.get("/survey/residents/check")
        assert check.status_code in (200, 302)
        _assert_safe_html(check.get_data(as_text=True), sent if len(sent) > 2 else "")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.binary(max_size=400), path=st.sampled_from(["area", "worries", "problems"]))
def test_arbitrary_bytes_as_a_form_body(client, body, path):
    client.post("/survey/residents/start")
    response = client.post(
        f"/survey/residents/page/{path}",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500


# --- encodings, sizes, methods --------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        b"worry_text=%FF%FE%FD",
        b"worry_text=caf%E9",  # Latin-1, not UTF-8
        b"worry_text=\xff\xfe",
        b"worry_text=ok&other=%C3%28",
        b"worry_text=%ED%A0%80",  # an encoded surrogate
        b"wor%FFry_text=ok",
    ],
)
def test_invalid_utf8_is_refused_with_a_message(client, body):
    complete(client)
    response = client.post(
        "/survey/residents/page/worries",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "We could not read what you sent" in html
    assert "Your earlier answers are saved" in html


def test_invalid_utf8_in_multipart_is_refused(client):
    complete(client)
    boundary = "XyZ"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"worry_text\"\r\n\r\n".encode()
        + b"\xff\xfe bad"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/survey/residents/page/worries",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    assert b"We could not read what you sent" in response.data


def test_a_sent_replacement_character_in_multipart_is_fine(client):
    complete(client)
    response = client.post(
        "/survey/residents/page/worries",
        data={"worry_text": "odd \ufffd character"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def test_invalid_utf8_in_the_query_string_is_refused(client):
    response = client.get("/survey/residents/?x=%FF")
    assert response.status_code == 400
    assert b"We could not read what you sent" in response.data


@pytest.mark.parametrize("text", ["null\x00byte", "bell\x07", "esc \x1b[31m", "c1 \x9b"])
def test_control_characters_are_refused_with_a_message(client, text):
    complete(client)
    response = client.post("/survey/residents/page/worries", data={"worry_text": text})
    assert response.status_code == 400
    assert b"characters that are not allowed" in response.data


def test_valid_utf8_of_every_width_is_accepted(client):
    complete(client)
    text = "a é € 𝄞 😀"  # 1, 2, 3 and 4 byte sequences
    response = client.post(
        "/survey/residents/page/worries",
        data=f"worry_text={text}".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302


@pytest.mark.parametrize("size", [70 * 1024, 2 * 1024 * 1024])
def test_oversize_bodies_are_refused(client, size):
    client.post("/survey/residents/start")
    response = client.post(
        "/survey/residents/page/worries", data={"worry_text": "x" * size}
    )
    assert response.status_code == 413
    assert b"What you sent is too large" in response.data


def test_submit_with_a_naughty_token_is_refused_politely(client):
    complete(client)
    for token in ["' OR '1'='1", "<script>alert(1)</script>", "x" * 5000, ""]:
        response = client.post("/survey/residents/submit", data={"submission_token": token})
        assert response.status_code in (400, 200)
        _assert_safe_html(response.get_data(as_text=True), token)


def test_naughty_urls_do_not_break_anything(client):
    for naughty in naughty_strings()[::7]:
        for path in (f"/survey/{naughty}/", f"/survey/residents/page/{naughty}"):
            response = client.get(path.replace("?", "%3F").replace("#", "%23"))
            assert response.status_code < 500, path
