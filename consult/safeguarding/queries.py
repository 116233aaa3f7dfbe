"""Queries for safeguarding flags and reviewers' actions (one place for their SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session, selectinload

from consult.models import Progress, Response, User, utcnow
from consult.safeguarding.models import SafeguardingAction, SafeguardingFlag
from consult.safeguarding.screening import screen
from consult.schools.models import ClassroomSession
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
UK = ZoneInfo("Europe/London")
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


# --- screening ----------------------------------------------------------------------------------
def is_pupil_response(response: Response, definition: SurveyDefinition | None = None) -> bool:
    """A pupil's answers: from a classroom session, or imported to a classroom survey
    (paper returns from a school are screened like answers typed in class)."""
    if response.classroom_session_id is not None or response.respondent_type == "pupil":
        return True
    return definition is not None and definition.audience == "classroom"


def _text_answers(definition: SurveyDefinition, answers: dict) -> list[tuple[str, str]]:
    found = []
    for question in definition.questions():
        if question.type not in TEXT_TYPES:
            continue
        text = (answers or {}).get(question.code)
        if isinstance(text, str) and text.strip():
            found.append((question.code, text))
    return found


def _fill(flag: SafeguardingFlag, text: str, result) -> None:
    flag.answer_text = text
    flag.reasons = result.reasons
    flag.evidence = result.matched
    flag.score = result.score
    flag.confidence = float(getattr(result, "confidence", result.score))
    flag.method = result.method


def screen_progress(
    db: Session, progress: Progress, definition: SurveyDefinition, school: str = ""
) -> list[SafeguardingFlag]:
    """Screen the free text a pupil has saved so far (page by page, before any submit).

    A possible disclosure is queued at once, as an item of its own ("p<progress id>"): a
    pupil who walks away, or whose session closes, leaves it in the queue. One flag per
    question: a later flagged version of the answer replaces the text; an answer later
    changed to something harmless keeps the flag (the pupil did type it). Returns new flags
    that still need an alert.
    """
    existing = {
        f.question_code: f
        for f in db.scalars(
            select(SafeguardingFlag).where(
                SafeguardingFlag.progress_id == progress.id,
                SafeguardingFlag.response_id.is_(None),
            )
        )
    }
    new = []
    for code, text in _text_answers(definition, progress.answers):
        flag = existing.get(code)
        if flag is not None and flag.answer_text == text:
            continue
        result = screen(text)
        if not result.flagged:
            continue
        if flag is None:
            flag = SafeguardingFlag(
                progress_id=progress.id,
                item_key=f"p{progress.id}",
                question_code=code,
                school=school or "",
                classroom_session_id=progress.classroom_session_id,
                created_at=utcnow(),
                status="open",
                cleared=False,
            )
            db.add(flag)
            new.append(flag)
        _fill(flag, text, result)
    _already_alerted(existing.values(), new)
    if new:
        db.flush()
    return [f for f in new if f.alerted_at is None]


def _already_alerted(earlier, new: list[SafeguardingFlag]) -> None:
    """When the lead was already emailed about this pupil and the item is still open, the
    link in that email shows the new answers too: no second email about one pupil."""
    if any(f.alerted_at is not None and f.status == "open" for f in earlier):
        for flag in new:
            flag.alerted_at = utcnow()


def screen_response(
    db: Session, response: Response, definition: SurveyDefinition, school: str = "",
    progress: Progress | None = None,
) -> list[SafeguardingFlag]:
    """Screen every free-text answer in a pupil's response (the caller's transaction stores
    the flags with the response). Flags already raised while the pupil was answering are
    moved onto the response, so the lead sees one item per pupil. Returns new flags that
    still need an alert."""
    key = f"r{response.id}"
    earlier = []
    if progress is not None:
        earlier = list(
            db.scalars(select(SafeguardingFlag).where(SafeguardingFlag.progress_id == progress.id))
        )
        for flag in earlier:
            flag.response_id = response.id
            flag.item_key = key
    seen = {(f.question_code, f.answer_text) for f in earlier}
    new = []
    for code, text in _text_answers(definition, response.answers):
        if (code, text) in seen:
            continue
        result = screen(text)
        if not result.flagged:
            continue
        flag = SafeguardingFlag(
            response_id=response.id,
            progress_id=progress.id if progress is not None else None,
            item_key=key,
            question_code=code,
            school=school or "",
            classroom_session_id=response.classroom_session_id,
            created_at=utcnow(),
            status="open",
            cleared=False,
        )
        _fill(flag, text, result)
        db.add(flag)
        new.append(flag)
    _already_alerted(earlier, new)
    if new or earlier:
        db.flush()
    return [f for f in new if f.alerted_at is None]


# --- the queue --------------------------------------------------------------------------------
PER_PAGE = 50
SORTS = {
    "oldest": "Oldest first",
    "newest": "Newest first",
    "confidence": "Most likely disclosures first",
}


@dataclass
class QueueFilters:
    school: str = ""
    category: str = ""
    session_id: int | None = None
    sent_from: dt.date | None = None
    sent_to: dt.date | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.school or self.category or self.session_id or self.sent_from or self.sent_to
        )


@dataclass
class QueueItem:
    """One pupil's flagged answers: a response, or progress not (yet) sent."""

    key: str
    flags: list[SafeguardingFlag]
    first_at: dt.datetime
    confidence: float
    classroom: ClassroomSession | None = None
    teacher: User | None = None

    @property
    def first(self) -> SafeguardingFlag:
        return self.flags[0]

    @property
    def reasons(self) -> list[str]:
        out: list[str] = []
        for flag in self.flags:
            out += [r for r in flag.reasons if r not in out]
        return out

    @property
    def submitted(self) -> bool:
        return self.first.response_id is not None


