"""The RQ side: the function RQ runs, and the worker loop behind ``consult worker``.

RQ only carries the job's id; the row in the database holds everything else, so workers on
several machines sharing one Redis and one database all see the same jobs.
"""

from __future__ import annotations

import logging
import os
import time

from flask import Flask

from consult.jobs.registry import import_handlers
from consult.jobs.runner import DATABASE, run_job, setting

log = logging.getLogger(__name__)

_app: Flask | None = None
_app_pid: int | None = None


def set_app(app: Flask) -> None:
    global _app, _app_pid
    _app = app
    _app_pid = os.getpid()


def _worker_app() -> Flask:
    global _app_pid
    if _app is None:
        from consult import create_app

        set_app(create_app())
    if _app_pid != os.getpid():
        # A forked work-horse must not share the parent's database connections.
        with _app.app_context():
            from consult.db import engine

            engine().dispose(close=False)
        _app_pid = os.getpid()
    return _app


def perform(job_id: int) -> str | None:
    """What RQ calls: run the job with that id from the database."""
    return run_job(_worker_app(), int(job_id))


def run_worker(
    app: Flask,
    *,
    burst: bool = False,
    queues: list[str] | None = None,
    name: str | None = None,
    simple: bool = False,
) -> bool:
    """Work the queue until stopped (or, with ``burst``, until it is empty)."""
    from redis import Redis
    from rq import SimpleWorker, Worker

    if not app.config.get("REDIS_URL"):
        if setting(app, "JOBS_IN_WORKER"):
            return run_database_worker(app, burst=burst)
        raise RuntimeError(
            "REDIS_URL is not set. Without it, jobs run inside the web app and no worker "
            "is needed; set REDIS_URL (for example redis://127.0.0.1:6379/0), or "
            "JOBS_IN_WORKER = True to keep jobs in the database for this worker."
        )
    set_app(app)
    import_handlers(tuple(setting(app, "JOB_HANDLER_MODULES")))
    with app.app_context():
        from consult.jobs.queue import reap_stale
        from consult.schema import create_all

        create_all()
        reap_stale()
    connection = Redis.from_url(app.config["REDIS_URL"])
    names = queues or [setting(app, "JOB_QUEUE_NAME")]
    worker_class = SimpleWorker if simple else Worker
    worker = worker_class(names, connection=connection, name=name)
    return worker.work(burst=burst, with_scheduler=False)


def run_database_worker(app: Flask, *, burst: bool = False, poll: float = 1.0) -> bool:
    """Without Redis (``JOBS_IN_WORKER``): run the jobs queued in the database, oldest first,
    one at a time in this process (claiming is atomic, so several workers may share the
    database); with ``burst``, until none is left."""
    from sqlalchemy import select

    from consult.jobs.models import QUEUED, Job

    set_app(app)
    import_handlers(tuple(setting(app, "JOB_HANDLER_MODULES")))
    with app.app_context():
        from consult.db import engine
        from consult.jobs.queue import reap_stale
        from consult.schema import create_all

        create_all()
        reap_stale()
        queued = select(Job.id).where(Job.status == QUEUED, Job.backend == DATABASE)
        while True:
            with engine().connect() as conn:
                job_id = conn.scalar(queued.order_by(Job.id).limit(1))
            if job_id is not None:
                run_job(app, job_id)
            elif burst:
                return True
            else:
                time.sleep(poll)


def main(argv: list[str] | None = None) -> None:
    """``python -m consult.jobs.worker [--burst]``: the same as ``consult worker``."""
    import argparse

    from consult import create_app

    parser = argparse.ArgumentParser(description="Run a consult job worker (RQ).")
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    parser.add_argument("--simple", action="store_true", help="run jobs in this process")
    parser.add_argument("--queue", action="append", dest="queues")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    run_worker(create_app(), burst=args.burst, queues=args.queues, simple=args.simple)


if __name__ == "__main__":
    main()
