"""Enqueueing jobs and reading their state.

Where a job runs:

* ``JOBS_SYNC = True``   at once, in the caller's thread (tests, scripts)
* ``REDIS_URL`` set      on RQ: ``consult worker`` processes, on this machine or others
* ``JOBS_IN_WORKER``     queued in the database, run by ``consult worker`` (no Redis)
* otherwise              in a background thread of this process (the embedded default)
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from consult.db import engine, get_db
from consult.jobs.models import FAILED, QUEUED, RUNNING, Job
from consult.jobs.registry import get_handler
from consult.jobs.runner import DATABASE, mark_failed, pool, run_job, setting
from consult.models import utcnow

log = logging.getLogger(__name__)

STOPPED_WHILE_RUNNING = "The worker stopped while running this job; run it again."
STOPPED_BEFORE_START = "The app restarted before this job could start; run it again."
QUEUE_UNAVAILABLE = (
    "The job queue is not available (Redis did not answer), so this job could not start. "
    "Try again in a few minutes; if it keeps happening, tell your system administrator."
)


class UnknownJobKind(ValueError):
    """No handler is registered for this kind of job."""


def backend_for(app: Flask) -> str:
    if setting(app, "JOBS_SYNC"):
        return "sync"
    if app.config.get("REDIS_URL"):
        return "rq"
    if setting(app, "JOBS_IN_WORKER"):
        return DATABASE
    return "thread"


def enqueue(
    kind: str,
    payload: dict | None = None,
    *,
    db: Session | None = None,
    user_id: int | None = None,
    rerun_of: int | None = None,
) -> Job:
    """Store a job and send it to be run. Commits ``db`` (the job must be visible to the
    worker before it is sent). Returns the job, refreshed after a synchronous run."""
    app = current_app._get_current_object()
    if get_handler(kind, tuple(setting(app, "JOB_HANDLER_MODULES"))) is None:
        raise UnknownJobKind(f"no handler is registered for jobs of kind {kind!r}")
    db = db if db is not None else get_db()
    backend = backend_for(app)
    now = utcnow()
    job = Job(
        kind=kind,
        payload=dict(payload or {}),
        status=QUEUED,
        backend=backend,
        progress=0.0,
        stage="Waiting to start",
        message="",
        created_by_id=user_id,
        rerun_of_id=rerun_of,
        created_at=now,
        heartbeat_at=now,
    )
    db.add(job)
    db.commit()
    dispatch(app, job)
    db.refresh(job)
    return job


def dispatch(app: Flask, job: Job) -> None:
    backend = job.backend
    if backend == "sync":
        run_job(app, job.id)
    elif backend == "rq":
        try:
            _rq_queue(app).enqueue_call(
                "consult.jobs.worker.perform",
                args=(job.id,),
                job_id=f"consult-job-{job.id}",
                timeout=int(setting(app, "JOB_TIMEOUT_SECONDS")),
                result_ttl=24 * 3600,
                failure_ttl=7 * 24 * 3600,
                description=f"{job.kind} (job {job.id})",
            )
        except Exception as exc:  # redis away: say so on the job, never lose it silently
            log.warning("could not enqueue job %s on RQ: %s", job.id, exc)
            mark_failed(engine(), job.id, None, QUEUE_UNAVAILABLE, repr(exc))
    elif backend != DATABASE:  # the database's jobs wait for ``consult worker``
        pool.submit(app, job.id, engine())


def _rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5)
    return Queue(setting(app, "JOB_QUEUE_NAME"), connection=connection)


def rerun(job_id: int, *, db: Session | None = None, user_id: int | None = None) -> Job:
    """Run a finished (usually failed) job again as a new job with the same payload."""
    db = db if db is not None else get_db()
    old = db.get(Job, job_id)
    if old is None:
        raise LookupError(f"no job {job_id}")
    return enqueue(old.kind, dict(old.payload or {}), db=db, user_id=user_id, rerun_of=old.id)


def reap_stale(db: Session | None = None, *, now: dt.datetime | None = None) -> int:
    """Mark failed every job whose worker has stopped: running (or queued in-process) with
    a heartbeat older than ``JOB_STALE_SECONDS``. Returns how many were marked."""
    db = db if db is not None else get_db()
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=float(setting(current_app, "JOB_STALE_SECONDS")))
    beat = func.coalesce(Job.heartbeat_at, Job.started_at, Job.created_at)
    running = and_(Job.status == RUNNING, beat < cutoff)
    queued_here = and_(Job.status == QUEUED, Job.backend == "thread", beat < cutoff)
    stale = db.scalars(select(Job.id).where(or_(running, queued_here))).all()
    if not stale:
        return 0
    count = 0
    with engine().begin() as conn:
        rules = ((running, STOPPED_WHILE_RUNNING), (queued_here, STOPPED_BEFORE_START))
        for where, message in rules:
            result = conn.execute(
                update(Job)
                .where(where)
                .values(status=FAILED, message=message, finished_at=now)
            )
            count += result.rowcount or 0
    for job_id in stale:  # the caller's session may hold these rows: read them afresh
        obj = db.get(Job, job_id)
        if obj is not None:
            db.refresh(obj)
    if count:
        log.warning("marked %d stale job(s) failed", count)
    return count


def get_job(job_id: int, db: Session | None = None, *, reap: bool = True) -> Job | None:
    db = db if db is not None else get_db()
    if reap:
        reap_stale(db)
    job = db.get(Job, job_id)
    if job is not None:
        db.refresh(job)
    return job


def recent_jobs(db: Session | None = None, limit: int = 50) -> list[Job]:
    db = db if db is not None else get_db()
    return list(db.scalars(select(Job).order_by(Job.id.desc()).limit(limit)))


def wait_for(job_id: int, timeout: float = 30.0, db: Session | None = None) -> Job:
    """Poll until the job is done (tests and the CLI)."""
    import time

    db = db if db is not None else get_db()
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(job_id, db)
        if job is None or job.done or time.monotonic() > deadline:
            return job
        db.rollback()  # end the read snapshot so the next poll sees new rows
        time.sleep(0.05)
