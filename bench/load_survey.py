"""Load test: residents completing the survey against gunicorn and PostgreSQL on 127.0.0.1.

    .venv/bin/python bench/load_survey.py [--users 50] [--seconds 60] [--database sqlite]
                                          [--think 1] [--client requests|lean]

Starts gunicorn on a free loopback port with a fresh database (PostgreSQL database
``consult_bench`` on 127.0.0.1:5432 by default), then:

1. baseline: the same number of clients hammer the trivial ``/healthz`` endpoint for a
   short spell, giving requests/s of the app doing almost nothing;
2. survey: each simulated respondent starts the residents' survey, answers every page,
   checks answers and submits, over and over until the time is up;
3. burst: 30 pupils join one classroom session and submit within the same minute;
4. the zero-loss check: responses stored == confirmations seen, and no reference twice.

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
import contextlib
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')
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


def fresh_postgres_url() -> str:
    import psycopg

    admin = "postgresql://postgres@127.0.0.1:5432/test"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS consult_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE consult_bench")
    return "postgresql+psycopg://postgres@127.0.0.1:5432/consult_bench"


class LeanResponse:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status_code = status
        self.headers = headers
        self.content = body

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


class LeanSession:
    """What the bench uses of ``requests.Session`` (``request`` without redirects, a
    cookie jar, a keep-alive connection), on ``http.client``. No retries: a failed request
    is an error, as with ``requests``."""

    def __init__(self):
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method, url, timeout=30, allow_redirects=False, data=None):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": "consult-bench", "Accept": "*/*"}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise requests.ConnectionError(f"{exc.__class__.__name__}: {exc}") from exc
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "Max-Age=0" in cookie or "01 Jan 1970" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        headers = dict(response.getheaders())
        if response.will_close:
            self.close()
        return LeanResponse(response.status, headers, content)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


SESSION = {"class": requests.Session}  # set by --client


def new_session():
    return SESSION["class"]()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.confirmed: list[str] = []
        self.requests = 0

    def timed(self, session: requests.Session, method: str, url: str, **kw) -> requests.Response:
        start = time.perf_counter()
        try:
            response = session.request(method, url, timeout=30, allow_redirects=False, **kw)
        except requests.RequestException as exc:
            with self.lock:
                self.errors.append(f"{method} {url}: {exc.__class__.__name__}")
            raise
        elapsed = time.perf_counter() - start
        with self.lock:
            self.latencies.append(elapsed)
            self.requests += 1
            if response.status_code >= 400:
                self.errors.append(f"{method} {url}: HTTP {response.status_code}")
        return response


def _url(base: str, location: str) -> str:
    return base + location if location.startswith("/") else location


THINK = {"seconds": 0.0}  # mean pause before each answer (set by --think)


def think() -> None:
    if THINK["seconds"]:
        time.sleep(random.uniform(0.5, 1.5) * THINK["seconds"])


def walk_and_submit(s, base: str, rec: Recorder, location: str, survey_id: str, pages: dict):
    """Answer every page from ``location``, check, submit; returns the finish page."""
    for _ in range(30):
        if location.endswith("/check"):
            break
        page = rec.timed(s, "GET", _url(base, location))
        think()
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


def pupil(base: str, code: str, rec: Recorder, start_at: float) -> None:
    """One pupil: join the session with its code, answer, submit (once, no retries)."""
    time.sleep(max(0.0, start_at - time.monotonic()))
    s = new_session()
    try:
        join = rec.timed(s, "GET", f"{base}/join")
        csrf = CSRF.search(join.text).group(1)
        r = rec.timed(s, "POST", f"{base}/join", data={"csrf_token": csrf, "code": code})
        done = walk_and_submit(s, base, rec, r.headers["Location"], "schools", PUPIL_PAGES)
        if "Your answers have been sent" in done.text:
            with rec.lock:
                rec.confirmed.append("pupil")
    except (requests.RequestException, AttributeError, KeyError) as exc:
        with rec.lock:
            rec.errors.append(f"pupil aborted: {exc.__class__.__name__}: {exc}")


def pupil_burst(base: str, env: dict, pupils: int = 30) -> tuple[dict, int, int]:
    """A class of ``pupils`` joining one session and submitting within the same minute
    (their starts spread over 20 seconds). Returns (summary, confirmed, stored)."""
    code, session_id = open_classroom_session(env)
    rec = Recorder()
    first = time.monotonic() + 1
    threads = [
        threading.Thread(target=pupil, args=(base, code, rec, first + 20 * i / pupils))
        for i in range(pupils)
    ]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    stored = count_session_responses(env["DATABASE_URL"], session_id)
    return summary(rec, wall), len(rec.confirmed), stored


def open_classroom_session(env: dict) -> tuple[str, int]:
    """Open a pupils' session the way a teacher's form does, with the app's own code."""
    import datetime as dt

    os.environ.update({k: env[k] for k in ("CONSULT_INSTANCE_PATH", "DATABASE_URL")})
    from consult import create_app
    from consult.db import get_db
    from consult.models import utcnow
    from consult.schools.queries import open_session
    from consult.survey_store import current_version

    app = create_app()
    with app.app_context():
        db = get_db()
        session = open_session(
            db,
            school="Bench Academy",
            year_group="year_9",
            expected_pupils=30,
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


def respondent(base: str, rec: Recorder, deadline: float) -> None:
    for _ in range(MAX_REQUESTS_PER_USER // 15):
        if time.monotonic() > deadline:
            return
        s = new_session()
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


def hammer(url: str, rec: Recorder, deadline: float) -> None:
    s = new_session()
    for _ in range(MAX_REQUESTS_PER_USER):
        if time.monotonic() > deadline:
            return
        try:
            rec.timed(s, "GET", url)
        except requests.RequestException:
            pass


def run_clients(target, users: int, seconds: float, *args) -> tuple[Recorder, float]:
    rec = Recorder()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=target, args=(*args, rec, deadline)) for _ in range(users)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return rec, time.perf_counter() - began


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far, from /proc."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    ticks = 0
    for p in [pid, *children]:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all processes have used since boot (every core), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def measured(server_pid: int, phase, *args) -> tuple[Recorder, float, dict]:
    """Run a phase; also returns CPU ms per request of the generator and of the gunicorn
    server, and the cores the rest of the machine used meanwhile (PostgreSQL, and anything
    else running: a busy neighbour shows here)."""
    client0, server0 = time.process_time(), server_cpu_seconds(server_pid)
    machine0 = machine_busy_seconds()
    rec, wall = phase(*args)
    client1, server1 = time.process_time(), server_cpu_seconds(server_pid)
    machine1 = machine_busy_seconds()
    n = max(rec.requests, 1)
    rest = (machine1 - machine0) - (client1 - client0) - (server1 - server0)
    cpu = {
        "generator": round((client1 - client0) * 1000 / n, 2),
        "server": round((server1 - server0) * 1000 / n, 2),
        "rest_of_machine_cores": round(rest / wall, 2),
    }
    return rec, wall, cpu


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def summary(rec: Recorder, wall: float) -> dict:
    return {
        "requests": rec.requests,
        "throughput_rps": round(rec.requests / wall, 1),
        "p50_ms": round(percentile(rec.latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(rec.latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(rec.latencies, 0.99) * 1000, 1),
        "mean_ms": round(statistics.fmean(rec.latencies) * 1000, 1) if rec.latencies else None,
        "errors": len(rec.errors),
        "error_samples": rec.errors[:5],
    }


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
    args = parser.parse_args()
    THINK["seconds"] = args.think
    SESSION["class"] = LeanSession if args.client == "lean" else requests.Session

    instance = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    if args.database == "postgres":
        database_url = fresh_postgres_url()
    else:
        database_url = f"sqlite:///{instance / 'bench.sqlite3'}"
    (instance / "config.py").write_text(
        "RATELIMIT_ENABLED = False\n"  # every simulated client shares 127.0.0.1
        f"DATABASE_URL = {database_url!r}\n"
        "SECRET_KEY = 'bench-only-secret'\n"
    )
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

        baseline, baseline_wall, baseline_cpu = measured(
            server.pid, run_clients, hammer, args.users, args.baseline_seconds, f"{base}/healthz"
        )
        survey, survey_wall, survey_cpu = measured(
            server.pid, run_clients, respondent, args.users, args.seconds, base
        )
        stored, distinct = count_stored(database_url)
        burst, burst_confirmed, burst_stored = pupil_burst(base, env)
        result = {
            "database": args.database,
            "users": args.users,
            "think_seconds": args.think,
            "seconds": args.seconds,
            "gunicorn": (
                f"{args.workers} sync workers"
                if args.worker_class == "sync"
                else f"{args.workers} workers x {args.threads} threads (gthread)"
            ),
            "client": args.client,
            "baseline_healthz": summary(baseline, baseline_wall),
            "survey": summary(survey, survey_wall),
            "cpu_ms_per_request": {"healthz": baseline_cpu, "survey": survey_cpu},
            "throughput_ratio_to_healthz": round(
                (survey.requests / survey_wall) / (baseline.requests / baseline_wall), 3
            ),
            "confirmed_submissions": len(survey.confirmed),
            "distinct_references": len(set(survey.confirmed)),
            "stored_responses": stored,
            "distinct_submission_keys": distinct,
        }
        result["pupil_burst"] = {
            **burst,
            "pupils": 30,
            "confirmed": burst_confirmed,
            "stored": burst_stored,
            "zero_loss": burst_confirmed == burst_stored == 30,
        }
        result["zero_loss"] = stored == len(survey.confirmed) == len(set(survey.confirmed))
        result["zero_duplicates"] = stored == distinct
        print(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
