"""Queries for safeguarding flags and reviewers' actions (one place for their SQL)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from consult.models import Response, User, utcnow
from consult.safeguarding.models import SafeguardingAction, SafeguardingFlag
from consult.safeguarding.screening import screen
from surveys.schema import TEXT_TYPES, SurveyDefinition

# What a reviewer can record. "not_a_disclosure" clears the answer for reporting.
OUTCOMES = [
    ("referred_social_care", "Referred to children’s social care"),
    ("referred_police", "Reported to the police"),
    ("school_follow_up", "Followed up in school under the safeguarding policy"),
    ("no_further_action", "Looked into: no further action needed"),
    ("not_a_disclosure", "Not a disclosure of harm: clear it for reporting"),
]
OUTCOME_LABELS = dict(OUTCOMES)
CLEARING_OUTCOME = "not_a_disclosure"

# The screening engine's categories (nlp.screening.CATEGORIES), in plain words.
REASON_LABELS = {
    "abuse_at_home": "Abuse, violence or neglect at home",
    "sexual_abuse": "Sexual abuse",
    "self_harm_suicide": "Self-harm or suicidal thoughts",
    "exploitation_grooming": "Exploitation or grooming",
    "threatened": "Being threatened, attacked or followed",
    "weapons": "Carrying weapons",
    "missing": "Going missing",
    "screening_unavailable": "Screening was not available: read it to be sure",
}


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code) or code.replace("_", " ").capitalize()


# --- screening at submit ----------------------------------------------------------------------
def is_pupil_response(response: Response, definition: SurveyDefinition | None = None) -> bool:
    """A pupil's answers: from a classroom session, or imported to a classroom survey
    (paper returns from a school are screened like answers typed in class)."""
    if response.classroom_session_id is not None or response.respondent_type == "pupil":
        return True
    return definition is not None and definition.audience == "classroom"


def screen_response(
    db: Session, response: Response, definition: SurveyDefinition, school: str = ""
) -> list[SafeguardingFlag]:
    """Screen every free-text answer in a pupil's response; add a flag for each possible
    disclosure (the caller's transaction stores them with the response)."""
    flags = []
    for question in definition.questions():
        if question.type not in TEXT_TYPES:
            continue
        text = (response.answers or {}).get(question.code)
        if not isinstance(text, str) or not text.strip():
            continue
        result = screen(text)
        if not result.flagged:
            continue
        flag = SafeguardingFlag(
            response_id=response.id,
            question_code=question.code,
            answer_text=text,
            school=school or "",
            classroom_session_id=response.classroom_session_id,
            created_at=utcnow(),
            reasons=result.reasons,
            evidence=result.matched,
            score=result.score,
            method=result.method,
            status="open",
            cleared=False,
        )
        db.add(flag)
        flags.append(flag)
    if flags:
        db.flush()
    return flags


# --- the queue --------------------------------------------------------------------------------
def _visible_to(stmt, user: User):
    """A school's safeguarding lead sees their school's flags; a partnership-wide lead (no
    school) and admins see all."""
    if user.role != "admin" and user.school:
        stmt = stmt.where(SafeguardingFlag.school == user.school)
    return stmt


def queue(
    db: Session, user: User, status: str = "open", limit: int = 500
) -> list[SafeguardingFlag]:
    stmt = (
        select(SafeguardingFlag)
        .where(SafeguardingFlag.status == status)
        .options(selectinload(SafeguardingFlag.actions).selectinload(SafeguardingAction.user))
        .order_by(SafeguardingFlag.created_at.desc(), SafeguardingFlag.id.desc())
        .limit(limit)
    )
    return list(db.scalars(_visible_to(stmt, user)))


def counts(db: Session, user: User) -> dict[str, int]:
    stmt = select(SafeguardingFlag.status, func.count(SafeguardingFlag.id)).group_by(
        SafeguardingFlag.status
    )
    found = dict(db.execute(_visible_to(stmt, user)).all())
    return {"open": found.get("open", 0), "reviewed": found.get("reviewed", 0)}


def get_visible(db: Session, user: User, flag_id: int) -> SafeguardingFlag | None:
    stmt = select(SafeguardingFlag).where(SafeguardingFlag.id == flag_id)
    return db.scalar(_visible_to(stmt, user))


def other_flags_of_response(db: Session, flag: SafeguardingFlag) -> list[SafeguardingFlag]:
    return list(
        db.scalars(
            select(SafeguardingFlag)
            .where(SafeguardingFlag.response_id == flag.response_id, SafeguardingFlag.id != flag.id)
            .order_by(SafeguardingFlag.id)
        )
    )


# --- reviewers' actions -----------------------------------------------------------------------
def record_action(
    db: Session, flag: SafeguardingFlag, user: User, action: str, *, outcome: str | None = None,
    note: str = "",
) -> SafeguardingAction:
    entry = SafeguardingAction(
        user=user, at=utcnow(), action=action, outcome=outcome, note=note
    )
    flag.actions.append(entry)
    db.add(entry)
    return entry


def record_outcome(
    db: Session, flag: SafeguardingFlag, user: User, outcome: str, note: str
) -> SafeguardingAction:
    """Mark a flag reviewed with an outcome. "Not a disclosure" clears the response for
    reporting; any other outcome keeps it out of every report."""
    now = utcnow()
    flag.status = "reviewed"
    flag.outcome = outcome
    flag.outcome_note = note
    flag.reviewed_at = now
    flag.reviewed_by_id = user.id
    flag.cleared = outcome == CLEARING_OUTCOME
    if flag.cleared:
        action = "cleared"
    elif outcome.startswith("referred"):
        action = "referred"
    else:
        action = "reviewed"
    return record_action(db, flag, user, action, outcome=outcome, note=note)


def reopen(db: Session, flag: SafeguardingFlag, user: User, note: str) -> SafeguardingAction:
    """Put a reviewed flag back in the queue (and out of reports again)."""
    flag.status = "open"
    flag.cleared = False
    flag.outcome = None
    flag.reviewed_at = None
    flag.reviewed_by_id = None
    return record_action(db, flag, user, "reopened", note=note)
