"""The public views' figures, built once per change (not once per view), where every process
of the app finds them.

A report is stored under its run's fingerprint (:func:`.queries.fingerprint`: anything
that could change a published figure changes it) and the reporting settings, in memory and
as a file in the instance folder, so web workers and job workers on this machine share it.
After an analyst's change, :func:`start_build` sends an ``analysis.report`` job that builds
the figures and draws the charts while the analyst is still on the page they changed; the
first view after the change then finds them ready.

A view never shows stale figures as current, and never waits on a job: while a build is
running, :func:`report_for_view` returns None at once, so the page says the figures are
being updated and reloads itself when the job is done. A build not started yet (queued
behind other work, such as a long analysis run on the only worker) is not waited for: the
view builds the figures itself.

This module is the caller :func:`~.build.build_report` needs: it passes in the theme
engine's ``match`` (last year's themes against this year's), so the build never reaches for
the engine itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.models import COMPLETE, AnalysisRun
from consult.analysis.public_views import queries as report_queries
from consult.analysis.public_views import stored
from consult.analysis.public_views.build import build_report
from consult.analysis.public_views.report import PublicViews

log = logging.getLogger(__name__)

JOB_KIND = "analysis.report"
FILES_KEPT_PER_RUN = 3


class ReportCache:
    """The last few reports built in this process, keyed by (run, fingerprint, settings)."""

    def __init__(self, size: int = 8):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _cache(app: Flask) -> ReportCache:
    cache = app.extensions.get("analysis_report_cache")
    if cache is None:
        cache = app.extensions["analysis_report_cache"] = ReportCache()
    return cache


def clear(app: Flask) -> None:
    """Forget every built report, in memory and on disk (benchmarks, tests)."""
    _cache(app).clear()
    for path in _folder(app).glob("run-*.json"):
        path.unlink(missing_ok=True)


def forget_after_purge(_db: Session, _report) -> None:
    """``consult purge`` deleted responses: drop every built report (quotes included), in
    memory and on disk, so no deleted answer's words outlive it in a cache file."""
    clear(current_app)


def key_of(db: Session, run: AnalysisRun) -> tuple:
    app = current_app
    settings = (
        app.config.get("SUPPRESSION_THRESHOLD"),
        app.config.get("ANALYSIS_REPORT_MIN_BASE"),
        app.config.get("ANALYSIS_SIGNIFICANCE"),
    )
    baseline = queries.baseline_run_for(db, run)
    return (run.id, report_queries.fingerprint(db, run, baseline), settings)


# --- memory, then the instance folder -------------------------------
def _folder(app: Flask) -> Path:
    return Path(app.config.get("ANALYSIS_REPORT_CACHE_DIR") or Path(app.instance_path) / "reports")


