"""The audit trail: who did what, when. Never records a password or a response's answers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from consult.models import AuditEvent, User


def record(
    db: Session,
    action: str,
    *,
    user: User | None = None,
    target: str = "",
    details: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """Add an audit event to ``db`` (the caller commits, with the action it records)."""
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        action=action,
        target=target[:200],
        details=details or {},
        note=note,
    )
    db.add(event)
    return event
