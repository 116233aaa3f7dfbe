"""Core models: survey versions, anonymous progress, responses, staff and the audit trail.

Later aggregates (pupil sessions, safeguarding, analysis) keep their models in their own
packages; ``consult.schema.import_models`` imports them all.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.base import Base, utcnow


class SurveyVersion(Base):
    """A published survey version. Never edited: a change is a new version."""

    __tablename__ = "survey_version"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict] = mapped_column(JSON)
    definition_hash: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str | None] = mapped_column(String(300))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Progress(Base):
    """Answers saved page by page against an anonymous browser session.

    The token lives in the person's (signed) session cookie; it is also the submission's
    idempotency key, so a repeated submit finds the response already stored.
    """

    __tablename__ = "progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    pages_done: Mapped[list] = mapped_column(JSON, default=list)
    # Set when the progress belongs to a pupil session in a classroom.
    classroom_session_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id"))

    survey_version: Mapped[SurveyVersion] = relationship()


class Response(Base):
    """A submitted response. Records the survey id, version and definition hash it answered.
    No IP address, no name: the reference is random and shown only to the respondent."""

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"), index=True)
    survey_id: Mapped[str] = mapped_column(String(64), index=True)
    survey_version_number: Mapped[int] = mapped_column(Integer)
    definition_hash: Mapped[str] = mapped_column(String(64))
    # resident | pupil | imported
    respondent_type: Mapped[str] = mapped_column(String(16), index=True)
    answers: Mapped[dict] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Idempotency key: the progress token, or the import batch and row.
    submission_key: Mapped[str] = mapped_column(String(100), unique=True)
    classroom_session_id: Mapped[int | None] = mapped_column(Integer, index=True)
    import_batch: Mapped[str | None] = mapped_column(String(64), index=True)

    survey_version: Mapped[SurveyVersion] = relationship()


class User(Base):
    """A member of staff. Passwords are hashed (scrypt); no default account is shipped."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # admin | analyst | school_staff | safeguarding_lead
    role: Mapped[str] = mapped_column(String(32))
    # For school staff and school safeguarding leads: the school they belong to.
    school: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set while an administrator has disabled the account: it cannot sign in.
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # A temporary password set by an administrator: the first sign-in must change it.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class AuditEvent(Base):
    """Who did what, when: staff actions on surveys, responses, themes and safeguarding."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