@lru_cache(maxsize=1)
def _code_version() -> str:
    """The code that shapes a stored report: a file written by another version of it is
    never read back (its fields may differ). Every module of the package counts."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _path(app: Flask, key: tuple) -> Path:
    digest = hashlib.sha256(repr((*key[1:], _code_version())).encode()).hexdigest()[:32]
    return _folder(app) / f"run-{key[0]}-{digest}.json"


def lookup(app: Flask, key: tuple) -> PublicViews | None:
    found = _cache(app).get(key)
    if found is not None:
        return found
    path = _path(app, key)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        # Plain data (JSON), never a pickle: a file swapped in cannot run code.
        found = stored.load(json.loads(data))
    except Exception:  # a file from an older version of the code: build again
        log.warning("could not read the stored report %s; it will be built again", path)
        return None
    _cache(app).put(key, found)
    return found


def store(app: Flask, key: tuple, report: PublicViews) -> None:
    """Keep a report in memory and on disk (written whole, then renamed into place, so a
    reader never sees half a file); older files of the same run are removed."""
    report.fingerprint = key[1]
    _cache(app).put(key, report)
    folder = _folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    target = _path(app, key)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".building-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(stored.dump(report), f, ensure_ascii=False)
        os.replace(tmp, target)
    except OSError:
        log.exception("could not store the report of run %s", key[0])
        Path(tmp).unlink(missing_ok=True)
        return
    older = sorted(
        (p for p in folder.glob(f"run-{key[0]}-*.json") if p != target),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for p in older[FILES_KEPT_PER_RUN - 1 :]:
        p.unlink(missing_ok=True)


# --- building -------------------------------
def _fresh(db: Session, run: AnalysisRun) -> PublicViews:
    """The figures built now, with the configured engine's way of matching last year's
    themes (it reads the themes' stored centroids; nothing is embedded)."""
    from consult.analysis.runs.engine import get_engine

    return build_report(db, run, match=get_engine().match)


def build(db: Session, run: AnalysisRun, *, charts: bool = False) -> PublicViews | None:
    """Build and store the figures (and, with ``charts``, draw every chart into them).
    Returns None when a change arrived during the build: those figures are never stored,
    since they may mix the states before and after it."""
    from consult.analysis.public_views.charts import chart_names, chart_png

    app = current_app._get_current_object()
    key = key_of(db, run)
    report = _fresh(db, run)
    if key_of(db, run) != key:
        return None
    store(app, key, report)
    if charts:
        for name in chart_names(report):
            if _active_builds(db, run.id, ("queued",)):
                return report  # a newer change is waiting: its figures matter more
            chart_png(report, name)
            db.rollback()  # end the read snapshot, so the next look sees new jobs
        store(app, key, report)  # again, with the charts, for the other processes
    return report


def cached_report(db: Session, run: AnalysisRun) -> PublicViews:
    """The figures as they are now: stored ones if they are current, else built here."""
    app = current_app._get_current_object()
    for _attempt in range(3):
        key = key_of(db, run)
        found = lookup(app, key)
        if found is not None:
            return found
        built = build(db, run)
        if built is not None:
            return built
    # Changes keep arriving (a script approving quotes in a loop): these figures are
    # current as of their own fingerprint, which is all a reader can be given.
    report = _fresh(db, run)
    report.fingerprint = key_of(db, run)[1]
    return report


def build_job(db: Session, run_id: int) -> dict:
    """The ``analysis.report`` job: build the figures and the charts for the run's current
    state; built again if a change arrives meanwhile (a few times at most)."""
    run = db.get(AnalysisRun, run_id)
    if run is None or run.status != COMPLETE:
        return {"run_id": run_id, "built": False}
    app = current_app._get_current_object()
    for _attempt in range(3):
        key = key_of(db, run)
        found = lookup(app, key)
        if found is not None and _has_charts(found):
            return {"run_id": run_id, "built": False}
        if build(db, run, charts=True) is not None:
            return {"run_id": run_id, "built": True}
        db.rollback()  # read the newer state afresh
    return {"run_id": run_id, "built": False}


def _has_charts(report: PublicViews) -> bool:
    return bool(report.__dict__.get("_artifacts"))


# --- the job, sent after a change (a view never waits for it) -------------------------------
def _active_builds(db: Session, run_id: int, statuses=("queued", "running")):
    from consult.analysis.active_jobs import active_jobs

    return active_jobs(db, JOB_KIND, run_id, statuses)


def start_build(db: Session, run: AnalysisRun, user_id: int | None = None):
    """Send a build job for the run's current state, unless one is already waiting to start
    (it will read the newest state when it starts). Returns the job that will build it."""
    from consult.jobs import enqueue

    waiting = _active_builds(db, run.id, ("queued",))
    if waiting:
        return waiting[-1]
    return enqueue(JOB_KIND, {"run_id": run.id}, db=db, user_id=user_id)


def report_for_view(db: Session, run: AnalysisRun) -> tuple[PublicViews | None, object]:
    """(report, None) when the current figures are ready (or were built here), or
    (None, job) while a build job is running: the page then says the figures are being
    updated and follows the job. Never waits: a job not started yet is not waited for."""
    from consult.jobs import RUNNING

    app = current_app._get_current_object()
    key = key_of(db, run)
    found = lookup(app, key)
    if found is not None:
        return found, None
    active = _active_builds(db, run.id)
    running = [j for j in active if j.status == RUNNING]
    if running:
        return None, running[-1]
    if not active:
        # Nothing is building these figures: send the job (it draws the charts too). A
        # worker that runs it at once (or inline) may have the figures ready already.
        job = start_build(db, run)
        found = lookup(app, key)
        if found is not None:
            return found, None
        if job is not None and job.status == RUNNING:
            return None, job
    # Not started (the worker is busy with longer work), failed, or built for a state that
    # has changed since: build here, so the page is late rather than wrong.
    return cached_report(db, run), None
