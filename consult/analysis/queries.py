"""Every query of the analysis aggregate. Anything that feeds analysis, figures, reports or
exports starts from :func:`consult.reportable.reportable`, so responses held back (e.g. by
safeguarding) never reach them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from consult.analysis import run_settings
from consult.analysis.models import (
    ACTIVE,
    COMPLETE,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
    ThemeEvent,
)
from consult.models import Response, SurveyVersion
from consult.reportable import reportable
from consult.survey_store import definition_of

# Answers read for the group breakdowns. Pupils give a year group, residents an age group.
AGE_CODES = ("age_group", "year_group")
DISTRICT_CODES = ("district",)


def reportable_ids() -> Select:
    """A SELECT of the ids of every reportable response."""
    return reportable(select(Response.id))


# --- surveys and versions -------------------------------
@dataclass
class SurveySummary:
    survey_id: str
    title: str
    versions: list[tuple[SurveyVersion, int]]

    @property
    def responses(self) -> int:
        return sum(n for _, n in self.versions)


def surveys(db: Session) -> list[SurveySummary]:
    """Each survey with its versions and the number of reportable responses to each."""
    counts = dict(
        db.execute(
            reportable(
                select(Response.survey_version_id, func.count(Response.id)).group_by(
                    Response.survey_version_id
                )
            )
        ).all()
    )
    out: dict[str, SurveySummary] = {}
    for version in db.scalars(
        select(SurveyVersion).order_by(SurveyVersion.survey_id, SurveyVersion.version)
    ):
        summary = out.setdefault(
            version.survey_id, SurveySummary(version.survey_id, version.title, [])
        )
        summary.title = version.title
        summary.versions.append((version, counts.get(version.id, 0)))
    return list(out.values())


def versions(db: Session, ids: Iterable[int]) -> list[SurveyVersion]:
    ids = list(ids)
    if not ids:
        return []
    return list(
        db.scalars(
            select(SurveyVersion).where(SurveyVersion.id.in_(ids)).order_by(SurveyVersion.id)
        )
    )


def survey_versions(db: Session, survey_id: str) -> list[SurveyVersion]:
    return list(
        db.scalars(
            select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey_id)
            .order_by(SurveyVersion.version)
        )
    )


def question_lookup(version_list: Iterable[SurveyVersion]) -> dict:
    """question code -> Question (the newest version's wording wins)."""
    found = {}
    for version in version_list:
        for q in definition_of(version).questions():
            found[q.code] = q
    return found


def option_label(lookup: dict, code: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    q = lookup.get(code)
    return q.option_label(value) if q is not None else str(value)


# --- responses -------------------------------
def year_bounds(year: str | None):
    if not year or not str(year).isdigit():
        return None
    import datetime as dt

    y = int(year)
    return dt.datetime(y, 1, 1), dt.datetime(y + 1, 1, 1)


def in_scope(stmt: Select, version_ids: Iterable[int], year: str | None = None) -> Select:
    """Responses to these versions (and, when a year is given, sent in that year)."""
    stmt = stmt.where(Response.survey_version_id.in_(list(version_ids)))
    bounds = year_bounds(year)
    if bounds:
        stmt = stmt.where(Response.submitted_at >= bounds[0], Response.submitted_at < bounds[1])
    return stmt


def run_year(run: AnalysisRun) -> str | None:
    """Only answers sent in this year are the run's (None: every answer)."""
    return run_settings.read(run).year


def reportable_responses(
    db: Session, version_ids: Iterable[int], year: str | None = None
) -> list[Response]:
    stmt = reportable(in_scope(select(Response), version_ids, year).order_by(Response.id))
    return list(db.scalars(stmt))


def response_years(db: Session) -> list[str]:
    years = {
        str(d.year) for d in db.scalars(reportable(select(Response.submitted_at))) if d is not None
    }
    return sorted(years, reverse=True)


def reportable_response(db: Session, response_id: int) -> Response | None:
    return db.scalar(reportable(select(Response).where(Response.id == response_id)))



# --- runs and themes -------------------------------
def runs(db: Session, survey_id: str | None = None) -> list[AnalysisRun]:
    stmt = select(AnalysisRun).order_by(AnalysisRun.id.desc())
    if survey_id:
        stmt = stmt.where(AnalysisRun.survey_id == survey_id)
    return list(db.scalars(stmt))


def previous_run_for(db: Session, run: AnalysisRun) -> AnalysisRun | None:
    """The latest complete run of the same survey, questions and period: its curated themes
    are carried into ``run``."""
    candidates = db.scalars(
        select(AnalysisRun)
        .where(
            AnalysisRun.survey_id == run.survey_id,
            AnalysisRun.status == COMPLETE,
            AnalysisRun.id != run.id,
            AnalysisRun.period == run.period,
        )
        .order_by(AnalysisRun.completed_at.desc(), AnalysisRun.id.desc())
    )
    for candidate in candidates:
        if sorted(candidate.question_codes or []) == sorted(run.question_codes or []):
            return candidate
    return None


def baseline_run_for(db: Session, run: AnalysisRun) -> AnalysisRun | None:
    """Last year's analysed run: the one the analyst chose, else the latest complete run of
    the same survey from an earlier period."""
    if run.baseline_run_id:
        chosen = db.get(AnalysisRun, run.baseline_run_id)
        if chosen is not None and chosen.status == COMPLETE:
            return chosen
    return db.scalar(
        select(AnalysisRun)
        .where(
            AnalysisRun.survey_id == run.survey_id,
            AnalysisRun.status == COMPLETE,
            AnalysisRun.period < run.period,
            AnalysisRun.period != "",
        )
        .order_by(AnalysisRun.period.desc(), AnalysisRun.completed_at.desc())
        .limit(1)
    )


def baseline_candidates(db: Session, run: AnalysisRun) -> list[AnalysisRun]:
    return list(
        db.scalars(
            select(AnalysisRun)
            .where(AnalysisRun.status == COMPLETE, AnalysisRun.id != run.id)
            .order_by(AnalysisRun.period.desc(), AnalysisRun.id.desc())
        )
    )


def themes(db: Session, run_id: int, *, include_hidden: bool = False) -> list[Theme]:
    stmt = select(Theme).where(Theme.run_id == run_id)
    if not include_hidden:
        stmt = stmt.where(Theme.state == ACTIVE)
    return list(db.scalars(stmt.order_by(Theme.size.desc(), Theme.position, Theme.id)))


def held_back_theme_ids(db: Session, run_id: int) -> set[int]:
    """Themes of the run whose every answer is held back now (e.g. a pupil's disclosure a
    safeguarding lead has reopened): they have nothing left to show anywhere."""
    with_answers = select(ThemeAssignment.theme_id).where(ThemeAssignment.run_id == run_id)
    with_reportable = select(ThemeAssignment.theme_id).where(
        ThemeAssignment.run_id == run_id, ThemeAssignment.response_id.in_(reportable_ids())
    )
    return set(db.scalars(with_answers.distinct().except_(with_reportable)))


def theme_in_run(db: Session, run_id: int, theme_id: int) -> Theme | None:
    theme = db.get(Theme, theme_id)
    return theme if theme is not None and theme.run_id == run_id else None


def theme_answers(
    db: Session, theme: Theme, *, main_only: bool = True, page: int = 1, per_page: int = 50
) -> tuple[list[tuple[AnalysedAnswer, ThemeAssignment]], int]:
    stmt = (
        select(AnalysedAnswer, ThemeAssignment)
        .join(ThemeAssignment, ThemeAssignment.answer_id == AnalysedAnswer.id)
        .where(ThemeAssignment.theme_id == theme.id)
        .where(AnalysedAnswer.response_id.in_(reportable_ids()))
    )
    if main_only:
        stmt = stmt.where(ThemeAssignment.is_main.is_(True))
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.execute(
        stmt.order_by(ThemeAssignment.score.desc().nulls_last(), AnalysedAnswer.id)
        .limit(per_page)
        .offset(max(0, page - 1) * per_page)
    ).all()
    return [(a, t) for a, t in rows], int(total)


def theme_places(db: Session, theme: Theme, limit: int = 8) -> list[tuple[str, int]]:
    """The places most often named in a theme's (reportable) answers, named at least twice:
    themes gather concerns, so where each concern is raised is shown beside it."""

    from nlp.places import find_places

    texts = db.scalars(
        select(AnalysedAnswer.redacted_text)
        .join(ThemeAssignment, ThemeAssignment.answer_id == AnalysedAnswer.id)
        .where(ThemeAssignment.theme_id == theme.id, ThemeAssignment.is_main.is_(True))
        .where(AnalysedAnswer.response_id.in_(reportable_ids()))
    )
    counts = Counter(p for text in texts for p in set(find_places(text or "")))
    return [(p, n) for p, n in counts.most_common(limit) if n >= 2]


def main_answer_ids(db: Session, theme_id: int) -> list[int]:
    return list(
        db.scalars(
            select(ThemeAssignment.answer_id).where(
                ThemeAssignment.theme_id == theme_id, ThemeAssignment.is_main.is_(True)
            )
        )
    )


def quotes(db: Session, theme_id: int) -> list[Quote]:
    return list(
        db.scalars(
            select(Quote)
            .where(Quote.theme_id == theme_id, Quote.response_id.in_(reportable_ids()))
            .order_by(Quote.id)
        )
    )


def publishable_quotes(db: Session, run_id: int) -> dict[int, list[Quote]]:
    """Approved, redacted quotes of reportable responses, by theme. The only quotes any
    export may print."""
    rows = db.scalars(
        select(Quote)
        .join(Theme, Theme.id == Quote.theme_id)
        .where(
            Quote.run_id == run_id,
            Quote.approved_at.is_not(None),
            Quote.redacted.is_(True),
            Quote.redacted_text != "",
            Theme.state == ACTIVE,
            Theme.not_relevant.is_(False),
            Quote.response_id.in_(reportable_ids()),
        )
        .order_by(Quote.theme_id, Quote.approved_at, Quote.id)
    )
    out: dict[int, list[Quote]] = {}
    for q in rows:
        out.setdefault(q.theme_id, []).append(q)
    return out


def events(db: Session, run_id: int, theme_id: int | None = None) -> list[ThemeEvent]:
    stmt = select(ThemeEvent).where(ThemeEvent.run_id == run_id)
    if theme_id is not None:
        stmt = stmt.where(ThemeEvent.theme_id == theme_id)
    return list(db.scalars(stmt.order_by(ThemeEvent.at.desc(), ThemeEvent.id.desc())))



def closed_answers(db: Session, run: AnalysisRun, code: str) -> list[tuple[str, object]]:
    """(respondent type, answer) for every reportable response in the run's versions."""
    stmt = reportable(
        in_scope(
            select(Response.respondent_type, Response.answers),
            run.survey_version_ids or [],
            run_year(run),
        )
    )
    return [(rtype, (answers or {}).get(code)) for rtype, answers in db.execute(stmt)]

