"""The coding job against the first analysis, in the same script (issue 11's target: after a
batch of decisions, retraining the coder and re-assigning the answers takes seconds).

    PYTHONPATH=. python bench/coding_job.py [N] [--profile OUT.pstats]

N synthetic residents' answers (the phrasings of tests/browser/test_guided_coding_browser.py,
with an opening phrase so that 10,000 distinct answers exist) are analysed with the real
engine (the baseline: the first analysis, embedding cache cold), then 50 answers are checked
in the review queue (an oracle naming each answer's concern), then the ``analysis.code`` job
runs: the run's features read back (vectors, TF-IDF rows, typicality), the coder trained,
the unreviewed answers re-assigned, not-yet-themed answers clustered, the queue reordered.
Then 10 more checks and the job again (the next batch: the coder warm-started from the
weights the first job kept). Prints the timings and their ratios to the first analysis."""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OPENERS = ["", "Honestly, ", "I think ", "As a resident, ", "My worry: ", "Mainly ",
           "In short, ", "Biggest issue: ", "Sadly, ", "Please note "]


def answers(n: int, seed: int) -> list[tuple[str, str | None]]:
    """``n`` distinct answers with the concern each is about (None: off topic)."""
    from tests.browser.test_guided_coding_browser import answers as generate

    return generate(n, seed, openers=tuple(OPENERS))


def main(n: int, profile: Path | None = None) -> None:
    from consult import create_app
    from consult.analysis import service
    from consult.analysis.coding import check_queue as review_queue
    from consult.analysis.models import AnalysedAnswer, AnalysisRun
    from consult.analysis.review import curation
    from consult.db import get_db
    from consult.jobs import enqueue
    from consult.schema import create_all
    from consult.survey_store import load_folder
    from tests.consult.analysis.test_analysis_support import add_response, resident, version_of

    tmp = Path(tempfile.mkdtemp())
    os.environ["CONSULT_INSTANCE_PATH"] = str(tmp / "instance")
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{tmp / 'b.sqlite3'}",
                      "JOBS_SYNC": True})
    with app.app_context():
        create_all()
        db = get_db()
        load_folder(db, Path(app.config["SURVEYS_DIR"]), app.config["DISTRICTS"])
        concern = {}
        for text, c in answers(n, seed=1):
            concern[add_response(db, resident(text)).id] = c
        db.commit()
        run = service.create_run(db, version_ids=[version_of(db).id],
                                 question_codes=["worry_text"], user=None)
        db.commit()
        t0 = time.perf_counter()
        job = enqueue("analysis.run", {"run_id": run.id}, db=db)
        first = time.perf_counter() - t0
        assert job.status == "succeeded", job.message
        run = db.get(AnalysisRun, run.id)
        names: dict[str, object] = {}

        def check(k: int) -> None:
            for _ in range(k):
                answer = review_queue.next_answer(db, run)
                want = concern[answer.response_id]
                if want is None:
                    review_queue.check(db, run, answer, "not_relevant", None)
                elif want in names:
                    review_queue.check(db, run, answer, "other", None, theme=names[want])
                else:
                    review_queue.check(db, run, answer, "new", None, label=want)
                    names[want] = next(t for t in curation.answer_themes(db, answer))
                db.commit()

        def code(out: Path | None):
            profiler = cProfile.Profile() if out else None
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            job = enqueue("analysis.code", {"run_id": run.id}, db=db)
            seconds = time.perf_counter() - t0
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(out))
            assert job.status == "succeeded", job.message
            return seconds, job.result

        answered = db.query(AnalysedAnswer).filter_by(run_id=run.id).count()
        check(50)
        coding, result = code(profile)
        print(f"answers {answered}: first analysis {first:.1f} s, coding job after 50 "
              f"decisions {coding:.1f} s, ratio {coding / first:.3f}; job result {result}")
        # The next batch: 10 more checks, the coder warm-started from the job before.
        check(10)
        again, result = code(profile.with_suffix(".next.pstats") if profile else None)
        print(f"after 10 more checks: coding job {again:.1f} s, ratio {again / first:.3f}; "
              f"job result {result}")

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=2000)
    parser.add_argument("--profile", type=Path, help="write the coding job's cProfile here")
    args = parser.parse_args()
    main(args.n, args.profile)
