"""The job table: one row per piece of long work (an analysis run, a theme split).

The row is the truth the pages read: status, progress, stage and message. The process
doing the work keeps ``heartbeat_at`` fresh; a job whose heartbeat goes stale while queued
in-process or running is marked failed by :func:`consult.jobs.queue.reap_stale`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consult.base import Base, utcnow

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED)
ACTIVE = (QUEUED, RUNNING)


class Job(Base):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # queued | running | succeeded | failed
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(200), default="")
    # Shown to the person who started the job (a failure says what to do next).
    message: Mapped[str] = mapped_column(Text, default="")
    # For staff with access to logs: the exception and traceback of a failure.
    error_detail: Mapped[str] = mapped_column(Text, default="")
    # A small JSON result (ids of what was made), set with the success.
    result: Mapped[dict | None] = mapped_column(JSON)
    # thread | rq | sync: where the job was sent
    backend: Mapped[str] = mapped_column(String(16), default="thread")
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    # The job this one re-runs, if any.
    rerun_of_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def done(self) -> bool:
        return self.status in (SUCCEEDED, FAILED)

    def to_dict(self) -> dict:
        def iso(value):
            return value.isoformat() + "Z" if value else None

        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": round(float(self.progress or 0.0), 4),
            "percent": int(round(100 * float(self.progress or 0.0))),
            "stage": self.stage or "",
            "message": self.message or "",
            "done": self.done,
            "result": self.result,
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "heartbeat_at": iso(self.heartbeat_at),
        }
