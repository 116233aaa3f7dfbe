"""One helper for numbers with nouns (consult.templating.plural, also a Jinja global and
filter): pages and commands with one of something say "1 response", never "1 responses"."""

from __future__ import annotations

import re

from consult.templating import plural
from tests.consult.helpers import start
from tests.consult.safeguarding.test_safeguarding import BENIGN, DISCLOSURE, pupil_says
from tests.consult.schools.test_schools import complete_as_pupil, open_session, staff_client
from tests.support import make_staff, sign_in

NOUNS = "responses|pupils|answers|minutes|themes|sessions|people|times|more answers"
ONE_WITH_A_PLURAL = re.compile(rf"(?<![\d,.])1 ({NOUNS})\b")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _says_one(html: str, wanted: str) -> None:
    text = _text(html)
    assert wanted in text, text[:3000]
    assert not ONE_WITH_A_PLURAL.search(text), ONE_WITH_A_PLURAL.search(text)


def test_plural_in_python_and_in_templates(app):
    assert plural(1, "response") == "1 response"
    assert plural(0, "response") == "0 responses"
    assert plural(2, "theme") == "2 themes"
    assert plural(1, "person", "people") == "1 person"
    assert plural(1200, "person", "people") == "1,200 people"
    template = app.jinja_env.from_string(
        "{{ plural(1, 'response') }}; {{ 1 | plural('theme') }}; {{ 3 | plural('theme') }}"
    )
    assert template.render() == "1 response; 1 theme; 3 themes"


def test_pages_with_one_of_something_say_it_in_the_singular(app):
    teacher = staff_client(app)
    pupil_says(app, teacher, worry=DISCLOSURE, safer="")  # held back for review
    pupil_says(app, teacher, worry=BENIGN, safer="")
    admin = app.test_client()
    sign_in(admin, make_staff(app, "admin", school=None))

    _says_one(admin.get("/admin/surveys").data.decode(),
              "1 response held back for safeguarding review")
    _says_one(admin.get("/analysis/runs/new").data.decode(), "Staying safe survey, version 1 (1 response)")
    _says_one(admin.get("/analysis/surveys/schools/responses").data.decode(), "1 response")
    _says_one(admin.get("/safeguarding/").data.decode(), "of 1 pupil")

    # A session for one pupil: the projector, then one answer more than expected.
    classroom = open_session(app, teacher, expected="1")
    projector = f"/schools/sessions/{classroom.id}"
    _says_one(teacher.get(projector).data.decode(), "0 of 1 pupil has sent their answers")
    complete_as_pupil(app.test_client(), classroom.join_code)
    complete_as_pupil(app.test_client(), classroom.join_code)
    _says_one(teacher.get(projector).data.decode(), "1 more answer than the 1 pupil you expected")
    status = teacher.get(f"{projector}/status.json").json
    assert status["over_expected_text"] == "1 more answer than the 1 pupil you expected."


def test_the_timeout_warning_says_1_minute(make_app):
    app = make_app(PROGRESS_WARNING_MINUTES=1)
    client = app.test_client()
    page = client.get(start(client)).data.decode()
    _says_one(page, "clear your answers in 1 minute if you do nothing")


def test_commands_say_1_session(app, runner):
    from consult.cli import cli

    email = make_staff(app, "analyst", school=None)
    sign_in(app.test_client(), email)
    result = runner.invoke(cli, ["users", "disable", "--email", email])
    assert result.exit_code == 0, result.output
    assert "(1 session ended)" in result.output
