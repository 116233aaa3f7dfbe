"""Load test: residents completing the survey against gunicorn and PostgreSQL on 127.0.0.1.

    .venv/bin/python bench/load_survey.py [--users 50] [--seconds 60] [--database sqlite]
                                          [--think 1] [--client requests|lean]
                                          [--pupils 30] [--pupil-seconds 0]
                                          [--rate-limits off|on] [--redis-url URL]
                                          [--db-name consult_bench] [--processes 4]

Starts gunicorn on a free loopback port with a fresh database (PostgreSQL database
``--db-name``, default ``consult_bench``, on 127.0.0.1:5432 by default), then:

1. baseline: the same number of clients hammer the trivial ``/healthz`` endpoint for a
   short spell, giving requests/s of the app doing almost nothing;
2. survey: each simulated respondent starts the residents' survey, answers every page,
   checks answers and submits, over and over until the time is up;
3. burst: ``--pupils`` (30) pupils join one classroom session, their starts spread over a
   minute, spend ``--pupil-seconds`` on each page and submit;
4. the zero-loss check: responses stored == confirmations seen, and no reference twice.

Rate limits are off by default (every client comes from 127.0.0.1). ``--rate-limits on``
turns on the production limits, counted in Redis when ``--redis-url`` is given (as in
production with more than one worker), with the app behind one proxy: each resident comes
from an address of their own (``X-Forwarded-For``) and every pupil from one address, the
school's, as a year group on one school network does.

The clients run in ``--processes`` generator processes (threads within each), so the
generator is not one Python process's threads competing for one interpreter lock; the
generator's CPU (this process and its children) is in the summary.

The load generator shares the machine with the server, which real respondents' browsers do
not. ``--client lean`` (the default) sends each client's requests (full pages read to the
end, CSRF tokens taken from them, the same form posts, the session cookie, one keep-alive
connection per journey) with the standard library's ``http.client``: about 0.35 ms of CPU
per request, against 1.6 ms for ``--client requests`` (measured), so the cores go to the
server being measured.
The summary gives both sides' CPU per request (generator: this process; server: the
gunicorn master and workers, from /proc).

Only 127.0.0.1 is targeted; every loop is bounded by count and time and stops by itself.
Prints a JSON summary; BENCHMARKS.md records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from load_client import (
    SESSION,
    LeanSession,
    Recorder,
    measured,
    new_session,
    run_in_processes,
    summary,
)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')
START = re.compile(r'href="([^"]+)"[^>]*class="govuk-button govuk-button--start')
REFERENCE = re.compile(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4})</strong>")

PAGES = {
    "area": {"district": "worthing", "postcode_district": "BN11"},
    "connection": {"connection": ["live"]},
    "safety_day": {"safe_day": "fairly_safe"},
    "safety_dark": {"safe_dark": "fairly_unsafe"},
    "safety_change": {"safety_change": "same"},
    "problems": {"problems": ["asb", "road_safety"]},
    "worries": {"worry_text": "Speeding on the main road and drug dealing by the shops."},
    "priorities": {"priority_text": "More patrols in the evening and speed cameras."},
    "reporting": {"incident": "no"},
}
PUPIL_PAGES = {
    "year": {"year_group": "year_9"},
    "safe_school": {"safe_school": "fairly_safe"},
    "safe_journey": {"safe_journey": "neither"},
    "safe_area": {"safe_area": "fairly_unsafe"},
    "safe_online": {"safe_online": "fairly_safe"},
    "worries": {"worries": ["bullying", "drugs_vaping"]},
    "worry_most": {"worry_text": "older kids vaping by the bus stop after school"},
    "feel_safer": {"safer_text": "a teacher at the gate and more lights on the path"},
    "who_tell": {"who_tell": ["teacher"]},
}
MAX_REQUESTS_PER_USER = 5000  # hard bound, besides the time limit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_postgres_url(name: str = "consult_bench") -> str:
    import psycopg

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"--db-name {name!r}: lower-case letters, digits and _ only")
    admin = "postgresql://postgres@127.0.0.1:5432/test"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


SCHOOL_ADDRESS = "203.0.113.9"


def resident_address(n: int) -> str:
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def _url(base: str, location: str) -> str:
    return base + location if location.startswith("/") else location


THINK = {"seconds": 0.0, "pupil_seconds": 0.0}  # mean pause before each answer (--think)


def configure(think_seconds: float, pupil_seconds: float, client: str) -> None:
    """The run's settings, in this process and in each generator process."""
    THINK["seconds"] = think_seconds
    THINK["pupil_seconds"] = pupil_seconds
    SESSION["class"] = LeanSession if client == "lean" else requests.Session
    SETUP[:] = [configure, (think_seconds, pupil_seconds, client)]


