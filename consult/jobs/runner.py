"""Running one job: claim it, keep its heartbeat, call its handler, finish it atomically.

The handler writes its results through ``ctx.db`` and does not commit: the runner commits
that transaction together with the job's move to "succeeded", and only if the job is still
the running attempt it claimed. A job killed half-way, failed or reaped therefore leaves no
half-written results behind, and re-running it starts clean.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, g
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from consult.jobs.models import FAILED, QUEUED, RUNNING, SUCCEEDED, Job
from consult.jobs.registry import get_handler
from consult.models import utcnow

log = logging.getLogger(__name__)

DEFAULTS = {
    "JOBS_SYNC": False,
    # Without Redis: True leaves jobs queued in the database for ``consult worker`` (long
    # analyses out of the web process); False runs them in a thread of the web process.
    "JOBS_IN_WORKER": False,
    "JOBS_THREADS": 1,
    "JOB_HEARTBEAT_SECONDS": 5,
    "JOB_STALE_SECONDS": 60,
    "JOB_TIMEOUT_SECONDS": 4 * 3600,
    "JOB_QUEUE_NAME": "consult",
    "JOB_HANDLER_MODULES": [],
}


# The backend of jobs queued in the database itself, for ``consult worker`` without Redis.
DATABASE = "database"


def setting(app: Flask, key: str):
    return app.config.get(key, DEFAULTS[key])


class JobError(Exception):
    """A failure to show as it is: the message says what went wrong and what to do."""


class JobAbandoned(Exception):
    """The job is no longer this worker's to finish (it was marked failed meanwhile)."""


GENERIC_FAILURE = (
    "Something went wrong while running this job ({detail}). Nothing from it was saved. "
    "Run it again; if it fails again, tell your system administrator."
)


@dataclass
class JobContext:
    """What a handler gets: the app, a session for its results, and progress reporting."""

    app: Flask
    job_id: int
    attempt: int
    db: Session
    engine: Engine
    min_interval: float = 0.5
    _last_write: float = field(default=0.0, repr=False)
    _last_stage: str | None = field(default=None, repr=False)

    def progress(self, fraction: float, stage: str | None = None) -> None:
        """Record progress (0..1) and what is happening now. Raises JobAbandoned when the
        job has been marked failed meanwhile (e.g. taken for dead), so the work stops."""
        fraction = min(1.0, max(0.0, float(fraction)))
        now = time.monotonic()
        if (
            stage == self._last_stage
            and now - self._last_write < self.min_interval
            and fraction < 1.0
        ):
            return
        if self._holds_sqlite_write_lock():
            # SQLite has one writer: while this job's own results are being written, a
            # second connection could only wait for them. Progress resumes after commit.
            return
        values = {"progress": fraction, "heartbeat_at": utcnow()}
        if stage is not None:
            values["stage"] = stage[:200]
        with self.engine.begin() as conn:
            result = conn.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.status == RUNNING, Job.attempt == self.attempt)
                .values(**values)
            )
        self._last_write = now
        self._last_stage = stage
        if result.rowcount != 1:
            raise JobAbandoned(f"job {self.job_id} is no longer running")


    def _holds_sqlite_write_lock(self) -> bool:
        if self.engine.dialect.name != "sqlite" or not self.db.in_transaction():
            return False
        dbapi = self.db.connection().connection.dbapi_connection
        return bool(getattr(dbapi, "in_transaction", False))


