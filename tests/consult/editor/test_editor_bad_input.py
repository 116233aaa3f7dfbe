"""Bad input in the survey editor: naughty strings as question wording, options and survey
details, and as a YAML file. No 500s, nothing rendered as markup (in the editor or in the
preview a respondent would see), no typed text spliced into SQL."""

from __future__ import annotations

import io

from tests.consult.editor.test_editor import stamp
from tests.consult.journey.test_bad_input import _assert_safe_html, statement_log
from tests.data.naughty import naughty_strings
from tests.support import signed_in_as


def _sample(step: int):
    return [(i, s) for i, s in enumerate(naughty_strings()) if i % step == 0]


def test_naughty_question_wording_and_options(app):
    client = app.test_client()
    signed_in_as(app, client, "analyst")
    draft_url = client.post("/admin/editor/surveys/residents/draft").location
    stored = 0
    with statement_log(app) as log:
        for i, naughty in _sample(12):
            marker = f"Ed{i:04d}"
            text = f"{marker}{naughty}"
            form = {
                "after": "problems",
                "type": "radio",
                "label": text,
                "hint": text,
                "short_label": text,
                "new-0-label": text,
                "new-1-label": f"{marker} second",
            }
            response = client.post(f"{draft_url}/questions/new", data=form)
            assert response.status_code < 500, (response.status_code, naughty[:60])
            if response.status_code != 302:  # refused, saying why (e.g. control characters)
                _assert_safe_html(response.get_data(as_text=True), text)
                continue
            overview = client.get(draft_url)
            assert overview.status_code == 200
            _assert_safe_html(overview.get_data(as_text=True), text)
            # The question as a respondent would see it, on a page of its own.
            code = response.location.split("#question-")[1]
            preview = client.get(f"{draft_url}/preview/page/{code}")
            assert preview.status_code == 200, overview.get_data(as_text=True)[:3000]
            _assert_safe_html(preview.get_data(as_text=True), text)
            log.assert_only_bound(marker)
            stored += 1
    assert stored >= len(_sample(12)) // 2, stored  # most were saved and shown, not refused


def test_naughty_survey_details(app):
    client = app.test_client()
    signed_in_as(app, client, "admin")
    draft_url = client.post("/admin/editor/surveys/residents/draft").location
    with statement_log(app) as log:
        for i, naughty in _sample(16):
            marker = f"Sd{i:04d}"
            text = f"{marker}{naughty}"
            data = {
                "title": text,
                "audience": "public",
                "intro": text,
                "privacy_notice": text,
                "opens-day": naughty[:10],
                "opens-month": "1",
                "opens-year": "2027",
                "closes-day": "1",
                "closes-month": "1",
                "closes-year": "2028",
                "retention_days": naughty[:10],
                "stamp": stamp(client, f"{draft_url}/settings"),
            }
            response = client.post(f"{draft_url}/settings", data=data)
            assert response.status_code < 500, (response.status_code, naughty[:60])
            _assert_safe_html(response.get_data(as_text=True), text)
            log.assert_only_bound(marker)


def test_naughty_yaml_files(app):
    client = app.test_client()
    signed_in_as(app, client, "admin")
    for i, naughty in _sample(10):
        content = f"id: x{i}\ntitle: {naughty}\n{naughty}: 1\n".encode()
        response = client.post(
            "/admin/editor/import",
            data={"file": (io.BytesIO(content), f"{naughty[:40]}.yaml")},
            content_type="multipart/form-data",
        )
        assert response.status_code < 500, (response.status_code, naughty[:60])
        _assert_safe_html(response.get_data(as_text=True), naughty)