SETUP: list = []


def think(seconds: float | None = None) -> None:
    seconds = THINK["seconds"] if seconds is None else seconds
    if seconds:
        time.sleep(random.uniform(0.5, 1.5) * seconds)


def walk_and_submit(s, base: str, rec: Recorder, location: str, survey_id: str, pages: dict,
                    seconds: float | None = None):
    """Answer every page from ``location``, check, submit; returns the finish page."""
    for _ in range(30):
        if location.endswith("/check"):
            break
        page = rec.timed(s, "GET", _url(base, location))
        think(seconds)
        csrf = CSRF.search(page.text).group(1)
        page_id = location.rsplit("/", 1)[-1].split("?")[0]
        data = {"csrf_token": csrf, **pages.get(page_id, {})}
        location = rec.timed(s, "POST", _url(base, location), data=data).headers["Location"]
    check = rec.timed(s, "GET", _url(base, location))
    csrf = CSRF.search(check.text).group(1)
    token = TOKEN.search(check.text).group(1)
    r = rec.timed(
        s,
        "POST",
        f"{base}/survey/{survey_id}/submit",
        data={"csrf_token": csrf, "submission_token": token},
    )
    return rec.timed(s, "GET", _url(base, r.headers["Location"]))


def pupil(base: str, code: str, address: str | None, start_at: float, rec: Recorder) -> None:
    """One pupil: join the session with its code, answer, submit (once, no retries)."""
    time.sleep(max(0.0, start_at - time.time()))
    s = new_session(address)
    try:
        join = rec.timed(s, "GET", f"{base}/join")
        csrf = CSRF.search(join.text).group(1)
        r = rec.timed(s, "POST", f"{base}/join", data={"csrf_token": csrf, "code": code})
        # Every pupil reads the introduction and the safeguarding notice first; its start
        # button leads to the first question.
        intro = rec.timed(s, "GET", _url(base, r.headers["Location"]))
        think(THINK["pupil_seconds"])
        first = START.search(intro.text).group(1)
        done = walk_and_submit(s, base, rec, first, "schools", PUPIL_PAGES,
                               THINK["pupil_seconds"])
        if "Your answers have been sent" in done.text:
            with rec.lock:
                rec.confirmed.append("pupil")
    except (requests.RequestException, AttributeError, KeyError) as exc:
        with rec.lock:
            rec.errors.append(f"pupil aborted: {exc.__class__.__name__}: {exc}")


def pupil_burst(base: str, code: str, pupils: int, address: str | None, processes: int,
                spread: float = 60.0) -> tuple[Recorder, float]:
    """A class of ``pupils`` joining the session with ``code``, their starts spread over
    ``spread`` seconds, each answering and submitting."""
    first = time.time() + 3  # the generator processes start meanwhile
    jobs = [(pupil, (base, code, address, first + spread * i / pupils)) for i in range(pupils)]
    return run_in_processes(jobs, processes, tuple(SETUP))


def open_classroom_session(env: dict, expected: int = 30) -> tuple[str, int]:
    """Open a pupils' session the way a teacher's form does, with the app's own code."""
    import datetime as dt

    os.environ.update({k: env[k] for k in ("CONSULT_INSTANCE_PATH", "DATABASE_URL")})
    from consult import create_app
    from consult.db import get_db
    from consult.models import utcnow
    from consult.schools.queries import open_session
    from consult.survey_store import current_version

    # no screening model in the generator's process (loading it would count as its CPU)
    app = create_app({"SAFEGUARDING_SCREENER": "rules"})
    with app.app_context():
        db = get_db()
        session = open_session(
            db,
            school="Bench Academy",
            year_group="year_9",
            expected_pupils=expected,
            ends_at=utcnow() + dt.timedelta(hours=1),
            version=current_version(db, "schools"),
            created_by=None,
        )
        db.commit()
        return session.join_code, session.id


