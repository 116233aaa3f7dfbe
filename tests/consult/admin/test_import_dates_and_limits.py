"""The response import (issue 24, issue 23 finding 11): the mapping asks which column holds
the date each response was received (and says plainly when none does); one size limit,
stated the same on the page and in the README; a heading row of thousands of columns is
refused at once, saying the limit."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from pathlib import Path

from sqlalchemy import select

from consult.db import get_db
from consult.models import Response
from tests.consult.admin.test_import import (
    GOOD_ROWS,
    HEADERS,
    count,
    make_csv,
    start_import,
    upload,
    version_id,
)
from tests.consult.auth.test_auth import signed_in_as

README = Path(__file__).resolve().parents[3] / "README.md"
RECEIVED = ["2025-11-03", "04/11/2025 14:30", "2025-11-05T09:15:00"]


def _text(html: str) -> str:
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def test_the_mapping_offers_a_date_column_and_the_answers_keep_their_dates(app, client):
    signed_in_as(app, client, "analyst")
    rows = [[*row, when] for row, when in zip(GOOD_ROWS, RECEIVED, strict=True)]
    # A heading the import would not guess: it has to be chosen.
    content = make_csv(rows, headers=[*HEADERS, "Posted back on"])
    location, page, form = start_import(app, client, content)
    html = page.get_data(as_text=True)
    assert "Which column holds the date each response was received?" in html
    date_select = html[html.index('name="submitted_at"') : html.index("</select>", html.index(
        'name="submitted_at"'))]
    assert 'value="Posted back on"' in date_select
    # None chosen yet: the page says what that means.
    text = _text(html)
    assert "every response will be dated today, the day of the import, and the 1095 days" in text
    assert "counted from today" in text
    done = client.post(location, data={**form, "submitted_at": "Posted back on",
                                       "action": "import"})
    assert done.status_code == 302, _text(done.get_data(as_text=True))[-1500:]
    with app.app_context():
        stored = get_db().scalars(select(Response).order_by(Response.submission_key)).all()
        assert [r.submitted_at for r in stored] == [
            dt.datetime(2025, 11, 3), dt.datetime(2025, 11, 4, 14, 30),
            dt.datetime(2025, 11, 5, 9, 15),
        ]


def test_a_date_received_column_is_chosen_for_you_and_no_date_is_said_plainly(app, client):
    signed_in_as(app, client, "analyst")
    rows = [[*row, when] for row, when in zip(GOOD_ROWS, RECEIVED, strict=True)]
    _, page, _ = start_import(app, client, make_csv(rows, headers=[*HEADERS, "Date received"]))
    html = page.get_data(as_text=True)
    assert '<option value="Date received" selected' in html
    assert 'id="no-date-column"' not in html
    # Choosing "no date column" is said plainly before anything is imported.
    location, _, form = start_import(app, client, make_csv(GOOD_ROWS))
    checked = client.post(location, data={**form, "submitted_at": "", "action": "check"})
    text = _text(checked.get_data(as_text=True))
    assert "All 3 rows passed the checks" in text
    assert "No date column is chosen: every response will be dated today" in text
    assert "counted from today" in text


def test_one_import_size_limit_stated_the_same_on_the_page_and_in_the_readme(app, client):
    signed_in_as(app, client, "admin")
    page = _text(client.get(f"/admin/surveys/{version_id(app)}/import").get_data(as_text=True))
    shown = re.findall(r"smaller than (\d+) MB", page)
    configured = app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)
    assert shown == [str(configured)]
    readme = " ".join(README.read_text().split())
    stated = re.findall(r"`IMPORT_MAX_BYTES` \(default (\d+) MB", readme)
    assert stated == [str(configured)]
    assert "uploads 10 MB" not in readme
    app.config["IMPORT_MAX_BYTES"] = 2 * 1024 * 1024
    page = _text(client.get(f"/admin/surveys/{version_id(app)}/import").get_data(as_text=True))
    assert re.findall(r"smaller than (\d+) MB", page) == ["2"]


def test_a_file_with_thousands_of_columns_is_refused_saying_the_limit(app, client):
    signed_in_as(app, client, "analyst")
    headers = [f"column {i}" for i in range(10_000)]
    content = make_csv([["x"] * 10_000, ["y"] * 10_000], headers=headers)
    response = upload(client, version_id(app), content)
    text = _text(response.get_data(as_text=True))
    assert response.status_code == 200 and "There is a problem" in text
    assert "The selected file has 10,000 columns: an import can have at most 200" in text
    assert count(app) == 0
    # At the limit, the mapping page is shown.
    wide = [*HEADERS, *(f"extra {i}" for i in range(200 - len(HEADERS)))]
    rows = [[*row, *([""] * (200 - len(HEADERS)))] for row in GOOD_ROWS]
    _, page, _ = start_import(app, client, make_csv(rows, headers=wide))
    assert "Match columns to questions" in page.get_data(as_text=True)
