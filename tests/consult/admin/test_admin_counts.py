"""One rule, one count: a pupil's answer held back for safeguarding review is counted nowhere
(/admin/surveys agrees with /analysis/), and /admin/surveys says in words what is held back."""

from __future__ import annotations

import re

from tests.consult.safeguarding.test_safeguarding import BENIGN, DISCLOSURE, pupil_says
from tests.consult.schools.test_schools import staff_client
from tests.support import make_staff, sign_in


def _admin_row(html: str, title: str) -> str:
    """The first version row of the survey called ``title`` on /admin/surveys."""
    table = html[html.index(title):]
    return re.search(r'<tr class="govuk-table__row" id="version-\d+">(.*?)</tr>', table, re.S)[1]


def _analysis_count(html: str, title: str) -> int:
    row = re.search(rf"<td class=\"govuk-table__cell\">{title}</td>(.*?)</tr>", html, re.S)[1]
    return int(re.findall(r"govuk-table__cell--numeric\">(\d+)<", row)[0])


def test_the_held_back_pupil_answer_is_counted_nowhere_and_said_in_words(app):
    teacher = staff_client(app)
    pupil_says(app, teacher, worry=DISCLOSURE, safer="")  # held back for review
    pupil_says(app, teacher, worry=BENIGN, safer="")
    admin = app.test_client()
    sign_in(admin, make_staff(app, "admin", school=None))

    surveys = admin.get("/admin/surveys").data.decode()
    row = _admin_row(surveys, "Staying safe survey")
    assert 'data-count="1"' in row
    text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    assert "1 response held back for safeguarding review" in text
    assert _analysis_count(admin.get("/analysis/").data.decode(), "Staying safe survey") == 1
    # Nothing held back: nothing said.
    residents = _admin_row(surveys, "Community safety survey")
    assert "held back" not in residents
