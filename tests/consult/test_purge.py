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
    assert "residents version 1: 1 response deleted (kept 1,095 days" in result.output
    assert "Expired survey progress: 1 deleted" in result.output
    # the old response's own progress row went with it
    assert "with them, 1 row of progress deleted" in result.output
    assert "Total: 1 response deleted" in result.output
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
    assert "residents version 1: 1 response would be deleted" in result.output
    assert "Expired survey progress: 1 would be deleted" in result.output
    assert _counts(app) == before


def test_nothing_to_purge_is_said_plainly(app):
    _submit(app)
    result = app.test_cli_runner().invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "residents version 1: 0 responses deleted" in result.output
    assert "Total: 0 responses deleted" in result.output
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
    from tests.consult.safeguarding.test_safeguarding import flags, pupil_says
    from tests.consult.schools.test_schools import staff_client

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


# --- issue 13: what purge got wrong ---------------------------------------------------------
def test_dry_run_predicts_exactly_what_a_real_run_deletes(app):
    from tests.consult.safeguarding.test_safeguarding import pupil_says
    from tests.consult.schools.test_schools import staff_client

    for days in (1100, 1200, 1300):
        _age(app, _submit(app), days)
    _abandon(app, minutes_ago=5)
    pupil_says(app, staff_client(app))  # a flagged pupil answer (held: not due anyway)
    later = utcnow() + dt.timedelta(days=1)
    with app.app_context():
        db = get_db()
        predicted = purge(db, now=later, dry_run=True)
        assert _counts(app) == (4, 5)  # nothing went
        done = purge(db, now=later)
        db.commit()
    assert predicted.responses == done.responses == 3
    assert predicted.dependents == done.dependents
    assert predicted.expired_progress == done.expired_progress > 0
    assert [v.responses for v in predicted.versions] == [v.responses for v in done.versions]


def _approved_quote(app, response_id: int, text: str) -> int:
    from consult.analysis.models import AnalysedAnswer, AnalysisRun, Quote, Theme, ThemeEvent

    with app.app_context():
        db = get_db()
        run = AnalysisRun(survey_id="residents")
        db.add(run)
        db.flush()
        theme = Theme(run_id=run.id, label="Speeding")
        db.add(theme)
        db.flush()
        answer = AnalysedAnswer(run_id=run.id, response_id=response_id,
                                question_code="worry_text", redacted_text=text)
        db.add(answer)
        db.flush()
        quote = Quote(run_id=run.id, theme_id=theme.id, answer_id=answer.id,
                      response_id=response_id, question_code="worry_text", redacted_text=text,
                      redacted=True, approved_at=utcnow())
        db.add(quote)
        db.flush()
        db.add(ThemeEvent(run_id=run.id, theme_id=theme.id, action="approve_quote",
                          details={"quote": quote.id, "text": text}, summary="Approved"))
        db.add(ThemeEvent(run_id=run.id, theme_id=theme.id, action="rename",
                          details={"from": "Cars", "to": "Speeding"}, summary="Renamed"))
        db.commit()
        return run.id


def test_purge_scrubs_approved_quote_text_from_the_theme_history(app):
    from consult.analysis.models import ThemeEvent

    old = _submit(app)
    _age(app, old, 1100)
    words = "Cars race past [NAME]'s house on Elm Road every night"
    _approved_quote(app, old, words)
    result = app.test_cli_runner().invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "1 theme history event had quoted text removed" in result.output
    with app.app_context():
        events = get_db().scalars(select(ThemeEvent).order_by(ThemeEvent.id)).all()
        everything = str([(e.details, e.summary) for e in events])
        assert words not in everything and "Elm Road" not in everything
        assert events[0].action == "approve_quote" and "removed" in events[0].details["text"]
        assert events[1].details == {"from": "Cars", "to": "Speeding"}  # no personal text


def test_safeguarding_retention_runs_until_the_youngest_pupil_is_25():
    from consult.safeguarding.purge_rules import safeguarding_keep_until

    # Year 8 in December 2026: born Sept 2013 - Aug 2014; the youngest is 25 on 31 Aug 2039.
    assert safeguarding_keep_until(dt.datetime(2026, 12, 2), "year_8").date() == dt.date(2039, 8, 31)
    # In June the school year began the September before.
    assert safeguarding_keep_until(dt.datetime(2027, 6, 1), "year_8").date() == dt.date(2039, 8, 31)
    assert safeguarding_keep_until(dt.datetime(2026, 12, 2), "year_13").date() == dt.date(2034, 8, 31)
    # Mixed or unknown years: as young as a reception child.
    assert safeguarding_keep_until(dt.datetime(2026, 12, 2), "mixed").date() == dt.date(2047, 8, 31)


def test_reviewed_safeguarding_records_outlive_the_survey_retention(app):
    from consult.safeguarding.models import SafeguardingAction, SafeguardingFlag
    from consult.safeguarding.purge_rules import safeguarding_keep_until
    from consult.schools.models import ClassroomSession
    from tests.consult.safeguarding.test_safeguarding import flags, pupil_says
    from tests.consult.schools.test_schools import staff_client

    pupil_says(app, staff_client(app))
    [flag] = flags(app)
    with app.app_context():
        db = get_db()
        row = db.get(SafeguardingFlag, flag.id)
        row.status, row.outcome = "reviewed", "referred"
        db.add(SafeguardingAction(flag_id=flag.id, action="noted", note="Rang the DSL at 3pm"))
        year = db.get(ClassroomSession, row.classroom_session_id).year_group
        until = safeguarding_keep_until(row.created_at, year)
        db.commit()
        # Long past the survey's own retention, but the pupil is not yet 25: all kept.
        report = purge(db, now=until - dt.timedelta(days=1))
        db.commit()
        assert report.responses == 0 and report.safeguarding_kept == 1
        assert any("kept with their safeguarding records" in line for line in report.lines())
        assert db.scalar(select(func.count(SafeguardingFlag.id))) == 1
        assert db.scalar(select(func.count(SafeguardingAction.id))) >= 1
        report = purge(db, now=until + dt.timedelta(days=1))
        db.commit()
        assert report.responses == 1
        assert db.scalar(select(func.count(SafeguardingFlag.id))) == 0
        assert db.scalar(select(func.count(SafeguardingAction.id))) == 0