def count_session_responses(database_url: str, session_id: int) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM response WHERE classroom_session_id = :s"), {"s": session_id}
        ).scalar()
    engine.dispose()
    return n


def respondent(base: str, address: str | None, deadline: float, rec: Recorder) -> None:
    for _ in range(MAX_REQUESTS_PER_USER // 15):
        if time.time() > deadline:
            return
        s = new_session(address)
        try:
            start = rec.timed(s, "GET", f"{base}/survey/residents/")
            csrf = CSRF.search(start.text).group(1)
            r = rec.timed(s, "POST", f"{base}/survey/residents/start", data={"csrf_token": csrf})
            done = walk_and_submit(s, base, rec, r.headers["Location"], "residents", PAGES)
            ref = REFERENCE.search(done.text)
            if ref:
                with rec.lock:
                    rec.confirmed.append(ref.group(1))
        except (requests.RequestException, AttributeError, KeyError) as exc:
            with rec.lock:
                rec.errors.append(f"journey aborted: {exc.__class__.__name__}: {exc}")


def hammer(url: str, address: str | None, deadline: float, rec: Recorder) -> None:
    s = new_session(address)
    for _ in range(MAX_REQUESTS_PER_USER):
        if time.time() > deadline:
            return
        try:
            rec.timed(s, "GET", url)
        except requests.RequestException:
            pass


def run_clients(target, users: int, seconds: float, base: str, addresses: bool,
                processes: int) -> tuple[Recorder, float]:
    """``users`` clients running ``target`` until ``seconds`` have passed, each from an
    address of its own when ``addresses``."""
    deadline = time.time() + 2 + seconds  # the generator processes start meanwhile
    jobs = [(target, (base, resident_address(n) if addresses else None, deadline))
            for n in range(users)]
    return run_in_processes(jobs, processes, tuple(SETUP))


def clear_rate_limits(redis_url: str) -> None:
    """Forget earlier runs' rate-limit counters in this Redis database."""
    from redis import Redis

    conn = Redis.from_url(redis_url)
    for key in conn.scan_iter("*LIMITER*"):
        conn.delete(key)


def count_stored(database_url: str) -> tuple[int, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM response")).scalar()
        distinct = conn.execute(
            text("SELECT count(DISTINCT submission_key) FROM response")
        ).scalar()
    engine.dispose()
    return total, distinct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=15)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--worker-class",
        choices=["gthread", "sync"],
        default="gthread",
        help="gunicorn worker type (sync: one request at a time per worker, no keep-alive)",
    )
    parser.add_argument(
        "--client",
        choices=["requests", "lean"],
        default="lean",
        help="HTTP client of the load generator (lean: http.client, less CPU per request)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a respondent spends on each page (0: no pause, a stress test)",
    )
    parser.add_argument("--pupils", type=int, default=30,
                        help="pupils joining one classroom session, starts spread over a minute")
    parser.add_argument("--pupil-seconds", type=float, default=0.0,
                        help="mean seconds a pupil spends on each page")
    parser.add_argument("--rate-limits", choices=["off", "on"], default="off",
                        help="on: the production limits; residents each from their own "
                        "address, every pupil from one school address")
    parser.add_argument("--redis-url", default=None,
                        help="count rate limits in Redis (e.g. redis://127.0.0.1:6379/12)")
    parser.add_argument("--db-name", default="consult_bench",
                        help="PostgreSQL database to create afresh for the run")
    parser.add_argument("--processes", type=int, default=4,
                        help="load generator processes (clients are threads within them)")
    args = parser.parse_args()
    configure(args.think, args.pupil_seconds, args.client)
    limits_on = args.rate_limits == "on"

    instance = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    if args.database == "postgres":
        database_url = fresh_postgres_url(args.db_name)
    else:
        database_url = f"sqlite:///{instance / 'bench.sqlite3'}"
    config = (
        f"DATABASE_URL = {database_url!r}\n"
        "SECRET_KEY = 'bench-only-secret'\n"
    )
    if limits_on:
        # behind one proxy: X-Forwarded-For says whose request it is
        config += "RATELIMIT_ENABLED = True\nPROXY_COUNT = 1\n"
        if args.redis_url:
            clear_rate_limits(args.redis_url)
            config += f"REDIS_URL = {args.redis_url!r}\n"
    else:
        config += "RATELIMIT_ENABLED = False\n"  # every simulated client shares 127.0.0.1
    (instance / "config.py").write_text(config)
    env = {**os.environ, "CONSULT_INSTANCE_PATH": str(instance), "DATABASE_URL": database_url}
    subprocess.run([str(VENV_BIN / "consult"), "init-db"], env=env, check=True, cwd=ROOT)
    subprocess.run([str(VENV_BIN / "consult"), "surveys", "load"], env=env, check=True, cwd=ROOT)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(args.workers),
            "--threads",  # more than 1 would turn a sync worker into gthread
            str(1 if args.worker_class == "sync" else args.threads),
            "--worker-class",
            args.worker_class,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "consult:create_app()",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")

        load0 = os.getloadavg()
        baseline, baseline_wall, baseline_cpu = measured(
            server.pid, run_clients, hammer, args.users, max(args.baseline_seconds, 0.1),
            f"{base}/healthz", limits_on, args.processes,
        ) if args.baseline_seconds > 0 else (Recorder(), 1.0, {})
        survey, survey_wall, survey_cpu = measured(
            server.pid, run_clients, respondent, args.users, args.seconds, base, limits_on,
            args.processes,
        )
        stored, distinct = count_stored(database_url)
        code, session_id = open_classroom_session(env, args.pupils)
        burst, burst_wall, burst_cpu = measured(
            server.pid, pupil_burst, base, code, args.pupils,
            SCHOOL_ADDRESS if limits_on else None, args.processes,
        )
        burst_stored = count_session_responses(database_url, session_id)
        burst_confirmed = len(burst.confirmed)
        result = {
            "database": args.database,
            "rate_limits": args.rate_limits + (" (Redis)" if limits_on and args.redis_url
                                               else " (memory)" if limits_on else ""),
            "load_average_before": [round(v, 2) for v in load0],
            "load_average_after": [round(v, 2) for v in os.getloadavg()],
            "generator_processes": args.processes,
            "users": args.users,
            "think_seconds": args.think,
            "seconds": args.seconds,
            "gunicorn": (
                f"{args.workers} sync workers"
                if args.worker_class == "sync"
                else f"{args.workers} workers x {args.threads} threads (gthread)"
            ),
            "client": args.client,
            "baseline_healthz": summary(baseline, baseline_wall) if baseline.requests else None,
            "survey": summary(survey, survey_wall),
            "cpu_ms_per_request": {"healthz": baseline_cpu, "survey": survey_cpu},
            "throughput_ratio_to_healthz": round(
                (survey.requests / survey_wall) / (baseline.requests / baseline_wall), 3
            ) if baseline.requests else None,
            "confirmed_submissions": len(survey.confirmed),
            "distinct_references": len(set(survey.confirmed)),
            "stored_responses": stored,
            "distinct_submission_keys": distinct,
        }
        result["pupil_burst"] = {
            **summary(burst, burst_wall),
            "cpu_ms_per_request": burst_cpu,
            "pupils": args.pupils,
            "pupil_seconds": args.pupil_seconds,
            "one_address": limits_on,
            "confirmed": burst_confirmed,
            "stored": burst_stored,
            "zero_loss": burst_confirmed == burst_stored == args.pupils,
        }
        result["zero_loss"] = stored == len(survey.confirmed) == len(set(survey.confirmed))
        result["zero_duplicates"] = stored == distinct
        print(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
