"""The read-only queries behind the public views (``build``) that
:mod:`consult.analysis.queries` does not already have: answer counts per theme for the
review status, responses per survey and respondent type, the closed answers of a run in one
pass, and the fingerprint the figures are cached under. Every one starts from
:func:`consult.reportable.reportable`."""

from __future__ import annotations

import hashlib
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.analysis.models import (
    ACTIVE,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
    ThemeEvent,
)
from consult.analysis.public_views.figures import Respondent
from consult.analysis.queries import AGE_CODES, DISTRICT_CODES, in_scope, reportable_ids, run_year
from consult.models import Response
from consult.reportable import exclusion_rules, reportable


def answer_counts(db: Session, run_id: int) -> tuple[int, Counter, Counter]:
    """(substantive answers, answers per main theme id, answers per respondent type) over
    the run's reportable answers. Non-answers ("nothing", "n/a") are not counted."""
    substantive = (
        select(AnalysedAnswer.id, AnalysedAnswer.response_id)
        .where(AnalysedAnswer.run_id == run_id, AnalysedAnswer.is_non_answer.is_(False))
        .where(AnalysedAnswer.response_id.in_(reportable_ids()))
        .subquery()
    )
    total = db.scalar(select(func.count()).select_from(substantive)) or 0
    per_theme = Counter(
        dict(
            db.execute(
                select(ThemeAssignment.theme_id, func.count(ThemeAssignment.id))
                .join(substantive, substantive.c.id == ThemeAssignment.answer_id)
                .where(ThemeAssignment.is_main.is_(True))
                .group_by(ThemeAssignment.theme_id)
            ).all()
        )
    )
    per_type = Counter(
        dict(
            db.execute(
                select(Response.respondent_type, func.count(substantive.c.id))
                .join(substantive, substantive.c.response_id == Response.id)
                .group_by(Response.respondent_type)
            ).all()
        )
    )
    return int(total), per_theme, per_type


def placed_by_hand(db: Session, run_id: int) -> Counter:
    """Answers per theme that the analyst placed there (moved, or chosen in review)."""
    return Counter(
        dict(
            db.execute(
                select(ThemeAssignment.theme_id, func.count(ThemeAssignment.id))
                .where(
                    ThemeAssignment.run_id == run_id,
                    ThemeAssignment.manual.is_(True),
                    ThemeAssignment.response_id.in_(reportable_ids()),
                )
                .group_by(ThemeAssignment.theme_id)
            ).all()
        )
    )


def responses_by_survey(db: Session, run: AnalysisRun) -> Counter:
    """(survey id, respondent type) -> reportable responses in the run's scope."""
    stmt = reportable(
        in_scope(
            select(Response.survey_id, Response.respondent_type, func.count(Response.id)),
            run.survey_version_ids or [],
            run_year(run),
        ).group_by(Response.survey_id, Response.respondent_type)
    )
    return Counter({(s, t): n for s, t, n in db.execute(stmt)})


def answered_between(db: Session, run: AnalysisRun) -> tuple:
    """(first, last) day a reportable response in the run's scope arrived, or (None, None).
    When people answered, not how long the survey was open (a survey may stay open for
    years while a run covers one of them)."""
    first, last = db.execute(
        reportable(
            in_scope(
                select(func.min(Response.submitted_at), func.max(Response.submitted_at)),
                run.survey_version_ids or [],
                run_year(run),
            )
        )
    ).one()
    return (first.date() if first else None), (last.date() if last else None)


