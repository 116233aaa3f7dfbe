"""Background jobs with stored progress: long work never runs inside a web request.

API::

    from consult.jobs import enqueue, handler, JobContext, JobError

    @handler("analysis.run")
    def run(ctx: JobContext, payload: dict) -> dict | None:
        ctx.progress(0.1, "Reading answers")
        write_results(ctx.db)     # through ctx.db; the runner commits
        return {"run_id": 7}      # small JSON result stored on the job

    job = enqueue("analysis.run", {"run_id": 7}, user_id=user.id)   # -> Job (committed)

Backends: in-process threads by default, RQ when ``REDIS_URL`` is set (``consult worker``),
synchronous when ``JOBS_SYNC`` is true. See :mod:`consult.jobs.queue`.
"""

from __future__ import annotations

from flask import Flask

from consult.jobs.models import FAILED, QUEUED, RUNNING, SUCCEEDED, Job
from consult.jobs.queue import enqueue, get_job, reap_stale, rerun, wait_for
from consult.jobs.registry import handler
from consult.jobs.runner import DEFAULTS, JobContext, JobError

__all__ = [
    "FAILED",
    "QUEUED",
    "RUNNING",
    "SUCCEEDED",
    "Job",
    "JobContext",
    "JobError",
    "enqueue",
    "get_job",
    "handler",
    "init_app",
    "reap_stale",
    "rerun",
    "wait_for",
]


def init_app(app: Flask) -> None:
    """Default settings and the progress endpoint."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    from consult.jobs.views import bp

    app.register_blueprint(bp)
