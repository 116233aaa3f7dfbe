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

Each run is written to the audit trail with its counts. ``--dry-run`` counts only.
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

# Functions returning a SELECT of response ids that must not be purged yet.
purge_holds: list[Callable[[], Select]] = []


# Called with (db, SELECT of expired progress ids) before expired progress is deleted:
# safeguarding screens pupils' unsent answers there, so a disclosure is queued, not lost.
before_progress_purge: list[Callable] = []


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

    @property
    def responses(self) -> int:
        return sum(v.responses for v in self.versions)

    def lines(self) -> list[str]:
        verb = "would be deleted" if self.dry_run else "deleted"
        out = []
        for v in self.versions:
            out.append(
                f"{v.survey_id} version {v.version}: {v.responses} response(s) {verb} "
                f"(kept {v.retention_days} days: submitted before {v.cutoff:%Y-%m-%d %H:%M} UTC)"
            )
            if v.held:
                out.append(
                    f"  {v.held} response(s) past retention kept: held for an unreviewed "
                    "safeguarding flag or another hold"
                )
        if not self.versions:
            out.append("No published surveys: no responses to purge.")
        for table, count in sorted(self.dependents.items()):
            if count:
                out.append(f"  with them, {count} row(s) of {table} {verb}")
        out.append(f"Expired survey progress: {self.expired_progress} {verb}")
        out.append(f"Total: {self.responses} response(s) {verb}")
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


def _purge_rows(
    db: Session, table: Table, ids: Select, counts: dict[str, int], dry_run: bool, depth=0
) -> None:
    """Delete (or count) the rows that refer to the ``table`` rows whose id is in ``ids``,
    deepest first. The ``table`` rows themselves are left to the caller."""
    if depth > 10:  # a cycle of foreign keys: refuse rather than loop
        raise RuntimeError(f"foreign keys to {table.name} nest too deeply")
    for child, column in _referrers(table):
        if child is table:  # a self-reference (e.g. a re-run's link) is not a dependent
            continue
        pk = list(child.primary_key.columns)
        if len(pk) == 1:
            _purge_rows(db, child, select(pk[0]).where(column.in_(ids)), counts, dry_run, depth + 1)
        if dry_run:
            n = db.scalar(select(func.count()).select_from(child).where(column.in_(ids)))
        else:
            n = db.execute(delete(child).where(column.in_(ids))).rowcount
        counts[child.name] = counts.get(child.name, 0) + (n or 0)


def purge(db: Session, now: dt.datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete (or, with ``dry_run``, count) what is past its retention. The caller commits."""
    now = now or utcnow()
    report = PurgeReport(dry_run=dry_run)
    expired = select(Progress.id).where(Progress.expires_at < now)
    if dry_run:
        report.expired_progress = db.scalar(select(func.count()).select_from(expired.subquery()))
    else:
        for guard in before_progress_purge:
            guard(db, expired)
        report.expired_progress = (
            db.execute(delete(Progress).where(Progress.expires_at < now)).rowcount or 0
        )

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
        count = db.scalar(select(func.count()).select_from(old.subquery())) or 0
        if count:
            _purge_rows(db, Response.__table__, old, report.dependents, dry_run)
            if not dry_run:
                db.execute(delete(Response).where(Response.id.in_(old)))
        report.versions.append(
            VersionPurge(version.survey_id, version.version, days, cutoff, count, total_due - count)
        )

    if not dry_run:
        db.add(
            AuditEvent(
                action="retention.purge",
                target="responses",
                details={
                    "responses": report.responses,
                    "expired_progress": report.expired_progress,
                    "dependents": report.dependents,
                    "by_version": {
                        f"{v.survey_id}:{v.version}": v.responses for v in report.versions
                    },
                },
            )
        )
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