def closed_answers(db: Session, run: AnalysisRun, codes: list[str]) -> list[tuple]:
    """(survey id, respondent type, code, answer, responses) over the reportable responses in
    scope. Only the wanted answers are read out of the JSON, as text, in one grouped query
    (parsing every response in Python was most of a 10,000-answer report's time); a
    checkbox answer (a list) arrives as its JSON text and is decoded here."""
    import json

    values = [Response.answers[c].as_string() for c in codes]
    stmt = reportable(
        in_scope(
            select(Response.survey_id, Response.respondent_type, *values,
                   func.count(Response.id)),
            run.survey_version_ids or [],
            run_year(run),
        ).group_by(Response.survey_id, Response.respondent_type, *values)
    )
    counts: Counter = Counter()
    for row in db.execute(stmt):
        survey_id, rtype, n = row[0], row[1], int(row[-1])
        for code, raw in zip(codes, row[2:-1], strict=True):
            counts[(survey_id, rtype, code, raw)] += n
    out = []
    for (survey_id, rtype, code, raw), n in counts.items():
        answer = raw
        if isinstance(raw, str) and raw.startswith("["):
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = raw
        out.append((survey_id, rtype, code, answer, n))
    return out


def fingerprint(db: Session, run: AnalysisRun, baseline: AnalysisRun | None) -> str:
    """Changes whenever a published figure could: an analyst's change (the run's latest
    ThemeEvent, and the themes' review state, which a test or a script may set directly),
    what safeguarding holds back, responses arriving or purged, and the baseline's own."""
    parts: list[object] = [run.id, run.status, run.completed_at]
    for r in (run, baseline):
        if r is None:
            parts.append(None)
            continue
        parts += [
            r.id,
            db.scalar(select(func.max(ThemeEvent.id)).where(ThemeEvent.run_id == r.id)),
            *db.execute(
                select(
                    func.count(Theme.reviewed_at),
                    func.max(Theme.reviewed_at),
                    func.count(Theme.id),
                    func.sum(Theme.size),
                ).where(Theme.run_id == r.id, Theme.state == ACTIVE)
            ).one(),
            *db.execute(
                select(func.count(Quote.approved_at), func.max(Quote.approved_at)).where(
                    Quote.run_id == r.id
                )
            ).one(),
        ]
    held = sorted(
        {rid for rule in exclusion_rules for rid in db.scalars(rule())}
    )
    parts.append(hashlib.sha256(",".join(map(str, held)).encode()).hexdigest())
    parts += list(
        db.execute(
            in_scope(
                select(func.count(Response.id), func.max(Response.id)),
                run.survey_version_ids or [],
                run_year(run),
            )
        ).one()
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


# --- the respondents behind the figures -------------------------------
def respondents(
    db: Session, run: AnalysisRun, group_codes: dict[str, tuple] | None = None
) -> list[Respondent]:
    """Everyone in the run who wrote a substantive answer to one of its questions and is still
    reportable, with their groups (``group_codes``: group -> the answer codes that give it,
    first answered wins; district and age group by default) and the active themes they
    raised (main or further). Only the grouping answers are read out of each response, in
    SQL: parsing every whole response was most of the time of a 10,000-answer report."""
    if group_codes is None:
        group_codes = {"district": DISTRICT_CODES, "age_group": AGE_CODES}
    answered = select(AnalysedAnswer.response_id).where(
        AnalysedAnswer.run_id == run.id, AnalysedAnswer.is_non_answer.is_(False)
    )
    columns = [(key, code) for key, codes in group_codes.items() for code in codes]
    stmt = reportable(
        select(
            Response.id,
            Response.respondent_type,
            *[Response.answers[code].as_string() for _key, code in columns],
        ).where(Response.id.in_(answered))
    )
    people: dict[int, Respondent] = {}
    for row in db.execute(stmt):
        groups: dict[str, str | None] = dict.fromkeys(group_codes)
        for (key, _code), value in zip(columns, row[2:], strict=True):
            if value and groups[key] is None:
                groups[key] = value
        people[row[0]] = Respondent(id=row[0], respondent_type=row[1], groups=groups)
    rows = db.execute(
        select(ThemeAssignment.response_id, ThemeAssignment.theme_id)
        .join(Theme, Theme.id == ThemeAssignment.theme_id)
        .where(ThemeAssignment.run_id == run.id, Theme.state == ACTIVE)
    )
    for rid, tid in rows:
        if rid in people:
            people[rid].themes.add(tid)
    return list(people.values())
