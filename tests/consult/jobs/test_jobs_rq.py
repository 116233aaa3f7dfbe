"""The RQ path against the real Redis on 127.0.0.1:6379 (skipped with a message when it is
not running): jobs go through Redis to a worker, and a worker killed mid-job leaves the job
marked failed, with nothing half-written, ready to run again."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from consult.db import get_db
from consult.jobs import FAILED, RUNNING, SUCCEEDED, Job, enqueue
from consult.jobs.queue import STOPPED_WHILE_RUNNING, reap_stale, rerun
from consult.jobs.worker import run_worker
from consult.models import utcnow

REDIS_URL = os.environ.get("CONSULT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.redis


def _redis_or_skip():
    try:
        from redis import Redis

        conn = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        conn.ping()
        return conn
    except Exception as exc:  # noqa: BLE001
        pytest.skip(
            f"RQ tests skipped: no Redis answered at {REDIS_URL} ({exc}). Start it "
            "(Debian: service redis-server start) or set CONSULT_TEST_REDIS_URL."
        )


@pytest.fixture
def redis_queue():
    conn = _redis_or_skip()
    name = f"consult-test-{uuid.uuid4().hex[:10]}"
    yield name
    from rq import Queue

    Queue(name, connection=conn).empty()
    conn.delete(f"rq:queue:{name}")


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (RQ's work-horse runs in its own process group)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def _kill_tree(pid: int) -> None:
    for child in _children(pid):
        _kill_tree(child)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _fresh(app, job_id):
    with app.app_context():
        db = get_db()
        job = db.get(Job, job_id)
        db.refresh(job)
        return job


def test_job_goes_through_redis_to_a_worker(make_app, redis_queue):
    app = make_app(REDIS_URL=REDIS_URL, JOB_QUEUE_NAME=redis_queue)
    with app.app_context():
        job = enqueue("jobs.ping", {"steps": 3})
        assert job.backend == "rq"
        assert job.status == "queued"  # nothing runs it until a worker takes it
        job_id = job.id
    run_worker(app, burst=True, simple=True)
    job = _fresh(app, job_id)
    assert job.status == SUCCEEDED
    assert job.result == {"pong": True, "steps": 3}


def test_failure_on_the_worker_is_recorded(make_app, redis_queue):
    app = make_app(REDIS_URL=REDIS_URL, JOB_QUEUE_NAME=redis_queue)
    with app.app_context():
        job_id = enqueue("jobs.ping", {"fail": True, "message": "Could not finish"}).id
    run_worker(app, burst=True, simple=True)
    job = _fresh(app, job_id)
    assert job.status == FAILED and job.message == "Could not finish"


def test_redis_away_fails_the_job_with_a_message(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        job = enqueue("jobs.ping")
        assert job.status == FAILED
        assert "job queue is not available" in job.message


def test_worker_killed_mid_job_leaves_it_failed_and_it_can_run_again(
    make_app, redis_queue, tmp_path
):
    app = make_app(REDIS_URL=REDIS_URL, JOB_QUEUE_NAME=redis_queue, JOB_STALE_SECONDS=3)
    instance = Path(app.instance_path)
    # The worker process reads its settings the way a deployment does: instance/config.py.
    (instance / "config.py").write_text(
        f"DATABASE_URL = {app.config['DATABASE_URL']!r}\n"
        f"REDIS_URL = {REDIS_URL!r}\n"
        f"JOB_QUEUE_NAME = {redis_queue!r}\n"
        "JOB_HEARTBEAT_SECONDS = 0.5\n"
        "SECRET_KEY = 'worker-test'\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["CONSULT_INSTANCE_PATH"] = str(instance)
    with app.app_context():
        job_id = enqueue("jobs.ping", {"steps": 60, "seconds": 60}).id

    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "consult.jobs.worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        beats = set()
        while time.monotonic() < deadline:
            job = _fresh(app, job_id)
            if job.status == RUNNING:
                beats.add(job.heartbeat_at)
                if len(beats) >= 3 and job.progress > 0:
                    break
            assert job.status in ("queued", RUNNING), (job.status, job.message)
            time.sleep(0.2)
        else:
            pytest.fail("the worker never ran the job: " + (tmp_path / "worker.log").read_text())
        # The heartbeat was moving; now kill the worker and its work-horse outright.
        _kill_tree(worker.pid)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            _kill_tree(worker.pid)
            worker.wait(timeout=10)
        log.close()

    job = _fresh(app, job_id)
    assert job.status == RUNNING  # nobody has noticed yet
    with app.app_context():
        # JOB_STALE_SECONDS (3) later, by the clock the reaper is given: dead.
        assert reap_stale(now=utcnow() + dt.timedelta(seconds=3.5)) == 1
    job = _fresh(app, job_id)
    assert job.status == FAILED
    assert job.message == STOPPED_WHILE_RUNNING
    assert job.result is None

    with app.app_context():
        db = get_db()
        db.get(Job, job_id).payload = {"steps": 2}
        db.commit()
        again = rerun(job_id).id
    # Clear what RQ left of the killed job before working the queue again.
    run_worker(app, burst=True, simple=True)
    assert _fresh(app, again).status == SUCCEEDED
