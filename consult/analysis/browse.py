"""The responses browser's queries: the filters, the search over reportable responses, and
the themes a response was put in by a survey's latest complete run."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from consult.analysis.models import ACTIVE, COMPLETE, AnalysisRun, Theme, ThemeAssignment
from consult.analysis.queries import AGE_CODES, DISTRICT_CODES
from consult.models import Response
from consult.reportable import reportable


@dataclass
class Filters:
    district: str = ""
    age_group: str = ""
    respondent_type: str = ""
    theme_id: int | None = None
    priority: str = ""
    q: str = ""
    run_id: int | None = None

    def active(self) -> bool:
        return any(
            [
                self.district,
                self.age_group,
                self.respondent_type,
                self.theme_id,
                self.priority,
                self.q,
            ]
        )


def browse_responses(
    db: Session,
    survey_id: str,
    filters: Filters,
    text_codes: list[str],
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[Response], int]:
    stmt = reportable(select(Response).where(Response.survey_id == survey_id))
    if filters.district:
        stmt = stmt.where(
            or_(*[Response.answers[c].as_string() == filters.district for c in DISTRICT_CODES])
        )
    if filters.age_group:
        stmt = stmt.where(
            or_(*[Response.answers[c].as_string() == filters.age_group for c in AGE_CODES])
        )
    if filters.respondent_type:
        stmt = stmt.where(Response.respondent_type == filters.respondent_type)
    if filters.theme_id and filters.run_id:
        stmt = stmt.where(
            Response.id.in_(
                select(ThemeAssignment.response_id).where(
                    ThemeAssignment.run_id == filters.run_id,
                    ThemeAssignment.theme_id == filters.theme_id,
                )
            )
        )
    if filters.priority and filters.run_id:
        stmt = stmt.where(
            Response.id.in_(
                select(ThemeAssignment.response_id)
                .join(Theme, Theme.id == ThemeAssignment.theme_id)
                .where(
                    ThemeAssignment.run_id == filters.run_id,
                    Theme.priority == filters.priority,
                    Theme.state == ACTIVE,
                )
            )
        )
    if filters.q and text_codes:
        escaped = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(
            or_(*[Response.answers[c].as_string().ilike(pattern, escape="\\") for c in text_codes])
        )
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(
        stmt.order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(per_page)
        .offset(max(0, page - 1) * per_page)
    )
    return list(rows), int(total)


def latest_complete_run(db: Session, survey_id: str) -> AnalysisRun | None:
    return db.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.survey_id == survey_id, AnalysisRun.status == COMPLETE)
        .order_by(AnalysisRun.completed_at.desc(), AnalysisRun.id.desc())
        .limit(1)
    )


def themes_of_response(db: Session, run_id: int, response_id: int) -> list[tuple]:
    return list(
        db.execute(
            select(ThemeAssignment, Theme)
            .join(Theme, Theme.id == ThemeAssignment.theme_id)
            .where(ThemeAssignment.run_id == run_id, ThemeAssignment.response_id == response_id)
            .order_by(ThemeAssignment.is_main.desc())
        ).all()
    )
