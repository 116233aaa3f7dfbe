"""Background jobs: synchronous and in-process runs, failures, dead workers, re-runs and the
progress endpoint the pages poll."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from consult.db import get_db
from consult.jobs import FAILED, RUNNING, SUCCEEDED, Job, JobError, enqueue, get_job, handler
from consult.jobs.queue import (
    STOPPED_BEFORE_START,
    STOPPED_WHILE_RUNNING,
    UnknownJobKind,
    reap_stale,
    rerun,
    wait_for,
)
from consult.models import AuditEvent, utcnow
from tests.support import signed_in_as


@handler("test.explode")
def _explode(ctx, payload):
    # Writes something first: it must not survive the failure.
    ctx.db.add(AuditEvent(action="half_written", target="job"))
    ctx.db.flush()
    ctx.progress(0.5, "Half way")
    if payload.get("friendly"):
        raise JobError("There were no answers to analyse. Choose another question.")
    raise ValueError("the numbers did not add up")


@handler("test.write")
def _write(ctx, payload):
    ctx.progress(0.2, "Writing")
    ctx.db.add(AuditEvent(action="job_result", target=str(payload.get("n", 0))))
    return {"written": True}


@handler("test.reaped_midway")
def _reaped_midway(ctx, payload):
    # While the work goes on, another process decides this job is dead and marks it failed.
    with ctx.engine.begin() as conn:
        conn.execute(
            update(Job).where(Job.id == ctx.job_id).values(status=FAILED, message="taken for dead")
        )
    ctx.db.add(AuditEvent(action="late_result", target="job"))
    return {"late": True}


def test_sync_job_runs_to_the_end_and_stores_its_result(make_app):
    app = make_app(JOBS_SYNC=True)
    with app.app_context():
        job = enqueue("jobs.ping", {"steps": 3})
        assert job.backend == "sync"
        assert job.status == SUCCEEDED
        assert job.progress == 1.0
        assert job.result == {"pong": True, "steps": 3}
        assert job.started_at and job.finished_at and job.attempt == 1


def test_results_are_committed_with_the_success(make_app):
    app = make_app(JOBS_SYNC=True)
    with app.app_context():
        job = enqueue("test.write", {"n": 7})
        assert job.status == SUCCEEDED
        db = get_db()
        assert db.scalar(select(AuditEvent.target).where(AuditEvent.action == "job_result")) == "7"


def test_failure_is_recorded_with_a_message_and_nothing_half_written(make_app):
    app = make_app(JOBS_SYNC=True)
    with app.app_context():
        job = enqueue("test.explode")
        assert job.status == FAILED
        assert "ValueError: the numbers did not add up" in job.message
        assert "Run it again" in job.message
        assert "Traceback" in job.error_detail
        assert job.finished_at is not None
        db = get_db()
        assert db.scalar(select(AuditEvent).where(AuditEvent.action == "half_written")) is None


def test_a_job_error_is_shown_as_written(make_app):
    app = make_app(JOBS_SYNC=True)
    with app.app_context():
        job = enqueue("test.explode", {"friendly": True})
        assert job.status == FAILED
        assert job.message == "There were no answers to analyse. Choose another question."


def test_unknown_kind_is_refused_before_anything_is_stored(make_app):
    app = make_app(JOBS_SYNC=True)
    with app.app_context():
        with pytest.raises(UnknownJobKind):
            enqueue("no.such.kind")
        assert get_db().scalar(select(Job)) is None


def test_results_of_a_job_marked_failed_meanwhile_are_dropped(make_app):
    app = make_app(JOBS_SYNC=True)
    with app.app_context():
        job = enqueue("test.reaped_midway")
        assert job.status == FAILED
        assert job.message == "taken for dead"
        assert get_db().scalar(select(AuditEvent).where(AuditEvent.action == "late_result")) is None


def test_in_process_thread_runs_the_job_in_the_background(make_app):
    app = make_app()  # no JOBS_SYNC, no REDIS_URL: the embedded default
    with app.app_context():
        job = enqueue("jobs.ping", {"steps": 4, "seconds": 0.2})
        assert job.backend == "thread"
        assert job.status in ("queued", "running", "succeeded")
        done = wait_for(job.id, timeout=30)
        assert done.status == SUCCEEDED
        assert done.result["pong"] is True


def test_stale_heartbeat_marks_a_running_job_failed(make_app):
    app = make_app(JOB_STALE_SECONDS=30)
    with app.app_context():
        db = get_db()
        old = utcnow() - dt.timedelta(minutes=5)
        dead = Job(kind="jobs.ping", payload={}, status=RUNNING, backend="rq", attempt=1,
                   progress=0.4, stage="Clustering", created_at=old, started_at=old,
                   heartbeat_at=old)
        alive = Job(kind="jobs.ping", payload={}, status=RUNNING, backend="rq", attempt=1,
                    created_at=old, started_at=old, heartbeat_at=utcnow())
        lost = Job(kind="jobs.ping", payload={}, status="queued", backend="thread",
                   created_at=old, heartbeat_at=old)
        waiting_on_rq = Job(kind="jobs.ping", payload={}, status="queued", backend="rq",
                            created_at=old, heartbeat_at=old)
        db.add_all([dead, alive, lost, waiting_on_rq])
        db.commit()

        assert reap_stale() == 2
        assert get_job(dead.id).status == FAILED
        assert get_job(dead.id).message == STOPPED_WHILE_RUNNING
        assert get_job(lost.id).message == STOPPED_BEFORE_START
        assert get_job(alive.id).status == RUNNING
        # A job waiting in Redis for a worker is still there to be picked up.
        assert get_job(waiting_on_rq.id).status == "queued"


def test_a_failed_job_can_be_run_again(make_app):
    app = make_app(JOBS_SYNC=True)
    with app.app_context():
        failed = enqueue("jobs.ping", {"fail": True, "message": "Not today"})
        assert failed.status == FAILED and failed.message == "Not today"
        get_db().execute(update(Job).where(Job.id == failed.id).values(payload={"steps": 2}))
        get_db().commit()
        again = rerun(failed.id)
        assert again.id != failed.id
        assert again.rerun_of_id == failed.id
        assert again.status == SUCCEEDED


def test_progress_endpoint_reports_state_and_marks_dead_jobs(make_app):
    app = make_app(JOBS_SYNC=True, JOB_STALE_SECONDS=30)
    client = app.test_client()
    with app.app_context():
        done = enqueue("jobs.ping")
        db = get_db()
        old = utcnow() - dt.timedelta(minutes=10)
        dead = Job(kind="jobs.ping", payload={}, status=RUNNING, backend="rq", attempt=1,
                   progress=0.3, created_at=old, started_at=old, heartbeat_at=old)
        db.add(dead)
        db.commit()
        done_id, dead_id = done.id, dead.id

    # Signed out: sent to sign in, nothing disclosed.
    response = client.get(f"/jobs/{done_id}")
    assert response.status_code == 302
    assert "/staff/sign-in" in response.location

    signed_in_as(app, client)
    data = client.get(f"/jobs/{done_id}").get_json()
    assert data["status"] == "succeeded" and data["done"] is True and data["percent"] == 100

    data = client.get(f"/jobs/{dead_id}").get_json()
    assert data["status"] == "failed"
    assert data["message"] == STOPPED_WHILE_RUNNING
    assert client.get("/jobs/999999").status_code == 404


def test_progress_endpoint_is_for_analysts_and_admins(make_app):
    app = make_app(JOBS_SYNC=True)
    client = app.test_client()
    with app.app_context():
        job_id = enqueue("jobs.ping").id
    signed_in_as(app, client, "school_staff")
    assert client.get(f"/jobs/{job_id}").status_code == 403


def test_cli_ping_and_list(make_app):
    import click

    from consult.jobs.cli import register

    app = make_app(JOBS_SYNC=True)

    @click.group()
    def cli():
        pass

    register(cli)
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["jobs", "ping", "--seconds", "0"])
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output
    result = runner.invoke(cli, ["jobs", "list"])
    assert "jobs.ping" in result.output and "succeeded" in result.output
    result = runner.invoke(cli, ["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
