"""CPU per page of the residents' journey, in one process, as a ratio to ``/healthz``.

    .venv/bin/python bench/page_cost.py [--journeys 40] [--database sqlite|postgres]
                                        [--profile N] [--queries]

One app (CSRF on, rate limits on with limits too high to trip, as in production apart
from the numbers), driven by Flask's test client: each journey is what a respondent's
browser does (GET and POST of the start page and of every question page, with CSRF
tokens read from the pages, check answers, send, confirmation). The same number of
``/healthz`` requests is timed in the same process, so the figure to compare between code
versions is the ratio (CPU per journey request / CPU per ``/healthz`` request), which does
not depend on how busy the machine is. Process CPU time (``time.process_time``) is used, so
waiting for PostgreSQL is not counted; ``--queries`` counts SQL statements per request.

``--profile N`` prints the N most expensive functions of the journeys (``--sort tottime``
for their own time rather than cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_survey import PAGES  # noqa: E402  (the answers the load test gives, page by page)

CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(rb'name="submission_token" value="([^"]+)"')


def make_app(database: str):
    instance = Path(tempfile.mkdtemp(prefix="consult-pagecost-"))
    if database == "postgres":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS consult_pagecost WITH (FORCE)")
            c.execute("CREATE DATABASE consult_pagecost")
        url = "postgresql+psycopg://postgres@127.0.0.1:5432/consult_pagecost"
    else:
        url = f"sqlite:///{instance / 'pagecost.sqlite3'}"
    os.environ["CONSULT_INSTANCE_PATH"] = str(instance)
    (instance / "config.py").write_text(
        f"DATABASE_URL = {url!r}\n"
        "SECRET_KEY = 'bench-only-secret'\n"
        "RATELIMIT_DEFAULT = '1000000 per minute'\n"
        "RATELIMIT_SUBMIT = '1000000 per minute'\n"
        "SAFEGUARDING_SCREENER = 'rules'\n"
    )
    from consult import create_app
    from consult.db import get_db
    from consult.schema import create_all
    from consult.survey_store import load_folder

    app = create_app()
    with app.app_context():
        create_all()
        db = get_db()
        load_folder(db, Path(app.config["SURVEYS_DIR"]), app.config["DISTRICTS"])
        db.commit()
    return app


class Timer:
    """Wraps the test client: CPU seconds and SQL statements per request, by kind."""

    def __init__(self, client, engine):
        self.client = client
        self.cpu: dict[str, list[float]] = {}
        self.statements = 0
        self.queries: dict[str, list[int]] = {}
        from sqlalchemy import event

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_args):
            self.statements += 1

    def __call__(self, kind: str, method: str, url: str, **kw):
        before_q = self.statements
        start = time.process_time()
        response = self.client.open(url, method=method, **kw)
        self.cpu.setdefault(kind, []).append(time.process_time() - start)
        self.queries.setdefault(kind, []).append(self.statements - before_q)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {url}: HTTP {response.status_code}")
        return response


def journey(req) -> None:
    start = req("start GET", "GET", "/survey/residents/")
    csrf = CSRF.search(start.data).group(1).decode()
    location = req(
        "start POST", "POST", "/survey/residents/start", data={"csrf_token": csrf}
    ).location
    for _ in range(30):
        if location.endswith("/check"):
            break
        page = req("page GET", "GET", location)
        csrf = CSRF.search(page.data).group(1).decode()
        page_id = location.rsplit("/", 1)[-1].split("?")[0]
        data = {"csrf_token": csrf, **PAGES.get(page_id, {})}
        location = req("page POST", "POST", location, data=data).location
    check = req("check GET", "GET", location)
    csrf = CSRF.search(check.data).group(1).decode()
    token = TOKEN.search(check.data).group(1).decode()
    r = req(
        "submit POST",
        "POST",
        "/survey/residents/submit",
        data={"csrf_token": csrf, "submission_token": token},
    )
    done = req("confirmation GET", "GET", r.location)
    assert b"Answers sent" in done.data, done.data[:500]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=40)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--sort", default="cumulative", help="profile order (e.g. tottime)")
    parser.add_argument("--queries", action="store_true", help="SQL statements per request")
    args = parser.parse_args()

    app = make_app(args.database)
    from consult.db import engine

    with app.app_context():
        eng = engine()
    warm = Timer(app.test_client(), eng)
    for _ in range(3):  # templates compiled, caches filled, connections open
        journey(Timer(app.test_client(), eng))
        warm("healthz", "GET", "/healthz")

    profiler = cProfile.Profile() if args.profile else None
    timers = []
    health = Timer(app.test_client(), eng)
    # Interleave /healthz and journeys so both see the same machine load.
    for _ in range(args.journeys):
        t = Timer(app.test_client(), eng)
        if profiler:
            profiler.enable()
        journey(t)
        if profiler:
            profiler.disable()
        timers.append(t)
        n = sum(len(v) for v in t.cpu.values())
        for _ in range(n):
            health("healthz", "GET", "/healthz")

    by_kind: dict[str, list[float]] = {}
    queries: dict[str, Counter] = {}
    for t in timers:
        for kind, values in t.cpu.items():
            by_kind.setdefault(kind, []).extend(values)
        for kind, values in t.queries.items():
            queries.setdefault(kind, Counter()).update(values)
    all_journey = [v for values in by_kind.values() for v in values]
    healthz_ms = statistics.fmean(health.cpu["healthz"]) * 1000
    journey_ms = statistics.fmean(all_journey) * 1000
    result = {
        "database": args.database,
        "journeys": args.journeys,
        "requests_per_journey": len(all_journey) // args.journeys,
        "healthz_cpu_ms": round(healthz_ms, 3),
        "journey_cpu_ms_per_request": round(journey_ms, 3),
        "ratio_to_healthz": round(journey_ms / healthz_ms, 2),
        "by_kind_cpu_ms": {
            k: round(statistics.fmean(v) * 1000, 3) for k, v in sorted(by_kind.items())
        },
    }
    if args.queries:
        result["sql_statements_per_request"] = {
            k: dict(sorted(c.items())) for k, c in sorted(queries.items())
        }
        result["healthz_sql_statements"] = dict(Counter(health.queries["healthz"]))
    print(json.dumps(result, indent=2))
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
