"""How long another writer waits while an analysis run's results are saved on SQLite (issue
23, finding 4), before and after saving in short transactions, in the same script.

    PYTHONPATH=. python bench/save_lock.py [N_ANSWERS] [--batch 2000]

N_ANSWERS (50,000) answers of N/2 residents are themed by the tests' fake engine (fast:
keywords, no models), then saved twice, each time into a new run: first in one transaction
(how every save was written before: ``store_result`` without ``between``), then as the
analysis job saves now (``between`` commits every ``--batch`` rows and leaves the lock free
for ``ANALYSIS_SAVE_PAUSE``, 0.15 s, so that a waiting writer's busy handler sees it). All
the while another
connection (its own engine, as a resident's request or ``consult purge`` would have) writes
a row every 50 ms with a long busy timeout and times each write: the longest wait is how long
a resident's "start" would have hung. Prints both and their ratio."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORRIES = ["Cars speeding on the main road", "Drug dealing near the shops",
           "The street lighting is broken", "Knife crime in town", "Never see a police patrol",
           "Kids vaping at the bus stop", "Litter everywhere", "nothing"]


class Writer(threading.Thread):
    """Writes a row every ``pause`` seconds through its own engine; keeps each write's time."""

    def __init__(self, url: str, pause: float = 0.05):
        super().__init__(daemon=True)
        from sqlalchemy import create_engine

        self.engine = create_engine(url, connect_args={"timeout": 600})
        self.pause = pause
        self.waits: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        from sqlalchemy import text

        while not self.stop.is_set():
            started = time.perf_counter()
            with self.engine.begin() as conn:
                conn.execute(text("UPDATE job SET heartbeat_at = CURRENT_TIMESTAMP WHERE id = 1"))
            self.waits.append(time.perf_counter() - started)
            time.sleep(self.pause)

    def finish(self) -> list[float]:
        self.stop.set()
        self.join()
        self.engine.dispose()
        return self.waits


def seed(db, n_answers: int) -> None:
    """N/2 residents' responses, two free-text answers each, in one bulk insert."""
    import datetime as dt

    from sqlalchemy import insert

    from consult.jobs import Job
    from consult.models import Response
    from tests.consult.analysis.test_analysis_support import resident, version_of

    version = version_of(db)
    rows = [dict(reference=secrets.token_hex(5).upper(), survey_version_id=version.id,
                 survey_id="residents", survey_version_number=version.version,
                 definition_hash=version.definition_hash, respondent_type="resident",
                 answers=resident(f"{WORRIES[i % 8]} {i}", f"{WORRIES[(i + 3) % 8]} {i}"),
                 submitted_at=dt.datetime(2026, 3, 1, 12), submission_key=secrets.token_hex(16))
            for i in range(n_answers // 2)]
    db.execute(insert(Response.__table__), rows)
    db.add(Job(id=1, kind="bench", payload={}, status="running", backend="thread"))
    db.commit()


def save(db, engine, label: str, batch: int | None) -> dict:
    """One save of the fake engine's result into a new run, timed, with the writer running."""
    from flask import current_app

    from consult.analysis import service
    from consult.analysis.runs import results
    from consult.analysis.runs.start import collect_answers
    from consult.db import engine as app_engine
    from tests.consult.analysis.test_analysis_support import version_of

    run = service.create_run(db, version_ids=[version_of(db).id],
                             question_codes=["worry_text", "priority_text"], user=None)
    db.commit()
    answers = collect_answers(db, run)
    result = engine.fit(answers.texts, ids=answers.ids)
    db.rollback()
    writer = Writer(str(app_engine().url))
    writer.start()
    time.sleep(0.3)  # the writer's first writes, unhindered
    started = time.perf_counter()
    if batch is None:
        results.store_result(db, run, result, answers)
    else:
        results.store_result(db, run, result, answers, batch=batch,
                             between=lambda: results.commit_batch(db, current_app.config))
    db.commit()
    seconds = time.perf_counter() - started
    time.sleep(0.3)
    waits = writer.finish()
    return {"label": label, "answers": run.n_answers, "save_s": seconds,
            "writes": len(waits), "max_wait_s": max(waits),
            "top3": [round(w, 2) for w in sorted(waits)[-3:]], "p50_wait_ms": 1000 * sorted(
                waits)[len(waits) // 2]}


def main(n_answers: int, batch: int, before_only: bool = False) -> None:
    from consult import create_app
    from consult.db import get_db
    from consult.schema import create_all
    from consult.survey_store import load_folder
    from tests.consult.analysis.test_analysis_support import FakeEngine

    tmp = Path(tempfile.mkdtemp())
    os.environ["CONSULT_INSTANCE_PATH"] = str(tmp / "instance")
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{tmp / 'b.sqlite3'}",
                      "SAFEGUARDING_SCREENER": "rules"})
    with app.app_context():
        create_all()
        db = get_db()
        load_folder(db, Path(app.config["SURVEYS_DIR"]), app.config["DISTRICTS"])
        db.commit()
        seed(db, n_answers)
        engine = FakeEngine()
        rows = [save(db, engine, "one transaction (before)", None)]
        if before_only:  # e.g. on main's code, which has no ``between``
            return print(rows)
        rows.append(save(db, engine, f"batches of {batch} (after)", batch))
    for r in rows:
        print(f"{r['label']:28} {r['answers']:>7,} answers saved in {r['save_s']:6.1f} s; "
              f"other writer: {r['writes']:4} writes, longest wait {r['max_wait_s']:6.2f} s, "
              f"median {r['p50_wait_ms']:.1f} ms (longest three: {r['top3']})")
    print(f"longest wait, before / after: {rows[0]['max_wait_s'] / rows[1]['max_wait_s']:.0f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_answers", nargs="?", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--before-only", action="store_true")
    args = parser.parse_args()
    main(args.n_answers, args.batch, args.before_only)
