"""Retention: ``consult purge`` deletes what the privacy notice says we no longer keep.

- Responses older than their survey's retention period (``retention_days`` in the
  definition of the version they answered), with every row that refers to them (their
  submitted progress, safeguarding flags and their actions, theme assignments...): the
  foreign keys to ``response`` are followed, so a new table that refers to responses is
  purged with them without a change here.
- Anonymous progress that has expired (abandoned or finished surveys).

Other packages take part through hooks they register from their ``init_app`` (this module
imports none of their models): ``register_hold`` holds responses back from the purge
(safeguarding keeps a flagged pupil answer until a lead has reviewed it, because a
disclosure must never vanish unread; held responses are counted and reported, and purged on
a later run once released); ``register_keep`` keeps records that have their own, longer
retention (safeguarding records: by default until the youngest pupil in the session would
be 25, ``SAFEGUARDING_RETENTION_AGE``, or ``SAFEGUARDING_RETENTION_DAYS``);
``register_before_progress_purge``, ``register_before_response_purge`` (the analysis
scrubs quoted text from its theme history), ``register_after_purge`` (the analysis drops
its built reports) and ``register_housekeeping`` (auth forgets old sign-in records).

Personal text copied elsewhere goes with the response (the analysis's hook scrubs the text
of an approved quote from its theme history).

Imported responses count from their original submission date (the import's date column),
not the day they were imported.

Each run is written to the audit trail with its counts. ``--dry-run`` does the same work
inside a savepoint and rolls it back, so what it predicts is what a real run deletes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext
from sqlalchemy import Select, Table, delete, func, select, text
from sqlalchemy.orm import Session

from consult.base import Base
from consult.db import get_db
from consult.models import AuditEvent, Progress, Response, SurveyVersion, utcnow
from consult.templating import plural

# The hooks, filled by the packages' ``init_app`` through the ``register_*`` functions below.
# Functions returning a SELECT of response ids that must not be purged yet.
purge_holds: list[Callable[[], Select]] = []
# Called with (db, now, config): the set of response ids past their survey's retention that
# are kept with records of longer retention (reviewed safeguarding flags).
keep_rules: list[Callable[[Session, dt.datetime, Mapping], set[int]]] = []
# Called with (db, SELECT of expired progress ids) before expired progress is deleted:
# safeguarding screens pupils' unsent answers there, so a disclosure is queued, not lost.
before_progress_purge: list[Callable[[Session, Select], None]] = []
# Called with (db, SELECT of the ids of responses about to be deleted); returns how many
# rows it scrubbed of their text (the analysis's theme history quoting them).
before_response_purge: list[Callable[[Session, Select], int]] = []
# Called with (db, PurgeReport) after a real purge deleted responses: derived copies kept
# outside the database (the analysis's built reports, with their quotes) are dropped there.
after_purge: list[Callable] = []
# Called with (db, now) on every purge; returns how many rows it deleted (auth's old
# sign-in failures and ended sessions).
housekeeping: list[Callable[[Session, dt.datetime], int]] = []
file_cleanups: list[Callable] = []


def _add(hooks: list, hook: Callable) -> Callable:
    if hook not in hooks:
        hooks.append(hook)
    return hook


def register_hold(rule: Callable[[], Select]) -> Callable[[], Select]:
    return _add(purge_holds, rule)


def register_keep(rule: Callable[[Session, dt.datetime, Mapping], set[int]]) -> Callable:
    return _add(keep_rules, rule)


def register_before_progress_purge(hook: Callable[[Session, Select], None]) -> Callable:
    return _add(before_progress_purge, hook)


def register_before_response_purge(hook: Callable[[Session, Select], int]) -> Callable:
    return _add(before_response_purge, hook)


def register_after_purge(hook: Callable) -> Callable:
    return _add(after_purge, hook)


def register_housekeeping(hook: Callable[[Session, dt.datetime], int]) -> Callable:
    return _add(housekeeping, hook)


def register_file_cleanup(hook: Callable[[PurgeReport, bool], int]) -> Callable:
    """``hook(report, dry_run)`` removes files outside the database that hold copies of
    answers (caches, staged uploads) and returns how many it removed (or, in a dry run,
    would remove: a dry run deletes nothing)."""
    return _add(file_cleanups, hook)


@dataclass
class VersionPurge:
    survey_id: str
    version: int
    retention_days: int
    cutoff: dt.datetime
    responses: int
    held: int = 0


@dataclass
class PurgeReport:
    versions: list[VersionPurge] = field(default_factory=list)
    expired_progress: int = 0
    # Rows deleted because they referred to a purged response, by table.
    dependents: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    # Past the survey's retention but within their safeguarding records' own retention.
    safeguarding_kept: int = 0
    # Theme history events whose quoted text was removed.
    events_scrubbed: int = 0
    staff_rows: int = 0
    # Files outside the database holding copies of answers (caches, staged uploads).
    files_removed: int = 0

    @property
    def responses(self) -> int:
        return sum(v.responses for v in self.versions)

    def lines(self) -> list[str]:
        verb = "would be deleted" if self.dry_run else "deleted"
        out = []
        for v in self.versions:
            out.append(
                f"{v.survey_id} version {v.version}: {plural(v.responses, 'response')} {verb} "
                f"(kept {plural(v.retention_days, 'day')}: "
                f"submitted before {v.cutoff:%Y-%m-%d %H:%M} UTC)"
            )
            if v.held:
                out.append(
                    f"  {plural(v.held, 'response')} past retention kept: held for an unreviewed "
                    "safeguarding flag or another hold"
                )
        if not self.versions:
            out.append("No published surveys: no responses to purge.")
        for table, count in sorted(self.dependents.items()):
            if count:
                out.append(f"  with them, {plural(count, 'row')} of {table} {verb}")
        if self.safeguarding_kept:
            out.append(
                f"{plural(self.safeguarding_kept, 'response')} past retention kept with their "
                "safeguarding records (their own retention: SAFEGUARDING_RETENTION_AGE)"
            )
        if self.events_scrubbed:
            scrubbed = "would have" if self.dry_run else "had"
            out.append(
                f"{plural(self.events_scrubbed, 'theme history event')} {scrubbed} "
                "quoted text removed"
            )
        if self.files_removed:
            out.append(
                f"{plural(self.files_removed, 'cached or staged file')} holding copies of "
                f"answers {'would be removed' if self.dry_run else 'removed'}"
            )
        out.append(f"Expired survey progress: {self.expired_progress} {verb}")
        out.append(f"Total: {plural(self.responses, 'response')} {verb}")
        return out


def _referrers(table: Table) -> list[tuple[Table, object]]:
    """(table, column) pairs whose foreign key points at ``table``'s primary key. The
    metadata knows every table: ``create_app`` imports every model (``consult.schema``)."""
    found = []
    for other in Base.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is table and fk.column.primary_key:
                found.append((other, fk.parent))
    return found


def _purge_rows(db: Session, table: Table, ids: Select, counts: dict[str, int], depth=0) -> None:
    """Delete the rows that refer to the ``table`` rows whose id is in ``ids``, deepest
    first. The ``table`` rows themselves are left to the caller."""
    if depth > 10:  # a cycle of foreign keys: refuse rather than loop
        raise RuntimeError(f"foreign keys to {table.name} nest too deeply")
    for child, column in _referrers(table):
        if child is table:  # a self-reference (e.g. a re-run's link) is not a dependent
            continue
        pk = list(child.primary_key.columns)
        if len(pk) == 1:
            _purge_rows(db, child, select(pk[0]).where(column.in_(ids)), counts, depth + 1)
        n = db.execute(delete(child).where(column.in_(ids))).rowcount
        counts[child.name] = counts.get(child.name, 0) + (n or 0)


def purge(
    db: Session, now: dt.datetime | None = None, dry_run: bool = False, config: dict | None = None
) -> PurgeReport:
    """Delete what is past its retention; with ``dry_run`` do the same inside a savepoint
    and roll it back (so the counts are the real ones). The caller commits."""
    if dry_run:
        savepoint = db.begin_nested()
        try:
            report = _purge(db, now, config)
        finally:
            savepoint.rollback()
        report.dry_run = True
        report.files_removed = sum(clean(report, True) for clean in file_cleanups)
        return report
    report = _purge(db, now, config)
    # Files cannot be rolled back: they go only in a real purge (a dry run counts them).
    report.files_removed = sum(clean(report, False) for clean in file_cleanups)
    if report.responses:
        for forget in after_purge:
            forget(db, report)
    db.add(
        AuditEvent(
            action="retention.purge",
            target="responses",
            details={
                "responses": report.responses,
                "expired_progress": report.expired_progress,
                "dependents": report.dependents,
                "safeguarding_kept": report.safeguarding_kept,
                "events_scrubbed": report.events_scrubbed,
                "files_removed": report.files_removed,
                "by_version": {f"{v.survey_id}:{v.version}": v.responses for v in report.versions},
            },
        )
    )
    return report


def _purge(db: Session, now: dt.datetime | None, config: dict | None) -> PurgeReport:
    if config is None:
        from flask import current_app

        config = current_app.config
    now = now or utcnow()
    report = PurgeReport()
    for guard in before_progress_purge:  # e.g. safeguarding screens unsent pupil answers
        guard(db, select(Progress.id).where(Progress.expires_at < now))
    report.expired_progress = (
        db.execute(delete(Progress).where(Progress.expires_at < now)).rowcount or 0
    )
    kept = set().union(*(rule(db, now, config) for rule in keep_rules))
    versions = db.scalars(
        select(SurveyVersion).order_by(SurveyVersion.survey_id, SurveyVersion.version)
    ).all()
    for version in versions:
        days = int((version.definition or {}).get("retention_days") or 730)
        cutoff = now - dt.timedelta(days=days)
        due = select(Response.id).where(
            Response.survey_version_id == version.id, Response.submitted_at < cutoff
        )
        old = due
        for hold in purge_holds:
            old = old.where(Response.id.not_in(hold()))
        total_due = db.scalar(select(func.count()).select_from(due.subquery())) or 0
        held_ids = set(db.scalars(old)) & kept
        if held_ids:
            old = old.where(Response.id.not_in(held_ids))
            report.safeguarding_kept += len(held_ids)
        count = db.scalar(select(func.count()).select_from(old.subquery())) or 0
        if count:
            for scrub in before_response_purge:  # e.g. quoted text in the theme history
                report.events_scrubbed += scrub(db, old)
            _purge_rows(db, Response.__table__, old, report.dependents)
            db.execute(delete(Response).where(Response.id.in_(old)))
        report.versions.append(
            VersionPurge(version.survey_id, version.version, days, cutoff, count, total_due - count)
        )
    # e.g. staff sign-in bookkeeping: failures older than a day, sessions ended 90 days ago.
    report.staff_rows = sum(forget(db, now) for forget in housekeeping)
    return report


def forget_old_pages(db: Session) -> None:
    """On SQLite, copy the write-ahead log into the database and empty it, so the deleted
    rows' old pages do not outlive the purge there (secure_delete zeroes them in the file)."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def register(cli: click.Group) -> None:
    @cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
    @with_appcontext
    def purge_command(dry_run):
        """Delete responses older than their survey's retention period, and expired
        anonymous progress, saying what was deleted."""
        db = get_db()
        report = purge(db, dry_run=dry_run)
        if dry_run:
            db.rollback()
        else:
            db.commit()
            forget_old_pages(db)
        for line in report.lines():
            click.echo(line)
