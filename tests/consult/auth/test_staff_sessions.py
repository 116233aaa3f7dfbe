"""Server-side staff sessions: sign-out, account changes and the absolute lifetime end
them; background polling is not activity. Issue 13's failures, reproduced."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from consult.auth.models import StaffSession
from consult.db import get_db
from tests.support import make_staff, sign_in

POLL = {"Accept": "application/json", "Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors"}


def signed_in(app, role="analyst", email=None, **kw):
    email = make_staff(app, role, email=email, **kw)
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client, email


def the_session(app) -> StaffSession:
    with app.app_context():
        return get_db().scalars(select(StaffSession).order_by(StaffSession.id.desc())).first()


def shift_session(app, **deltas):
    """Move a session's clocks into the past, as if time had passed."""
    with app.app_context():
        db = get_db()
        row = db.scalars(select(StaffSession).order_by(StaffSession.id.desc())).first()
        for column, delta in deltas.items():
            setattr(row, column, getattr(row, column) - delta)
        db.commit()


def test_a_signed_out_cookie_replayed_is_refused(app):
    client, _ = signed_in(app)
    cookie = client.get_cookie("session").value
    assert client.get("/admin/surveys").status_code == 200
    client.post("/staff/sign-out")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/admin/surveys")
    assert response.status_code == 302 and "/staff/sign-in" in response.location
    assert the_session(app).end_reason == "sign_out"


def test_absolute_lifetime_ends_even_a_busy_session(app):
    app.config["STAFF_SESSION_HOURS"] = 10
    client, _ = signed_in(app)
    # Nine hours and fifty-nine minutes in, busy all along: still signed in.
    shift_session(app, created_at=dt.timedelta(hours=9, minutes=59),
                  expires_at=dt.timedelta(hours=9, minutes=59))
    assert client.get("/admin/surveys").status_code == 200
    shift_session(app, expires_at=dt.timedelta(minutes=2))
    assert client.get("/admin/surveys").status_code == 302


def test_idle_sign_out(app):
    client, _ = signed_in(app)
    shift_session(app, last_seen_at=dt.timedelta(minutes=61))
    assert client.get("/admin/surveys").status_code == 302


def test_background_polling_is_not_activity(app):
    client, _ = signed_in(app, "safeguarding_lead")
    shift_session(app, last_seen_at=dt.timedelta(minutes=50))
    before = the_session(app).last_seen_at
    # The queue's 15-second poll, for the rest of the hour: it is answered...
    poll = client.get("/safeguarding/counts.json", headers=POLL)
    assert poll.status_code == 200 and poll.is_json
    # ...but does not count as the person being there.
    assert the_session(app).last_seen_at == before
    shift_session(app, last_seen_at=dt.timedelta(minutes=11))
    assert client.get("/safeguarding/counts.json", headers=POLL).status_code in (302, 401, 403)
    assert client.get("/safeguarding/").status_code == 302


def test_a_page_the_person_opens_is_activity(app):
    client, _ = signed_in(app, "safeguarding_lead")
    shift_session(app, last_seen_at=dt.timedelta(minutes=50))
    assert client.get("/safeguarding/").status_code == 200
    seen = the_session(app).last_seen_at
    assert dt.datetime.now(dt.UTC).replace(tzinfo=None) - seen < dt.timedelta(minutes=1)


def test_sessions_are_server_side_and_keep_no_password(app):
    client, email = signed_in(app)
    with client.session_transaction() as cookie:
        token = cookie["staff_session"]
    row = the_session(app)
    assert row.token_hash != token and len(row.token_hash) == 64
    assert row.expires_at - row.created_at == dt.timedelta(hours=10)
