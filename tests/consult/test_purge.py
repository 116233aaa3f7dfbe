"""`consult purge`: responses past their survey's retention period go, with everything
that refers to them; expired anonymous progress goes; it says what it deleted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from consult.cli import cli
from consult.db import get_db
from consult.models import AuditEvent, Progress, Response, utcnow
from consult.retention import purge
from tests.consult.helpers import complete, token_of


def _submit(app) -> int:
    client = app.test_client()
    check = complete(client)
    done = client.post("/survey/residents/submit", data={"submission_token": token_of(check.data)})
    assert done.status_code == 302
    with app.app_context():
        return get_db().scalar(select(func.max(Response.id)))


def _age(app, response_id: int, days: int) -> None:
    with app.app_context():
        db = get_db()
        db.execute(
            update(Response)
            .where(Response.id == response_id)
            .values(submitted_at=utcnow() - dt.timedelta(days=days))
        )
        db.commit()


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        db = get_db()
        return (
            db.scalar(select(func.count(Response.id))),
            db.scalar(select(func.count(Progress.id))),
        )


def _abandon(app, minutes_ago: int) -> None:
    """A survey started and left: its progress expired ``minutes_ago``."""
    client = app.test_client()
    client.post("/survey/residents/start")
    with app.app_context():
        db = get_db()
        newest = db.scalar(select(func.max(Progress.id)))
        db.execute(
            update(Progress)
            .where(Progress.id == newest)
            .values(expires_at=utcnow() - dt.timedelta(minutes=minutes_ago))
        )
        db.commit()


def test_purge_deletes_only_what_is_past_retention_and_says_so(app):
    # residents.yaml keeps responses 1095 days.
    old = _submit(app)
    recent = _submit(app)
    _age(app, old, 1100)
    _age(app, recent, 1000)
    _abandon(app, minutes_ago=5)
    app.test_client().post("/survey/residents/start")  # in progress, not expired
    assert _counts(app) == (2, 4)

    result = app.test_cli_runner().invoke(cli, ["purge"])

    assert result.exit_code == 0, result.output
    assert "residents version 1: 1 response(s) deleted (kept 1095 days" in result.output
    assert "Expired survey progress: 1 deleted" in result.output
    # the old response's own progress row went with it
    assert "with them, 1 row(s) of progress deleted" in result.output
    assert "Total: 1 response(s) deleted" in result.output
    with app.app_context():
        db = get_db()
        assert db.scalars(select(Response.id)).all() == [recent]
        assert db.scalar(select(func.count(Progress.id))) == 2
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "retention.purge")).one()
        assert event.details["responses"] == 1


def test_dry_run_deletes_nothing(app):
    old = _submit(app)
    _age(app, old, 2000)
    _abandon(app, minutes_ago=1)
    before = _counts(app)
    result = app.test_cli_runner().invoke(cli, ["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "residents version 1: 1 response(s) would be deleted" in result.output
    assert "Expired survey progress: 1 would be deleted" in result.output
    assert _counts(app) == before


def test_nothing_to_purge_is_said_plainly(app):
    _submit(app)
    result = app.test_cli_runner().invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "residents version 1: 0 response(s) deleted" in result.output
    assert "Total: 0 response(s) deleted" in result.output
    assert _counts(app)[0] == 1


def test_retention_comes_from_the_version_answered(app):
    old = _submit(app)
    _age(app, old, 40)
    with app.app_context():
        db = get_db()
        # 40 days old is inside 1095 days, but past 30.
        assert purge(db, dry_run=True).responses == 0
        assert purge(db, now=utcnow() + dt.timedelta(days=1060)).responses == 1
        db.commit()
    assert _counts(app)[0] == 0


def test_unreviewed_safeguarding_flag_holds_the_response_until_reviewed(app):
    from consult.safeguarding.models import SafeguardingFlag
    from tests.consult.test_safeguarding import flags, pupil_says
    from tests.consult.test_schools import staff_client

    pupil_says(app, staff_client(app))  # a disclosure: flagged, open
    [flag] = flags(app)
    later = utcnow() + dt.timedelta(days=5000)
    with app.app_context():
        db = get_db()
        report = purge(db, now=later)
        db.commit()
        assert report.responses == 0
        assert any("kept: held for an unreviewed safeguarding flag" in line for line in report.lines())
        assert db.get(Response, flag.response_id) is not None
        # once a lead has reviewed it, the next purge deletes it with its flag
        db.get(SafeguardingFlag, flag.id).status = "reviewed"
        db.commit()
        assert purge(db, now=later).responses == 1
        db.commit()
        assert db.get(Response, flag.response_id) is None
