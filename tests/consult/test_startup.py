"""Start-up: a ``consult`` command that does not analyse text loads no NLP library and no
model (it started in 8-10 s when importing ``nlp`` imported PyTorch and spaCy, and the
safeguarding model's "Loading weights" bar was drawn over ``users create``'s password
prompt); and a process that exits while the safeguarding model is loading exits cleanly
(issue 24: "RuntimeError: cannot schedule new futures after interpreter shutdown").

Each check runs in a fresh interpreter, as a user's command does: this test process has
long since imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "spacy", "thinc", "sentence_transformers", "transformers", "umap",
         "hdbscan", "bertopic", "sklearn", "matplotlib")

SEED_A_RUN = """
from pathlib import Path

from consult import create_app
from consult.analysis import service
from consult.analysis.models import AnalysisRun
from consult.analysis.public_views.cache import cached_report
from consult.db import get_db
from consult.jobs import enqueue
from consult.migrations_cli import upgrade_database
from consult.survey_store import load_folder
from tests.consult.analysis.public_views.test_analysis_export import review
from tests.consult.analysis.test_analysis_support import ANALYSIS_CONFIG, seed_residents, version_of

app = create_app({**ANALYSIS_CONFIG, "SAFEGUARDING_SCREENER": "rules"})
with app.app_context(), app.test_request_context():
    upgrade_database()
    db = get_db()
    load_folder(db, Path(app.config["SURVEYS_DIR"]), app.config["DISTRICTS"])
    seed_residents(db)
    db.commit()
    run = service.create_run(db, version_ids=[version_of(db).id],
                             question_codes=["worry_text"], user=None, title="seeded")
    db.commit()
    enqueue("analysis.run", {"run_id": run.id}, db=db)
    db.commit()
    review(db, run.id, "Speeding", "Drug dealing")
    cached_report(db, db.get(AnalysisRun, run.id))
"""

# The commands a user runs that do not analyse text, one after another in one interpreter
# (each creates its own app, as it does when run alone), then what that interpreter loaded.
COMMANDS = """
import json, sys, threading
from consult.cli import cli

out = sys.argv[1]
commands = [
    ["--help"],
    ["users", "create", "--email", "lead@example.org", "--role", "safeguarding_lead",
     "--password-stdin"],
    ["users", "list"],
    ["surveys", "validate"],
    ["surveys", "load"],
    ["db", "current"],
    ["jobs", "list"],
    ["analysis", "export", "1", "--format", "csv", "--out", out + "/views.csv"],
    ["analysis", "export", "1", "--format", "json", "--out", out + "/views.json"],
    ["purge", "--dry-run"],
]
for args in commands:
    try:
        cli.main(args, prog_name="consult", standalone_mode=False)
    except SystemExit as exc:  # --help
        assert not exc.code, (args, exc.code)
print(json.dumps({
    "heavy": sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[2:])),
    "threads": sorted(t.name for t in threading.enumerate()),
}))
"""


def _python(code: str, *args: str, env: dict, stdin: str = "", timeout: int = 300):
    return subprocess.run(
        [sys.executable, "-c", code, *args], input=stdin, capture_output=True, text=True,
        env=env, cwd=ROOT, timeout=timeout, check=False,
    )


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CONSULT_", "SAFEGUARDING_", "DATABASE_URL", "REDIS_URL"))}
    env.update(CONSULT_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONPATH=str(ROOT))
    return env


def test_commands_that_do_not_analyse_text_load_no_nlp_library_and_no_model(tmp_path):
    env = _env(tmp_path)
    seeded = _python(SEED_A_RUN, env=env)
    assert seeded.returncode == 0, seeded.stderr

    done = _python(COMMANDS, str(tmp_path), *HEAVY, env=env,
                   stdin="a long enough password\n")

    assert done.returncode == 0, done.stderr
    assert "Created safeguarding_lead lead@example.org" in done.stdout
    assert "Traceback" not in done.stderr and "Loading" not in done.stderr, done.stderr
    assert "Speeding" in (tmp_path / "views.csv").read_text()
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["heavy"] == []  # the default "best" screener, as a deployment has it
    assert "warm-screener" not in loaded["threads"]


# The safeguarding model's load stands in for the real one: like the real one, it hands work
# to a thread pool. The app's first request starts it; it is still loading when the process
# exits.
EXIT_WHILE_LOADING = """
import sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from consult import create_app
from consult.safeguarding import screening

leaving = threading.Event()

class SlowModel:
    def warm(self):
        leaving.wait(60)
        time.sleep(0.5)  # the rest of the load, while the interpreter shuts down
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(print, "model loaded", flush=True).result()
        return self

screening._screeners["best"] = SlowModel()
app = create_app({"DATABASE_URL": "sqlite:///" + sys.argv[1], "SAFEGUARDING_SCREENER": "best"})
assert not any(t.name == "warm-screener" for t in threading.enumerate())
app.test_client().get("/")
assert any(t.name == "warm-screener" for t in threading.enumerate())
print("exiting", flush=True)
leaving.set()
"""


def test_a_process_exiting_while_the_model_loads_exits_cleanly(tmp_path):
    done = _python(EXIT_WHILE_LOADING, str(tmp_path / "db.sqlite3"), env=_env(tmp_path),
                   timeout=120)

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "cannot schedule new futures" not in done.stderr
    # the load the first request started was finished, not cut off, before the exit
    assert done.stdout.split() == ["exiting", "model", "loaded"]