def test_safeguarding_retention_can_be_a_fixed_period(app):
    from consult.safeguarding.models import SafeguardingFlag
    from tests.consult.safeguarding.test_safeguarding import flags, pupil_says
    from tests.consult.schools.test_schools import staff_client

    app.config["SAFEGUARDING_RETENTION_DAYS"] = 3650
    pupil_says(app, staff_client(app))
    [flag] = flags(app)
    with app.app_context():
        db = get_db()
        db.get(SafeguardingFlag, flag.id).status = "reviewed"
        db.commit()
        assert purge(db, now=utcnow() + dt.timedelta(days=3640)).responses == 0
        assert purge(db, now=utcnow() + dt.timedelta(days=3660)).responses == 1


def test_imported_responses_keep_their_original_submission_date(app, tmp_path):
    from tests.consult.admin.test_import import GOOD_ROWS, HEADERS, make_csv, responses_cli

    long_ago = (utcnow() - dt.timedelta(days=1100)).strftime("%d/%m/%Y")
    recent = (utcnow() - dt.timedelta(days=30)).strftime("%Y-%m-%d")
    rows = [[*r, d] for r, d in zip(GOOD_ROWS, [long_ago, recent, long_ago], strict=True)]
    data = tmp_path / "paper.csv"
    data.write_bytes(make_csv(rows, headers=[*HEADERS, "Date received"]))
    runner = app.test_cli_runner()
    result = runner.invoke(responses_cli(), ["responses", "import", "--survey", "residents",
                                             str(data)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        dates = sorted(get_db().scalars(select(Response.submitted_at)).all())
        assert (utcnow() - dates[0]).days in (1100, 1101)
        db = get_db()
        report = purge(db)
        db.commit()
    assert report.responses == 2  # the two collected three years ago, not restarted today
    assert _counts(app)[0] == 1


def test_an_import_with_a_bad_date_stores_nothing(app, tmp_path):
    from tests.consult.admin.test_import import GOOD_ROWS, HEADERS, make_csv, responses_cli

    rows = [[*r, d] for r, d in zip(GOOD_ROWS, ["2024-03-01", "31/02/2024", "2099-01-01"],
                                    strict=True)]
    data = tmp_path / "paper.csv"
    data.write_bytes(make_csv(rows, headers=[*HEADERS, "Date received"]))
    result = app.test_cli_runner().invoke(
        responses_cli(), ["responses", "import", "--survey", "residents", str(data)])
    assert result.exit_code != 0
    assert "row 3: Date received: Enter the date this response was submitted" in result.output
    assert "‘31/02/2024’" in result.output
    assert "row 4: Date received: The date this response was submitted is in the future" in (
        result.output)
    assert _counts(app)[0] == 0


def test_purge_leaves_no_copy_of_a_deleted_answer_in_the_instance_folder(app):
    """Issue 23, finding 6: purge left redacted texts in the embedding cache, vectors in
    coder-cache/*.npz and raw uploads in instance/imports/. Every copy goes; a dry run
    removes nothing and says how many files would go."""
    import os
    import time
    from pathlib import Path

    import numpy as np

    from consult.admin.staging import Staging
    from nlp.embeddings import EmbeddingCache

    words = "the man at flat 4 deals from his van every night"
    response_id = _submit(app)
    with app.app_context():
        db = get_db()
        found = db.get(Response, response_id)
        found.answers = {**found.answers, "worry_text": words}
        db.commit()
        instance = Path(app.instance_path)
        embedding_cache = EmbeddingCache(app.config["ANALYSIS_EMBEDDING_CACHE"])
        embedding_cache.put_texts({"k1": words})
        embedding_cache.put_many({"k1": np.ones(4, dtype=np.float32)})
        coder = Path(app.config["ANALYSIS_CODER_CACHE"])
        coder.mkdir(parents=True, exist_ok=True)
        np.savez(coder / "run-1.npz", vectors=np.ones((1, 4)))
        staging = Staging(instance / "imports")
        staging.save("0" * 32, f"worry\n{words}\n".encode(), {"rows": 1})
        day_ago = time.time() - 2 * 86400
        for path in (instance / "imports").iterdir():
            os.utime(path, (day_ago, day_ago))
    _age(app, response_id, 3000)

    def files_holding_the_words() -> list[str]:
        return [str(p.relative_to(instance)) for p in instance.rglob("*")
                if p.is_file() and words.encode() in p.read_bytes()]

    assert files_holding_the_words()
    with app.app_context():
        dry = purge(get_db(), dry_run=True)
    assert dry.files_removed >= 4 and files_holding_the_words()
    assert any("cached or staged file" in line for line in dry.lines())
    result = app.test_cli_runner().invoke(cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "1 response deleted" in result.output and "cached or staged file" in result.output
    assert files_holding_the_words() == []
    assert not list(coder.glob("*.npz"))
    if app.config["DATABASE_URL"].startswith("sqlite:///"):  # nor in the database's file
        database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
        for path in database.parent.glob(database.name + "*"):
            assert words.encode() not in path.read_bytes(), path.name
