"""Commands: ``consult worker`` and ``consult jobs list|reap|rerun|ping``.

Wire them in with ``register(cli)`` (``consult/cli.py`` calls it for feature packages).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from consult.templating import plural


def register(cli: click.Group) -> None:
    cli.add_command(worker)
    cli.add_command(jobs)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--queue", "queues", multiple=True, help="Queue name (default: consult).")
@click.option("--simple", is_flag=True, help="Run each job in the worker process (no fork).")
@click.option("--name", default=None, help="Worker name shown by `rq info`.")
@with_appcontext
def worker(burst, queues, simple, name):
    """Run a job worker: on RQ when REDIS_URL is set (start as many as you like, on any
    machine that reaches the same Redis and database), else the jobs the database holds
    when JOBS_IN_WORKER is set."""
    from consult.jobs.worker import run_worker

    app = current_app._get_current_object()
    try:
        run_worker(app, burst=burst, queues=list(queues) or None, simple=simple, name=name)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # redis refused the connection, and the like
        if exc.__class__.__module__.startswith("redis"):
            raise click.ClickException(
                f"Could not reach Redis at {app.config.get('REDIS_URL')}: {exc}"
            ) from None
        raise


@click.group("jobs")
def jobs():
    """Background jobs: list them, mark dead ones failed, run one again."""


@jobs.command("list")
@click.option("--limit", default=20, show_default=True)
@with_appcontext
def jobs_list(limit):
    """The most recent jobs."""
    from consult.jobs.queue import reap_stale, recent_jobs
    from consult.schema import create_all

    create_all()
    reap_stale()
    for job in recent_jobs(limit=limit):
        pct = int(round(100 * (job.progress or 0)))
        line = f"{job.id:>6}  {job.kind:<24} {job.status:<10} {pct:>3}%  {job.stage or ''}"
        click.echo(line.rstrip())
        if job.message:
            click.echo(f"        {job.message}")


@jobs.command("reap")
@with_appcontext
def jobs_reap():
    """Mark failed the jobs whose worker stopped (stale heartbeat)."""
    from consult.jobs.queue import reap_stale
    from consult.schema import create_all

    create_all()
    click.echo(f"Marked {plural(reap_stale(), 'stopped job')} failed.")


@jobs.command("rerun")
@click.argument("job_id", type=int)
@with_appcontext
def jobs_rerun(job_id):
    """Run a job again (as a new job with the same payload)."""
    from consult.jobs.queue import rerun

    try:
        job = rerun(job_id)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Job {job.id} ({job.kind}) is {job.status}.")


@jobs.command("ping")
@click.option("--seconds", default=1.0, show_default=True)
@click.option("--wait/--no-wait", default=True, show_default=True)
@with_appcontext
def jobs_ping(seconds, wait):
    """Send a trivial job through the queue, to check the workers are running."""
    from consult.jobs.queue import enqueue, wait_for
    from consult.schema import create_all

    create_all()
    job = enqueue("jobs.ping", {"seconds": seconds})
    click.echo(f"Job {job.id} sent ({job.backend}).")
    if wait:
        job = wait_for(job.id, timeout=max(30.0, seconds * 5))
        click.echo(f"Job {job.id} is {job.status}. {job.message}".rstrip())
        if job.status != "succeeded":
            raise SystemExit(1)
