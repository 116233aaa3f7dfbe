"""Pupil sessions in the classroom: one row per class session opened by school staff.

No pupil is ever recorded here: a session holds the school, the year group, how many pupils
are expected, when it ends and its join code. Pupils' answers are ordinary responses that
carry ``classroom_session_id``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from consult.base import Base, utcnow


class ClassroomSession(Base):
    __tablename__ = "classroom_session"
    __table_args__ = (
        # A join code is unique among sessions not yet closed. Sessions that pass their end
        # time are closed (closed_at set) before a code is handed out again, so the database
        # itself refuses two open sessions with one code.
        Index(
            "uq_classroom_session_open_join_code",
            "join_code",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school: Mapped[str] = mapped_column(String(200), index=True)
    # year_7 .. year_13, or "mixed"
    year_group: Mapped[str] = mapped_column(String(16))
    expected_pupils: Mapped[int] = mapped_column(Integer)
    # The survey version pupils answer (pinned when the session is opened).
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    join_code: Mapped[str] = mapped_column(String(8), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # UTC, naive (like every timestamp in the database).
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.closed_at is None and self.ends_at > now

    @property
    def status(self) -> str:
        """``open`` or ``closed``: closed when someone closed it or its end time has passed."""
        return "open" if self.is_open() else "closed"

    def closed_since(self) -> dt.datetime | None:
        """When the session stopped taking answers (None while open)."""
        if self.closed_at is not None:
            return min(self.closed_at, self.ends_at)
        return None if self.ends_at > utcnow() else self.ends_at
