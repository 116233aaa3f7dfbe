"""How long the ``consult`` commands that do not analyse text take to start and finish.

    .venv/bin/python bench/startup.py [--runs 5] [--only "users list"] [--baseline DIR]

A scratch instance folder (SQLite) is prepared first: the tables, the surveys, a small
analysis run stored with the tests' keyword engine (no models), two themes reviewed and its
public views built once, so ``analysis export`` finds the figures as a user's second export
would. Each command then runs ``--runs`` times as a user runs it (the ``consult`` entry
point in a fresh interpreter, the default "best" screener, no test settings); the table
gives the median, lowest and highest wall time, the median CPU time (user + system: it moves
less with the load than wall time), the import time of one extra run under
``python -X importtime`` (the sum of its top-level imports) and which of the heavy NLP
libraries that run imported. The load average is printed: on a shared machine the figures
move with it. ``--baseline DIR`` (another checkout, e.g. ``git worktree add /tmp/base
main``) times that code too, its runs alternating with this checkout's, so both see the same
load; its rows are marked "(baseline)".
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "spacy", "sentence_transformers", "transformers", "umap", "hdbscan",
         "bertopic", "sklearn", "scipy", "matplotlib", "pandas")
ENTRY = "import sys; from consult.cli import main; sys.argv[0] = 'consult'; main()"

SEED = """
from consult import create_app
from consult.analysis import service
from consult.analysis.models import AnalysisRun
from consult.analysis.public_views.cache import cached_report
from consult.db import get_db
from consult.jobs import enqueue
from tests.consult.analysis.public_views.test_analysis_export import review
from tests.consult.analysis.test_analysis_support import ANALYSIS_CONFIG, seed_residents, version_of

app = create_app({**ANALYSIS_CONFIG, "SAFEGUARDING_SCREENER": "rules"})
with app.app_context(), app.test_request_context():
    db = get_db()
    seed_residents(db)
    db.commit()
    run = service.create_run(db, version_ids=[version_of(db).id],
                             question_codes=["worry_text"], user=None, title="bench")
    db.commit()
    enqueue("analysis.run", {"run_id": run.id}, db=db)
    db.commit()
    review(db, run.id, "Speeding", "Drug dealing")
    cached_report(db, db.get(AnalysisRun, run.id))
    print(run.id)
"""


def commands(run_id: int, out: Path) -> list[tuple[str, list[str], str | None]]:
    """(label, arguments, standard input)."""
    return [
        ("--help", ["--help"], None),
        ("users create", ["users", "create", "--email", "{email}", "--role", "analyst",
                          "--password-stdin"], "a long enough password\n"),
        ("users list", ["users", "list"], None),
        ("surveys validate", ["surveys", "validate"], None),
        ("surveys load", ["surveys", "load"], None),
        ("db current", ["db", "current"], None),
        ("jobs list", ["jobs", "list"], None),
        ("analysis export (csv)", ["analysis", "export", str(run_id), "--format", "csv",
                                   "--out", str(out / "views.csv")], None),
        ("analysis export (docx)", ["analysis", "export", str(run_id), "--format", "docx",
                                    "--out", str(out / "views.docx")], None),
        ("purge --dry-run", ["purge", "--dry-run"], None),
    ]


def _run(args, stdin, env, importtime=False, root=ROOT):
    cmd = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", ENTRY, *args]
    env = {**env, "PYTHONPATH": str(root)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env,
                          cwd=root, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"consult {' '.join(args)} failed ({done.returncode}):\n"
                         f"{done.stdout}\n{done.stderr}")
    return elapsed, cpu, done.stderr


def _import_profile(stderr: str) -> tuple[float, list[str]]:
    total, names = 0, set()
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        names.add(m.group(3).split(".")[0])
        if len(m.group(2)) == 1:  # a top-level import: its cumulative time
            total += int(m.group(1))
    return total / 1e6, [h for h in HEAVY if h in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", action="append", help="Time only this command (repeatable).")
    parser.add_argument("--baseline", type=Path, help="Another checkout to time alongside.")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="consult-startup-") as tmp:
        env = {**os.environ, "CONSULT_INSTANCE_PATH": tmp, "PYTHONPATH": str(ROOT)}
        env.pop("SAFEGUARDING_SCREENER", None)
        for args in (["init-db"], ["surveys", "load"]):
            _run(args, None, env)
        seeded = subprocess.run([sys.executable, "-c", SEED], env=env, cwd=ROOT, check=True,
                                capture_output=True, text=True)
        run_id = int(seeded.stdout.split()[-1])
        out = Path(tmp) / "out"
        print(f"load average: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} cores)")
        print("| command | median s | min-max s | CPU s | imports s | heavy modules imported |")
        print("|---|---|---|---|---|---|")
        roots = [ROOT] + ([opts.baseline.resolve()] if opts.baseline else [])
        n = 0
        for label, args, stdin in commands(run_id, out):
            if opts.only and label not in opts.only:
                continue
            times: dict[Path, list[float]] = {root: [] for root in roots}
            cpus: dict[Path, list[float]] = {root: [] for root in roots}
            for i in range(opts.runs + 1):
                for root in roots:
                    n += 1
                    argv = [a.replace("{email}", f"bench{n}@example.org") for a in args]
                    elapsed, cpu, _err = _run(argv, stdin, env, root=root)
                    if i:  # the first run warms the disk cache
                        times[root].append(elapsed)
                        cpus[root].append(cpu)
            for root in roots:
                n += 1
                argv = [a.replace("{email}", f"bench{n}@example.org") for a in args]
                _elapsed, _cpu, err = _run(argv, stdin, env, importtime=True, root=root)
                imports, heavy = _import_profile(err)
                t = times[root]
                which = "" if root == ROOT else " (baseline)"
                print(f"| `consult {label}`{which} | {statistics.median(t):.2f} "
                      f"| {min(t):.2f}-{max(t):.2f} | {statistics.median(cpus[root]):.2f} "
                      f"| {imports:.2f} "
                      f"| {', '.join(heavy) or 'none'} |", flush=True)
        print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
