"""How fast the public views page is for a large run: building the figures (cold) against
showing the page once they are built (cached), in one process.

    .venv/bin/python bench/report_speed.py [--answers 10000] [--themes 58] [--reviewed 10]
    .venv/bin/python bench/report_speed.py --sample OUT_DIR   # the issue's sample, real engine

The benchmark stores a complete analysis run straight into a scratch SQLite database (no
engine: the figures are what is measured): ``--answers`` residents' and pupils' answers in
``--themes`` themes, ``--reviewed`` of them reviewed with approved quotes. It then times
what a browser waits for, ``GET /analysis/runs/<id>/report`` (following the "Updating the
figures" page while a build runs) and then every chart image on it, through the test client
with jobs in a background thread as in the embedded default:

* cold: the report cache emptied (memory and disk), no build ahead;
* cached: no change since the last view;
* first view after a change: an analyst renames a theme (which sends the background build)
  and opens the page at once, 2 s, 5 s or 10 s later (the pause is not counted).

Each row is also given as a ratio to the cold row, which depends less on how busy the
machine is; the load average is printed.

``--sample OUT_DIR`` re-creates issue 12's sample instead: 1,100 residents' answers (real
text from ../shared/data: the Bowling Green consultation and NHS comments), one pupil
session with one pupil, the real theme engine through ``consult analysis run``, ten of the
themes reviewed (some renamed, linked or marked emerging, quotes approved), then
``consult analysis export`` to OUT_DIR/public-views.docx (convert it with LibreOffice to
look at every page).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent.parent / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")


def sample_texts(rng: random.Random, n: int) -> list[str]:
    """Issue 12's sample: the moderated Polis Bowling Green comments, topped up with NHS
    comments (shuffled by ``rng``) to ``n`` residents' concerns."""
    bowling = DATA / "polis" / "bowling-green.comments.csv"
    nhs = DATA / "nhs_feedback" / "phase1_text_data.csv"
    if not bowling.exists():
        raise SystemExit(f"{bowling} is missing: the sample needs ../shared/data")
    with bowling.open(encoding="utf-8") as f:
        texts = [r["comment-body"] for r in csv.DictReader(f) if r["moderated"] != "-1"]
    with nhs.open(encoding="utf-8") as f:
        extra = [r["feedback"] for r in csv.DictReader(f) if len(r["feedback"]) > 20]
    rng.shuffle(extra)
    return (texts + extra)[:n]


DISTRICTS = ["adur", "arun", "chichester", "crawley", "horsham", "mid_sussex", "worthing"]
AGES = ["age_16_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64", "age_65_74",
        "age_75_plus"]