@dataclass
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def start(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def end(self) -> int:
        return self.start + len(self.items) - 1 if self.items else 0

    @property
    def not_shown(self) -> int:
        return self.total - len(self.items)


def _visible_to(stmt, user: User):
    """A school's safeguarding lead sees their school's flags; a partnership-wide lead (no
    school) and admins see all."""
    if user.role != "admin" and user.school:
        stmt = stmt.where(SafeguardingFlag.school == user.school)
    return stmt


def _filtered(stmt, filters: QueueFilters):
    if filters.school:
        stmt = stmt.where(SafeguardingFlag.school == filters.school)
    if filters.category:
        # reasons is a JSON list of codes; its text holds each code in quotes.
        stmt = stmt.where(cast(SafeguardingFlag.reasons, Text).like(f'%"{filters.category}"%'))
    if filters.session_id is not None:
        stmt = stmt.where(SafeguardingFlag.classroom_session_id == filters.session_id)
    if filters.sent_from is not None:
        stmt = stmt.where(SafeguardingFlag.created_at >= _start_of(filters.sent_from))
    if filters.sent_to is not None:
        stmt = stmt.where(
            SafeguardingFlag.created_at < _start_of(filters.sent_to + dt.timedelta(days=1))
        )
    return stmt


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight UK time on ``day``, as naive UTC (how the database stores times)."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=UK)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def queue_page(
    db: Session, user: User, status: str = "open", *, filters: QueueFilters | None = None,
    sort: str = "oldest", page: int = 1, per_page: int = PER_PAGE,
) -> QueuePage:
    """One page of the queue: one item per pupil, every item reachable by paging, and the
    total the "To review (N)" count shows (the same query, so they always agree)."""
    filters = filters or QueueFilters()
    first_at = func.min(SafeguardingFlag.created_at).label("first_at")
    confidence = func.max(SafeguardingFlag.confidence).label("confidence")
    grouped = _filtered(
        _visible_to(
            select(SafeguardingFlag.item_key, first_at, confidence).where(
                SafeguardingFlag.status == status
            ),
            user,
        ),
        filters,
    ).group_by(SafeguardingFlag.item_key)
    total = db.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    order = {
        "oldest": (first_at.asc(), SafeguardingFlag.item_key),
        "newest": (first_at.desc(), SafeguardingFlag.item_key.desc()),
        "confidence": (confidence.desc(), first_at.asc(), SafeguardingFlag.item_key),
    }[sort if sort in SORTS else "oldest"]
    page = max(1, page)
    rows = db.execute(
        grouped.order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).all()
    keys = [r.item_key for r in rows]
    by_key: dict[str, list[SafeguardingFlag]] = {k: [] for k in keys}
    if keys:
        flags = db.scalars(
            select(SafeguardingFlag)
            .where(SafeguardingFlag.item_key.in_(keys), SafeguardingFlag.status == status)
            .options(selectinload(SafeguardingFlag.actions).selectinload(SafeguardingAction.user))
            .order_by(SafeguardingFlag.created_at, SafeguardingFlag.id)
        )
        for flag in flags:
            by_key[flag.item_key].append(flag)
    items = [QueueItem(r.item_key, by_key[r.item_key], r.first_at, r.confidence) for r in rows]
    _attach_sessions(db, items)
    return QueuePage(items, total, page, per_page)


