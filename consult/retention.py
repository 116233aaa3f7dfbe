"""Retention: ``consult purge`` deletes what the privacy notice says we no longer keep.

- Responses older than their survey's retention period (``retention_days`` in the
  definition of the version they answered), with every row that refers to them (their
  submitted progress, safeguarding flags and their actions, theme assignments...): the
  foreign keys to ``response`` are followed, so a new table that refers to responses is
  purged with them without a change here.
- Anonymous progress that has expired (abandoned or finished surveys).

Features can hold responses back from the purge (``register_hold``): safeguarding keeps a
flagged pupil answer until a lead has reviewed it, because a disclosure must never vanish
unread. Held responses are counted and reported, and purged on a later run once released.

Safeguarding records (a response with a reviewed safeguarding flag, the flag and the
leads' notes) have their own retention, longer than the survey's: by default until the
youngest pupil in the session would be 25 (``SAFEGUARDING_RETENTION_AGE``), as schools'
child-protection guidance suggests; ``SAFEGUARDING_RETENTION_DAYS`` sets a fixed period
instead. A flagged answer with no classroom session is kept as if the pupil were in
reception (age 4): 21 years.

Personal text copied elsewhere goes with the response: the text of an approved quote in
the theme history (``analysis_theme_event.details``) is scrubbed.

Imported responses count from their original submission date (the import's date column),
not the day they were imported.

Each run is written to the audit trail with its counts. ``--dry-run`` does the same work
inside a savepoint and rolls it back, so what it predicts is what a real run deletes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext
from sqlalchemy import Select, Table, delete, func, select
from sqlalchemy.orm import Session

from consult.db import Base, get_db, import_models
from consult.models import AuditEvent, Progress, Response, SurveyVersion, utcnow
from consult.templating import plural

# Functions returning a SELECT of response ids that must not be purged yet.
purge_holds: list[Callable[[], Select]] = []


# Called with (db, SELECT of expired progress ids) before expired progress is deleted:
# safeguarding screens pupils' unsent answers there, so a disclosure is queued, not lost.
before_progress_purge: list[Callable] = []


# Called with (db, PurgeReport) after a real purge deleted responses: derived copies kept
# outside the database (the analysis's built reports, with their quotes) are dropped there.
after_purge: list[Callable] = []


def register_hold(rule: Callable[[], Select]) -> Callable[[], Select]:
    if rule not in purge_holds:
        purge_holds.append(rule)
    return rule


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
        out.append(f"Expired survey progress: {self.expired_progress} {verb}")
        out.append(f"Total: {plural(self.responses, 'response')} {verb}")
        return out


def _referrers(table: Table) -> list[tuple[Table, object]]:
    """(table, column) pairs whose foreign key points at ``table``'s primary key."""
    import_models()
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


SCRUBBED = "[removed: the response was deleted at the end of its retention period]"


def _scrub_theme_events(db: Session, quote_ids: set[int]) -> int:
    """Remove quoted text from the theme history of quotes being deleted."""
    if not quote_ids:
        return 0
    import_models()
    from consult.analysis.models import ThemeEvent

    scrubbed = 0
    events = db.scalars(
        select(ThemeEvent).where(
            ThemeEvent.action.in_(("approve_quote", "add_quote", "edit_quote", "withdraw_quote"))
        )
    )
    for event in events:
        details = dict(event.details or {})
        if details.get("quote") in quote_ids and any(
            isinstance(details.get(k), str) and details[k] != SCRUBBED
            for k in ("text", "from_text", "to_text")
        ):
            for key in ("text", "from_text", "to_text"):
                if key in details:
                    details[key] = SCRUBBED
            event.details = details
            scrubbed += 1
    return scrubbed


def _quotes_of(db: Session, response_ids: Select) -> set[int]:
    import_models()
    from consult.analysis.models import Quote

    return set(db.scalars(select(Quote.id).where(Quote.response_id.in_(response_ids))))


def safeguarding_keep_until(
    flagged_on: dt.datetime, year_group: str | None, age: int = 25
) -> dt.datetime:
    """When the youngest pupil who could have been in the session turns ``age``.

    In England a pupil in Year N on a date in the school year starting September S was born
    between 1 September S-N-5 and 31 August S-N-4; the youngest turns ``age`` on 31 August
    of S-N-4+age. Unknown or mixed years count as reception (N=0, the youngest at school).
    """
    start_year = flagged_on.year if flagged_on.month >= 9 else flagged_on.year - 1
    n = 0
    if year_group and year_group.startswith("year_") and year_group[5:].isdigit():
        n = int(year_group[5:])
    return dt.datetime(start_year - n - 4 + age, 8, 31, 23, 59, 59)


def _safeguarding_kept(db: Session, now: dt.datetime, config: dict) -> set[int]:
    """Responses whose reviewed safeguarding records are still within their retention."""
    import_models()
    from consult.safeguarding.models import SafeguardingFlag
    from consult.schools.models import ClassroomSession

    rows = db.execute(
        select(
            SafeguardingFlag.response_id, SafeguardingFlag.created_at, ClassroomSession.year_group
        )
        .outerjoin(ClassroomSession, ClassroomSession.id == SafeguardingFlag.classroom_session_id)
        .where(SafeguardingFlag.status != "open")
    ).all()
    fixed_days = config.get("SAFEGUARDING_RETENTION_DAYS")
    age = int(config.get("SAFEGUARDING_RETENTION_AGE", 25))
    kept = set()
    for response_id, created_at, year_group in rows:
        if fixed_days:
            until = created_at + dt.timedelta(days=int(fixed_days))
        else:
            until = safeguarding_keep_until(created_at, year_group, age)
        if until > now:
            kept.add(response_id)
    return kept


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
        return report
    report = _purge(db, now, config)
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
    safeguarding = _safeguarding_kept(db, now, config)
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
        held_ids = set(db.scalars(old)) & safeguarding
        if held_ids:
            old = old.where(Response.id.not_in(held_ids))
            report.safeguarding_kept += len(held_ids)
        count = db.scalar(select(func.count()).select_from(old.subquery())) or 0
        if count:
            report.events_scrubbed += _scrub_theme_events(db, _quotes_of(db, old))
            _purge_rows(db, Response.__table__, old, report.dependents)
            db.execute(delete(Response).where(Response.id.in_(old)))
        report.versions.append(
            VersionPurge(version.survey_id, version.version, days, cutoff, count, total_due - count)
        )
    # Staff sign-in bookkeeping: failures older than a day, sessions ended 90 days ago.
    from consult.auth import sessions, throttle

    report.staff_rows = throttle.forget_older_than(
        db, now - dt.timedelta(days=1)
    ) + sessions.forget_older_than(db, now - dt.timedelta(days=90))
    return report


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
        for line in report.lines():
            click.echo(line)