class _Heartbeat:
    """One thread per process keeps ``heartbeat_at`` fresh for every job it holds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.held: dict[int, Engine] = {}
        self.interval = DEFAULTS["JOB_HEARTBEAT_SECONDS"]
        self.thread: threading.Thread | None = None
        self.pid: int | None = None

    def hold(self, engine: Engine, job_id: int, interval: float) -> None:
        with self.lock:
            if self.pid != os.getpid():  # forked: the parent's thread is not ours
                self.held = {}
                self.thread = None
                self.pid = os.getpid()
            self.held[job_id] = engine
            self.interval = min(self.interval, interval) if self.thread else interval
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._loop, name="consult-job-heartbeat", daemon=True
                )
                self.thread.start()

    def release(self, job_id: int) -> None:
        with self.lock:
            self.held.pop(job_id, None)

    def holds(self, job_id: int) -> bool:
        return job_id in self.held and self.pid == os.getpid()

    def _loop(self) -> None:
        while True:
            time.sleep(self.interval)
            self.beat()

    def beat(self) -> None:
        with self.lock:
            by_engine: dict[int, tuple[Engine, list[int]]] = {}
            for job_id, engine in self.held.items():
                by_engine.setdefault(id(engine), (engine, []))[1].append(job_id)
        for engine, ids in by_engine.values():
            try:
                with engine.begin() as conn:
                    conn.execute(
                        update(Job)
                        .where(Job.id.in_(ids), Job.status.in_((QUEUED, RUNNING)))
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # the database may be briefly away; try again next beat
                log.warning("job heartbeat failed", exc_info=True)


heartbeat = _Heartbeat()


def _claim(engine: Engine, job_id: int) -> tuple[Job | None, int]:
    with Session(engine, expire_on_commit=False) as s:
        job = s.get(Job, job_id)
        if job is None or job.status != QUEUED:
            return None, 0
        attempt = (job.attempt or 0) + 1
        now = utcnow()
        result = s.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == QUEUED)
            .values(
                status=RUNNING,
                attempt=attempt,
                started_at=now,
                heartbeat_at=now,
                progress=0.0,
                stage="Starting",
                message="",
            )
        )
        s.commit()
        if result.rowcount != 1:
            return None, 0
        s.refresh(job)
        return job, attempt


def mark_failed(engine: Engine, job_id: int, attempt: int | None, message: str, detail: str = ""):
    with engine.begin() as conn:
        stmt = update(Job).where(Job.id == job_id, Job.status.in_((QUEUED, RUNNING)))
        if attempt is not None:
            stmt = stmt.where(Job.attempt == attempt)
        conn.execute(
            stmt.values(
                status=FAILED,
                message=message[:2000],
                error_detail=detail[:20000],
                finished_at=utcnow(),
            )
        )


def run_job(app: Flask, job_id: int) -> str | None:
    """Run a queued job to its end in this thread. Returns the final status (None when the
    job was not there to claim: already taken, finished or deleted)."""
    from consult.db import engine as app_engine

    with app.app_context():
        engine = app_engine()
        job, attempt = _claim(engine, job_id)
        if job is None:
            return None
        heartbeat.hold(engine, job_id, float(setting(app, "JOB_HEARTBEAT_SECONDS")))
        session = Session(engine, expire_on_commit=False)
        g.db = session  # services that call get_db() inside a job use the job's session
        ctx = JobContext(app=app, job_id=job_id, attempt=attempt, db=session, engine=engine)
        try:
            fn = get_handler(job.kind, tuple(setting(app, "JOB_HANDLER_MODULES")))
            if fn is None:
                raise JobError(f"This kind of job ({job.kind}) is not known to this worker.")
            result = fn(ctx, dict(job.payload or {}))
            finished = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == RUNNING, Job.attempt == attempt)
                .values(
                    status=SUCCEEDED,
                    progress=1.0,
                    stage="Finished",
                    message="",
                    result=result if isinstance(result, dict) else None,
                    finished_at=utcnow(),
                    heartbeat_at=utcnow(),
                )
            )
            if finished.rowcount != 1:
                session.rollback()
                log.warning("job %s was marked failed while running; results dropped", job_id)
                return FAILED
            session.commit()
            return SUCCEEDED
        except JobAbandoned:
            session.rollback()
            log.warning("job %s was abandoned", job_id)
            return FAILED
        except JobError as exc:
            session.rollback()
            mark_failed(engine, job_id, attempt, str(exc), traceback.format_exc())
            return FAILED
        except BaseException as exc:  # noqa: BLE001 - a job must never die silently
            session.rollback()
            detail = f"{exc.__class__.__name__}: {exc}".strip()
            if len(detail) > 300:
                detail = detail[:300] + "…"
            log.exception("job %s (%s) failed", job_id, job.kind)
            try:
                mark_failed(
                    engine, job_id, attempt, GENERIC_FAILURE.format(detail=detail),
                    traceback.format_exc(),
                )
            except Exception:
                log.exception("could not record the failure of job %s", job_id)
            if not isinstance(exc, Exception):
                raise
            return FAILED
        finally:
            heartbeat.release(job_id)
            session.close()
            g.pop("db", None)


class LocalPool:
    """The in-process backend: daemon threads taking jobs from a queue in this process."""

    def __init__(self):
        import queue

        self.queue: queue.Queue = queue.Queue()
        self.threads: list[threading.Thread] = []
        self.pid: int | None = None
        self.lock = threading.Lock()

    def submit(self, app: Flask, job_id: int, engine: Engine) -> None:
        with self.lock:
            if self.pid != os.getpid():
                import queue

                self.queue = queue.Queue()
                self.threads = []
                self.pid = os.getpid()
            self.threads = [t for t in self.threads if t.is_alive()]
            wanted = max(1, int(setting(app, "JOBS_THREADS")))
            while len(self.threads) < wanted:
                t = threading.Thread(target=self._work, name="consult-job", daemon=True)
                t.start()
                self.threads.append(t)
        heartbeat.hold(engine, job_id, float(setting(app, "JOB_HEARTBEAT_SECONDS")))
        self.queue.put((app, job_id))

    def _work(self) -> None:
        while True:
            app, job_id = self.queue.get()
            try:
                run_job(app, job_id)
            except BaseException:  # noqa: BLE001 - keep the pool alive
                log.exception("job %s crashed its thread", job_id)
            finally:
                heartbeat.release(job_id)
                self.queue.task_done()


pool = LocalPool()

Runner = Callable[[Flask, int], str | None]
