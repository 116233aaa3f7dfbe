"""Safeguarding flags: pupil answers that may disclose harm, and what reviewers did.

A flag is written in the same transaction as the pupil's response, so no response is ever
stored unscreened. Until a reviewer clears it, a flagged response is held back from every
report, export, analysis and quote (the rules at the bottom of this module, registered by
``consult.safeguarding.init_app`` through ``purge_rules``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.base import Base, utcnow
from consult.models import User


class SafeguardingFlag(Base):
    __tablename__ = "safeguarding_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None while the answer is only in a pupil's saved progress (screened page by page); the
    # submit links it to the response. A pupil who walks away leaves it unlinked, still queued.
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id"), index=True)
    # The progress it was typed in: no foreign key, so purging expired progress keeps the flag.
    progress_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # One queue item per pupil: "r<response id>", or "p<progress id>" until submitted.
    item_key: Mapped[str] = mapped_column(String(32), default="", index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    # The pupil's words, exactly as sent: the reviewer needs them unredacted.
    answer_text: Mapped[str] = mapped_column(Text)
    school: Mapped[str] = mapped_column(String(200), default="", index=True)
    classroom_session_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Categories of possible harm (e.g. "self_harm"), the words that matched, and how.
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    # How sure the screener is that this is a disclosure (0-1); the queue can sort by it, and
    # an alert is sent whatever it is.
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    method: Mapped[str] = mapped_column(String(64), default="")
    # open | reviewed
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    outcome: Mapped[str | None] = mapped_column(String(64))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    # True when a reviewer decided it is not a disclosure: the response may be reported.
    cleared: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    # When the school's lead and the partnership were emailed, and when it was escalated.
    alerted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    actions: Mapped[list[SafeguardingAction]] = relationship(
        back_populates="flag", order_by="SafeguardingAction.at", cascade="all, delete-orphan"
    )


class SafeguardingAction(Base):
    """Who looked at a flag, when, and what they did."""

    __tablename__ = "safeguarding_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_flag.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # viewed | noted | reviewed | referred | cleared
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")

    flag: Mapped[SafeguardingFlag] = relationship(back_populates="actions")
    user: Mapped[User | None] = relationship()


def held_back_responses():
    """Responses with any flag a reviewer has not cleared: never reported."""
    # (never a NULL in a NOT IN list: that would hold back every response)
    return select(SafeguardingFlag.response_id).where(
        SafeguardingFlag.cleared.is_(False), SafeguardingFlag.response_id.is_not(None)
    )


def unreviewed_responses():
    """Responses with a flag nobody has reviewed yet: kept past retention until reviewed,
    so a possible disclosure is never deleted unread."""
    return select(SafeguardingFlag.response_id).where(
        SafeguardingFlag.status == "open", SafeguardingFlag.response_id.is_not(None)
    )
