"""Queries for classroom sessions (one place for their SQL): join codes, opening, finding,
closing and counting submissions."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consult.models import Response, SurveyVersion, User, utcnow
from consult.schools.models import ClassroomSession

# Unambiguous on a projector and for 11 year olds copying from the board: no 0/O, 1/I/L,
# 2/Z, 5/S, 8/B. Same alphabet as response references.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
JOIN_CODE_LENGTH = 6
# A session can run for at most this long (a lesson, or a school day at the outside).
MAX_SESSION_HOURS = 12


def new_join_code() -> str:
    """A random join code: 6 characters from a 25-character alphabet, from ``secrets``.

    25**6 = 244,140,625 codes, unique among open sessions (a partial unique index). How
    wrong codes are limited, and the odds of guessing one within those limits, are in
    ``consult.schools.join_limits``. A right guess only lets someone add answers to that
    class's session: no answers can be read with a code.
    """
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


_SEPARATORS = re.compile(r"[\s\-_.]+")


def normalise_code(raw: str | None) -> str:
    """What a pupil typed, as a code: upper case, spaces and dashes removed."""
    return _SEPARATORS.sub("", (raw or "")).upper()


def looks_like_code(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(c in JOIN_CODE_ALPHABET for c in code)


def display_code(code: str) -> str:
    """``ACD347`` shown as ``ACD 347``: easier to read from the back of a classroom."""
    return f"{code[:3]} {code[3:]}"


def open_codes(db: Session) -> list[tuple[int, str]]:
    """(id, join code) of every session still open."""
    rows = db.execute(select(ClassroomSession.id, ClassroomSession.join_code).where(
        ClassroomSession.closed_at.is_(None), ClassroomSession.ends_at > utcnow()))
    return [(r.id, r.join_code) for r in rows]


def close_expired(db: Session, code: str | None = None) -> None:
    """Record as closed every session whose end time has passed (optionally one code's)."""
    now = utcnow()
    stmt = (
        update(ClassroomSession)
        .where(ClassroomSession.closed_at.is_(None), ClassroomSession.ends_at <= now)
        .values(closed_at=ClassroomSession.ends_at)
    )
    if code is not None:
        stmt = stmt.where(ClassroomSession.join_code == code)
    db.execute(stmt.execution_options(synchronize_session=False))


def open_session(
    db: Session,
    *,
    school: str,
    year_group: str,
    expected_pupils: int,
    ends_at: dt.datetime,
    version: SurveyVersion,
    created_by: User | None,
) -> ClassroomSession:
    """Open a session with a fresh join code, unique among open sessions."""
    for _ in range(20):
        code = new_join_code()
        close_expired(db, code)
        if find_open(db, code) is not None:
            continue
        session = ClassroomSession(
            school=school,
            year_group=year_group,
            expected_pupils=expected_pupils,
            ends_at=ends_at,
            survey_version_id=version.id,
            join_code=code,
            created_by_id=created_by.id if created_by else None,
            created_at=utcnow(),
        )
        try:
            with db.begin_nested():
                db.add(session)
                db.flush()
        except IntegrityError:
            continue  # another session took the code a moment ago
        return session
    raise RuntimeError("could not find a free join code")  # pragma: no cover


def find_open(db: Session, code: str) -> ClassroomSession | None:
    now = utcnow()
    return db.scalar(
        select(ClassroomSession).where(
            ClassroomSession.join_code == code,
            ClassroomSession.closed_at.is_(None),
            ClassroomSession.ends_at > now,
        )
    )


def find_latest(db: Session, code: str) -> ClassroomSession | None:
    """The most recent session with this code, open or closed."""
    return db.scalar(
        select(ClassroomSession)
        .where(ClassroomSession.join_code == code)
        .order_by(ClassroomSession.created_at.desc(), ClassroomSession.id.desc())
        .limit(1)
    )


def get(db: Session, session_id: int | None) -> ClassroomSession | None:
    if session_id is None:
        return None
    return db.get(ClassroomSession, session_id)


def can_manage(user: User | None, session: ClassroomSession) -> bool:
    """Admins manage every session; school staff their own and their school's."""
    if user is None:
        return False
    if user.role == "admin":
        return True
    return session.created_by_id == user.id or (
        bool(user.school) and session.school == user.school
    )


def sessions_for(db: Session, user: User) -> list[tuple[ClassroomSession, int]]:
    """Sessions a member of staff can manage, newest first, with their submission counts."""
    counts = (
        select(Response.classroom_session_id, func.count(Response.id).label("n"))
        .where(Response.classroom_session_id.is_not(None))
        .group_by(Response.classroom_session_id)
        .subquery()
    )
    stmt = select(ClassroomSession, func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.classroom_session_id == ClassroomSession.id
    )
    if user.role != "admin":
        mine = ClassroomSession.created_by_id == user.id
        school = ClassroomSession.school == user.school
        stmt = stmt.where(or_(mine, school) if user.school else mine)
    stmt = stmt.order_by(ClassroomSession.created_at.desc(), ClassroomSession.id.desc()).limit(200)
    return [(s, n) for s, n in db.execute(stmt).all()]


def submission_count(db: Session, session_id: int) -> int:
    return db.scalar(
        select(func.count(Response.id)).where(Response.classroom_session_id == session_id)
    ) or 0


def close(db: Session, session: ClassroomSession, user: User | None) -> bool:
    """Close a session now. Returns False when it was already closed."""
    if session.closed_at is not None:
        return False
    now = utcnow()
    session.closed_at = min(now, session.ends_at)
    session.closed_by_id = user.id if user else None
    return True
