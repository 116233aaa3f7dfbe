"""Issue 23, finding 4: an analysis run's results are saved in short transactions, so on
SQLite other writers (a resident's submission, the job's heartbeat) get the database between
batches instead of waiting for the whole save; a save cut short leaves the run pending, and
running it again saves every answer once."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from consult.analysis import service
from consult.analysis.models import COMPLETE, PENDING, AnalysedAnswer, AnalysisRun
from consult.cli import cli
from consult.db import engine, get_db
from consult.jobs import FAILED, SUCCEEDED, Job, enqueue, rerun
from consult.models import Response, utcnow
from tests.consult.analysis.test_analysis_support import (
    ANALYSIS_CONFIG,
    add_response,
    analyst_client,
    resident,
    version_of,
)

N_RESPONSES = 1500  # two answers each: 3,000 answers, saved 400 at a time
BATCH = 400
WORRIES = ["Cars speeding on the main road", "Drug dealing near the shops",
           "The street lighting is broken", "Knife crime in town", "Never see a police patrol",
           "Kids vaping at the bus stop", "Litter everywhere"]


@pytest.fixture
def app(make_app):
    app = make_app(**ANALYSIS_CONFIG, ANALYSIS_SAVE_BATCH=BATCH)
    with app.app_context():
        db = get_db()
        for i in range(N_RESPONSES):
            add_response(db, resident(f"{WORRIES[i % 7]} ({i})", f"{WORRIES[(i + 3) % 7]} {i}"))
        db.commit()
    return app


def start_run(db) -> tuple[AnalysisRun, Job]:
    run = service.create_run(db, version_ids=[version_of(db).id],
                             question_codes=["worry_text", "priority_text"], user=None)
    db.commit()
    job = enqueue("analysis.run", {"run_id": run.id}, db=db)  # JOBS_SYNC: runs here
    return db.get(AnalysisRun, run.id), job


def on_answer_batch(fn):
    """Call ``fn`` when the job is about to write the run's answers, after any commit: at the
    start of each batch of answers (once, if they are all written in one transaction)."""
    committed = [False]

    def commit(conn):
        committed[0] = True

    def before(conn, cursor, statement, params, context, executemany):
        if committed[0] and statement.lstrip().upper().startswith("INSERT INTO ANALYSIS_ANSWER"):
            committed[0] = False
            fn()

    listeners = (("commit", commit), ("before_cursor_execute", before))
    for name, listener in listeners:
        event.listen(engine(), name, listener)
    return lambda: [event.remove(engine(), name, listener) for name, listener in listeners]


def answers_saved(db, run) -> tuple[int, int]:
    """(rows, distinct answers) saved for the run."""
    rows = db.scalar(select(func.count(AnalysedAnswer.id)).where(AnalysedAnswer.run_id == run.id))
    distinct = db.execute(select(AnalysedAnswer.response_id, AnalysedAnswer.question_code)
                          .where(AnalysedAnswer.run_id == run.id).distinct()).all()
    return rows, len(distinct)


def test_other_writers_get_the_database_between_batches_of_a_save(app, database_kind):
    if database_kind != "sqlite":
        pytest.skip("SQLite's single write lock")
    # Another process's connection, as impatient as a resident's request: 2 s busy timeout.
    other = create_engine(make_url(app.config["DATABASE_URL"]), connect_args={"timeout": 2})
    writes: list[str] = []
    errors: list[str] = []

    def submit_and_beat() -> None:
        if errors:
            return  # one "database is locked" is enough
        try:
            with Session(other) as s:
                add_response(s, resident(f"Submitted during the save {len(writes)}"))
                s.execute(update(Job).where(Job.kind == "analysis.run")
                          .values(heartbeat_at=utcnow()))
                s.commit()
            writes.append("ok")
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            errors.append(str(exc).splitlines()[0])

    with app.app_context():
        db = get_db()
        stop = on_answer_batch(submit_and_beat)
        try:
            run, job = start_run(db)
        finally:
            stop()
            other.dispose()
        assert errors == [], (len(writes), errors)
        assert len(writes) >= 2 * N_RESPONSES // BATCH  # a write between every two batches
        db.expire_all()
        assert db.get(Job, job.id).status == SUCCEEDED
        run = db.get(AnalysisRun, run.id)
        assert run.status == COMPLETE and run.n_answers == 2 * N_RESPONSES
        assert answers_saved(db, run) == (2 * N_RESPONSES, 2 * N_RESPONSES)
        # The residents who submitted during the save were stored.
        assert db.scalar(select(func.count(Response.id))) == N_RESPONSES + len(writes)


def test_a_save_cut_short_stays_pending_and_its_retry_saves_each_answer_once(app):
    with app.app_context():
        db = get_db()
        seen = []

        def fail_on_third_batch() -> None:
            seen.append(1)
            if len(seen) == 3:
                raise RuntimeError("the worker was stopped")

        stop = on_answer_batch(fail_on_third_batch)
        try:
            run, job = start_run(db)
        finally:
            stop()
        db.expire_all()
        assert db.get(Job, job.id).status == FAILED
        run = db.get(AnalysisRun, run.id)
        assert run.status == PENDING
        page = analyst_client(app).get(f"/analysis/runs/{run.id}").get_data(as_text=True)
        assert "Drug dealing" not in page  # no half-saved themes shown as the result

        again = rerun(job.id, db=db)
        db.expire_all()
        assert db.get(Job, again.id).status == SUCCEEDED
        run = db.get(AnalysisRun, run.id)
        assert run.status == COMPLETE and run.n_answers == 2 * N_RESPONSES
        assert answers_saved(db, run) == (2 * N_RESPONSES, 2 * N_RESPONSES)


def test_without_redis_an_analysis_can_wait_for_consult_worker(make_app):
    """``JOBS_IN_WORKER``: the web process only queues the run; ``consult worker`` runs it."""
    app = make_app(**{**ANALYSIS_CONFIG, "JOBS_SYNC": False}, JOBS_IN_WORKER=True)
    with app.app_context():
        db = get_db()
        for i in range(20):
            add_response(db, resident(f"{WORRIES[i % 7]} ({i})"))
        db.commit()
        run, job = start_run(db)
        assert db.get(Job, job.id).status == "queued" and run.status == PENDING

    result = app.test_cli_runner().invoke(cli, ["worker", "--burst"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        db = get_db()
        assert db.get(Job, job.id).status == SUCCEEDED
        run = db.get(AnalysisRun, run.id)
        assert run.status == COMPLETE and run.n_answers == 20