def make_app(instance: Path):
    os.environ["CONSULT_INSTANCE_PATH"] = str(instance)
    os.environ["DATABASE_URL"] = f"sqlite:///{instance / 'bench.sqlite3'}"
    (instance / "config.py").write_text(
        "SECRET_KEY = 'bench-only-secret'\nSAFEGUARDING_SCREENER = 'rules'\n"
        "WTF_CSRF_ENABLED = False\nRATELIMIT_ENABLED = False\n"
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


def _version(db, survey_id):
    from sqlalchemy import select

    from consult.models import SurveyVersion

    return db.scalar(select(SurveyVersion).where(SurveyVersion.survey_id == survey_id)
                     .order_by(SurveyVersion.version.desc()))


def _response(version, answers, rtype, when):
    from consult.models import Response

    return Response(
        reference=secrets.token_hex(5).upper(), survey_version_id=version.id,
        survey_id=version.survey_id, survey_version_number=version.version,
        definition_hash=version.definition_hash, respondent_type=rtype, answers=answers,
        submitted_at=when, submission_key=secrets.token_hex(16),
    )


def seed_run(app, n_answers: int, n_themes: int, n_reviewed: int, seed: int = 0) -> int:
    """A complete run stored directly: the shape of a real one (sizes fall off like a real
    engine's, 15% of answers raise a second theme), no engine needed."""
    from consult.analysis.models import (
        COMPLETE,
        AnalysedAnswer,
        AnalysisRun,
        Quote,
        Theme,
        ThemeAssignment,
    )
    from consult.db import get_db
    from consult.models import utcnow

    rng = random.Random(seed)
    when = dt.datetime(2026, 4, 1, 10, 0)
    with app.app_context():
        db = get_db()
        residents, schools = _version(db, "residents"), _version(db, "schools")
        responses = []
        for i in range(n_answers):
            if i % 10 == 9:
                answers = {"year_group": rng.choice(["year_8", "year_9", "year_10"]),
                           "worry_text": f"pupil answer {i}", "safe_school": "fairly_safe"}
                responses.append(_response(schools, answers, "pupil", when))
            else:
                answers = {"district": rng.choice(DISTRICTS), "age_group": rng.choice(AGES),
                           "worry_text": f"resident answer {i}", "safe_dark": "fairly_safe",
                           "problems": ["asb"]}
                responses.append(_response(residents, answers, "resident", when))
        db.add_all(responses)
        db.flush()
        run = AnalysisRun(title="Benchmark run", survey_id="residents",
                          survey_version_ids=[residents.id, schools.id],
                          question_codes=["worry_text"], period="2026", status=COMPLETE,
                          completed_at=utcnow(), n_answers=n_answers,
                          n_respondents=n_answers)
        db.add(run)
        db.flush()
        weights = [1 / (k + 1) for k in range(n_themes)]
        themes = [
            Theme(run_id=run.id, label=f"Theme {k + 1}", keywords=[], size=0,
                  priority=["road_safety", "asb", "drugs_county_lines", None][k % 4],
                  emerging=k % 4 == 3, position=k,
                  reviewed_at=utcnow() if k < n_reviewed else None)
            for k in range(n_themes)
        ]
        db.add_all(themes)
        db.flush()
        answers = [AnalysedAnswer(run_id=run.id, response_id=r.id, question_code="worry_text",
                                  redacted_text=r.answers["worry_text"]) for r in responses]
        db.add_all(answers)
        db.flush()
        assignments = []
        for a in answers:
            main = rng.choices(range(n_themes), weights)[0]
            themes[main].size += 1
            assignments.append(ThemeAssignment(run_id=run.id, answer_id=a.id,
                                               response_id=a.response_id,
                                               question_code="worry_text",
                                               theme_id=themes[main].id, is_main=True))
            if rng.random() < 0.15:
                other = rng.choices(range(n_themes), weights)[0]
                if other != main:
                    assignments.append(ThemeAssignment(
                        run_id=run.id, answer_id=a.id, response_id=a.response_id,
                        question_code="worry_text", theme_id=themes[other].id, is_main=False))
        db.add_all(assignments)
        by_theme = {}
        for x in assignments:
            if x.is_main:
                by_theme.setdefault(x.theme_id, []).append(x)
        for t in themes[:n_reviewed]:
            for x in by_theme.get(t.id, [])[:3]:
                db.add(Quote(run_id=run.id, theme_id=t.id, answer_id=x.answer_id,
                             response_id=x.response_id, question_code="worry_text",
                             redacted_text=f"a quote for {t.label}", redacted=True,
                             approved_at=utcnow()))
        db.commit()
        return run.id


def timed(fn, repeat=1) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def bench(args) -> None:
    instance = Path(tempfile.mkdtemp(prefix="consult-reportspeed-"))
    app = make_app(instance)
    t0 = time.perf_counter()
    run_id = seed_run(app, args.answers, args.themes, args.reviewed)
    print(f"seeded {args.answers:,} answers, {args.themes} themes "
          f"({args.reviewed} reviewed) in {time.perf_counter() - t0:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    import re

    from sqlalchemy import select

    from consult.analysis.models import Theme
    from consult.analysis.public_views import cache as report_cache
    from consult.auth.accounts import create_user
    from consult.db import get_db

    with app.app_context():
        create_user(get_db(), email="bench@example.org", role="analyst",
                    password="report speed check passphrase 7", name="Bench")
        get_db().commit()
        reviewed = get_db().scalars(select(Theme.id).where(
            Theme.run_id == run_id, Theme.reviewed_at.is_not(None)).order_by(Theme.id)).all()
    client = app.test_client()
    assert client.post("/staff/sign-in", data={"email": "bench@example.org",
                       "password": "report speed check passphrase 7"}).status_code == 302
    url = f"/analysis/runs/{run_id}/report"

    def page_and_charts():
        """What the browser waits for: the page (polling while it says 'Updating the
        figures') and then every chart image on it."""
        r = client.get(url)
        while r.status_code == 202:
            time.sleep(0.25)
            r = client.get(url)
        assert r.status_code == 200, r.status_code
        start = time.perf_counter()
        for src in set(re.findall(r'src="(/analysis/runs/[^"]+[.]png[^"]*)"', r.text)):
            assert client.get(src.replace("&amp;", "&")).status_code == 200
        return time.perf_counter() - start

    def cold():
        report_cache.clear(app)
        return page_and_charts()

    def cached():
        return page_and_charts()

    changes = iter(range(10**6))

    def change():
        k = next(changes)
        theme = reviewed[k % len(reviewed)]
        r = client.post(f"/analysis/runs/{run_id}/themes/{theme}/rename",
                        data={"label": f"Theme renamed {k}"})
        assert r.status_code == 302, r.status_code

    def after_change(delay):
        def go():
            change()
            time.sleep(delay)
            return page_and_charts()
        return go

    def measure(fn, repeat):
        """(seconds to the page, seconds for its charts), medians."""
        pages, charts = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            chart_s = fn()
            pages.append(time.perf_counter() - start - chart_s)
            charts.append(chart_s)
        return statistics.median(pages), statistics.median(charts)

    def settle():
        from consult.jobs.runner import pool

        pool.queue.join()  # no build left over from the last measurement

    page_and_charts()  # compile templates, import matplotlib and docx, warm the database
    rows = [("cold: no build ahead (cache emptied)", measure(cold, args.repeat))]
    rows.append(("cached: no change since the last view", measure(cached, args.repeat * 3)))
    for delay, words in ((0.0, "at once"), (2.0, "2 s later"), (5.0, "5 s later"),
                         (10.0, "10 s later")):
        settle()
        p, c = measure(after_change(delay), args.repeat)
        # The change's own request and the pause are in the page figure: take the pause
        # out, keep the change (the analyst waits for it too).
        rows.append((f"first view after a change, {words}", (p - delay, c)))
    settle()
    report_cache.clear(app)
    docx_cold = timed(lambda: client.get(url + ".docx"), 1)
    docx_warm = timed(lambda: client.get(url + ".docx"), 3)
    base = rows[0][1][0] + rows[0][1][1]
    print(f"load average now {os.getloadavg()[0]:.1f}")
    print("| view | page | charts | page + charts | vs cold |")
    print("|---|---|---|---|---|")
    for name, (p, c) in rows:
        print(f"| {name} | {p:.3f} s | {c:.3f} s | {p + c:.3f} s | {(p + c) / base:.2f} |")
    print(f"Word download: first {docx_cold[0]:.2f} s (figures, charts, document), "
          f"then {statistics.median(docx_warm):.3f} s")
    from consult.jobs import Job

    with app.app_context():
        jobs = get_db().scalars(select(Job).where(Job.kind == "analysis.report")).all()
        built = [(j.finished_at - j.started_at).total_seconds() for j in jobs
                 if j.result and j.result.get("built") and j.finished_at and j.started_at]
    if built:
        print(f"background build (figures and charts): median {statistics.median(built):.2f} s "
              f"of {len(built)} jobs")


def sample(args) -> None:
    """Issue 12's sample with the real engine, through the command line."""

    out = Path(args.sample).resolve()
    out.mkdir(parents=True, exist_ok=True)
    instance = Path(tempfile.mkdtemp(prefix="consult-sample-"))
    app = make_app(instance)
    rng = random.Random(12)
    texts = sample_texts(rng, 1100)
    from consult.db import get_db

    when = dt.datetime(2026, 4, 1, 10, 0)
    with app.app_context():
        db = get_db()
        residents, schools = _version(db, "residents"), _version(db, "schools")
        for i, text in enumerate(texts):
            answers = {"district": rng.choice(DISTRICTS), "age_group": rng.choice(AGES),
                       "worry_text": text, "safe_day": rng.choice(["very_safe", "fairly_safe",
                                                                    "neither", "fairly_unsafe"]),
                       "safe_dark": rng.choice(["fairly_safe", "neither", "fairly_unsafe",
                                                "very_unsafe"]),
                       "safety_change": rng.choice(["safer", "same", "less_safe"]),
                       "problems": rng.sample(["asb", "road_safety", "drugs", "burglary"], 2)}
            rtype = "imported" if i % 11 == 0 else "resident"
            db.add(_response(residents, answers, rtype, when))
        db.add(_response(schools, {"year_group": "year_9", "safe_school": "fairly_safe",
                                   "worry_text": "people vaping in the toilets",
                                   "worries": ["drugs_vaping"]}, "pupil", when))
        db.commit()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    consult = [str(Path(sys.executable).parent / "consult")]
    subprocess.run([*consult, "analysis", "run", "--survey", "residents", "--survey",
                    "schools", "--year", "2026", "--title", "Community safety 2026"],
                   check=True, env=env)
    from sqlalchemy import select

    from consult.analysis import queries, service
    from consult.analysis.models import AnalysisRun
    from consult.analysis.priorities import priority_names

    with app.app_context():
        db = get_db()
        run = db.scalar(select(AnalysisRun).order_by(AnalysisRun.id.desc()))
        themes = queries.themes(db, run.id)
        names = priority_names()
        print(f"run {run.id}: {len(themes)} themes")
        for k, t in enumerate(themes[:10]):
            if k in (1, 4):
                service.rename(db, run, t, t.label.capitalize() + " (checked)", None)
            if not t.priority and not t.emerging:
                service.link_priority(db, run, t, None, names, None)
            t.reviewed_at = dt.datetime.now()
            service.event(db, run, t, None, "confirm", f"Confirmed ‘{t.label}’")
            for q in queries.quotes(db, t.id)[:3]:
                service.approve_quote(db, run, q, None)
        db.commit()
        run_id = run.id
    for fmt in ("docx", "html", "json", "csv"):
        subprocess.run([*consult, "analysis", "export", str(run_id), "--format", fmt,
                        "--out", str(out / f"public-views.{fmt}")], check=True, env=env)
    print(f"written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--themes", type=int, default=58)
    parser.add_argument("--reviewed", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", default=None, help="build issue 12's sample into this folder")
    args = parser.parse_args()
    if args.sample:
        sample(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
