"""What the analysis jobs share: the jobs of one kind still to finish for one run."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.jobs import QUEUED, RUNNING, Job


def active_jobs(db: Session, kind: str, run_id: int,
                statuses: tuple[str, ...] = (QUEUED, RUNNING)) -> list[Job]:
    """Jobs of ``kind`` for the run ``run_id`` (``payload["run_id"]``) in these states,
    oldest first."""
    jobs = db.scalars(
        select(Job).where(Job.kind == kind, Job.status.in_(statuses)).order_by(Job.id)
    ).all()
    return [j for j in jobs if (j.payload or {}).get("run_id") == run_id]