def _attach_sessions(db: Session, items: list[QueueItem]) -> None:
    ids = {i.first.classroom_session_id for i in items if i.first.classroom_session_id}
    if not ids:
        return
    sessions = {
        s.id: s for s in db.scalars(select(ClassroomSession).where(ClassroomSession.id.in_(ids)))
    }
    teacher_ids = {s.created_by_id for s in sessions.values() if s.created_by_id}
    teachers = (
        {u.id: u for u in db.scalars(select(User).where(User.id.in_(teacher_ids)))}
        if teacher_ids else {}
    )
    for item in items:
        item.classroom = sessions.get(item.first.classroom_session_id)
        if item.classroom is not None:
            item.teacher = teachers.get(item.classroom.created_by_id)


def counts(db: Session, user: User) -> dict[str, int]:
    """Items (pupils) open and reviewed, as the queue pages count them."""
    out = {}
    for status in ("open", "reviewed"):
        stmt = _visible_to(
            select(func.count(func.distinct(SafeguardingFlag.item_key))).where(
                SafeguardingFlag.status == status
            ),
            user,
        )
        out[status] = db.scalar(stmt) or 0
    return out


def schools_with_flags(db: Session, user: User) -> list[str]:
    stmt = _visible_to(select(SafeguardingFlag.school).distinct(), user)
    return sorted(s for s in db.scalars(stmt) if s)


def get_visible(db: Session, user: User, flag_id: int) -> SafeguardingFlag | None:
    stmt = select(SafeguardingFlag).where(SafeguardingFlag.id == flag_id)
    return db.scalar(_visible_to(stmt, user))


def flags_of_item(db: Session, flag: SafeguardingFlag) -> list[SafeguardingFlag]:
    """Every flag of this flag's item (the same pupil), oldest first."""
    return list(
        db.scalars(
            select(SafeguardingFlag)
            .where(SafeguardingFlag.item_key == flag.item_key)
            .order_by(SafeguardingFlag.created_at, SafeguardingFlag.id)
        )
    )


def pupil_answers(db: Session, flag: SafeguardingFlag) -> tuple[dict, object | None]:
    """The pupil's answers (all of them) and the survey version they answered: from the
    response, or from saved progress while it still exists."""
    if flag.response_id is not None:
        response = db.get(Response, flag.response_id)
        if response is not None:
            return dict(response.answers or {}), response.survey_version
    if flag.progress_id is not None:
        progress = db.get(Progress, flag.progress_id)
        if progress is not None:
            return dict(progress.answers or {}), progress.survey_version
    return {}, None


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
    """Mark the pupil's item reviewed with an outcome: every open flag of it (one decision
    per pupil). "Not a disclosure" clears the response for reporting; any other outcome
    keeps it out of every report."""
    now = utcnow()
    if outcome == CLEARING_OUTCOME:
        action = "cleared"
    elif outcome.startswith("referred"):
        action = "referred"
    else:
        action = "reviewed"
    entry = None
    for each in flags_of_item(db, flag):
        if each.status != "open" and each.id != flag.id:
            continue
        each.status = "reviewed"
        each.outcome = outcome
        each.outcome_note = note
        each.reviewed_at = now
        each.reviewed_by_id = user.id
        each.cleared = outcome == CLEARING_OUTCOME
        recorded = record_action(db, each, user, action, outcome=outcome, note=note)
        entry = recorded if each.id == flag.id else entry
    return entry


def reopen(db: Session, flag: SafeguardingFlag, user: User, note: str) -> SafeguardingAction:
    """Put a reviewed flag back in the queue (and out of reports again)."""
    flag.status = "open"
    flag.cleared = False
    flag.outcome = None
    flag.reviewed_at = None
    flag.reviewed_by_id = None
    return record_action(db, flag, user, "reopened", note=note)
