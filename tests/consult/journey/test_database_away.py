"""The database going away mid-survey: the respondent sees a clear "try again" page, their
saved answers survive, and the submission succeeds once the database is back."""

from __future__ import annotations

from sqlalchemy import func, select

from consult.db import get_db, make_engine
from consult.models import Response
from tests.consult.helpers import complete, token_of

# Nothing listens on port 1: connecting fails at once, as when the server is down.
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"


def test_database_outage_mid_survey_loses_nothing(app, client):
    check = complete(client)
    token = token_of(check.data)
    real = app.extensions["consult.engine"]
    app.extensions["consult.engine"] = make_engine(UNREACHABLE)
    try:
        down = client.post("/survey/residents/submit", data={"submission_token": token})
        assert down.status_code == 503
        assert b"could not save that just now" in down.data
        assert b"answers so far are safe" in down.data
        assert b"Traceback" not in down.data
        page = client.get("/survey/residents/page/worries")
        assert page.status_code == 503
    finally:
        app.extensions["consult.engine"].dispose()
        app.extensions["consult.engine"] = real
    # back again: the answers saved before the outage are still there, and submit works
    again = client.get("/survey/residents/check")
    assert b"Speed cameras and more police on foot." in again.data
    done = client.post("/survey/residents/submit", data={"submission_token": token_of(again.data)})
    assert done.status_code == 302
    with app.app_context():
        assert get_db().scalar(select(func.count(Response.id))) == 1
