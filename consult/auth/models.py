"""Server-side staff sessions and failed sign-in attempts.

The session cookie holds only a random token; the database holds its SHA-256 and says
whether it is still good. Signing out, an administrator's change to the account and the
absolute lifetime end it here, so a copied cookie is worth nothing afterwards.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.base import Base, utcnow
from consult.models import User


class StaffSession(Base):
    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The last request the person made themselves (background polling does not count).
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Absolute end, however active the person is.
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # sign_out | account_changed | password_changed | disabled | ...
    end_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()


class SignInFailure(Base):
    """One wrong password (or unknown email). Keys are keyed hashes (HMAC with the secret
    key) of the typed email and of the client address: neither is stored in the clear."""

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    email_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
