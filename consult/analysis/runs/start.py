"""Starting a run: the analyst's choice of surveys and questions validated and stored, and
the run's answers read (reportable responses only) as plain lists for the engine."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.errors import AnalysisError
from consult.analysis.models import AnalysisRun
from consult.analysis.run_settings import RunSettings
from consult.models import User
from consult.survey_store import definition_of


@dataclass
class AnswerSet:
    texts: list[str]
    ids: list[str]
    metadata: list[dict]
    respondents: int
    period: str


def answer_key(response_id: int, question_code: str) -> str:
    return f"{response_id}:{question_code}"


def parse_key(key: str) -> tuple[int, str]:
    rid, code = str(key).split(":", 1)
    return int(rid), code


def question_ref(survey_id: str, code: str) -> str:
    """A question is its survey and its code ("schools:worry_text"): two surveys may use the
    same code for questions worded differently."""
    return f"{survey_id}:{code}"


def parse_ref(ref: str) -> tuple[str | None, str]:
    """(survey id, code) of a question ref; a plain code (runs stored before questions were
    keyed by survey) is that code in every survey of the run (survey None)."""
    survey, sep, code = str(ref).rpartition(":")
    return (survey, code) if sep else (None, code)


def free_text_questions(db: Session, version_ids: Iterable[int]) -> dict[str, str]:
    """survey:code -> label of every free-text question analysed for themes in these
    versions (the newest version's wording of each survey)."""
    found: dict[str, str] = {}
    for version in sorted(queries.versions(db, version_ids), key=lambda v: -v.version):
        for q in definition_of(version).free_text_questions():
            found.setdefault(question_ref(version.survey_id, q.code), q.label)
    return found


def run_questions(run: AnalysisRun) -> list[tuple[str | None, str]]:
    """The run's questions as (survey id, code): the refs it stored, or for older runs
    their plain codes (survey None: that code in every survey, as they were analysed)."""
    refs = RunSettings.from_json(run.settings).questions
    if refs:
        return [parse_ref(r) for r in refs]
    return [(None, c) for c in run.question_codes or []]


def _chosen_refs(asked: Iterable[str], available: dict[str, str]) -> list[str]:
    """The refs chosen: a ref as given, a plain code as that code in every survey chosen."""
    out: list[str] = []
    for item in asked:
        survey, code = parse_ref(item)
        if survey is not None:
            out += [item] if item in available else []
        else:
            out += [r for r in available if parse_ref(r)[1] == code]
    return list(dict.fromkeys(out))


def create_run(
    db: Session,
    *,
    version_ids: list[int],
    question_codes: list[str],
    user: User | None,
    title: str = "",
    year: str | None = None,
    start: dict | None = None,
) -> AnalysisRun:
    """Validate the choice and store a pending run (the caller enqueues its job).
    ``start``: where its themes start from ({"seed_run": id} or {"frame": path, "frame_name":
    name}); None: the engine's first pass."""
    chosen = queries.versions(db, version_ids)
    if not chosen:
        raise AnalysisError("Select at least one survey version")
    available = free_text_questions(db, [v.id for v in chosen])
    refs = _chosen_refs(question_codes, available)
    # The plain codes stay the run's scope (decisions and last year's run are found by
    # them); the refs say which survey's question each is.
    codes = list(dict.fromkeys(parse_ref(r)[1] for r in refs))
    if not codes:
        raise AnalysisError("Select at least one free-text question")
    year = (year or "").strip() or None
    if year is not None and queries.year_bounds(year) is None:
        raise AnalysisError("Select a year from the list")
    survey_ids = [v.survey_id for v in chosen]
    survey_id = Counter(survey_ids).most_common(1)[0][0]
    settings = RunSettings(year=year, start=dict(start or {}), questions=refs)
    run = AnalysisRun(
        title=title.strip()[:200] or _default_title(chosen, refs, available),
        survey_id=survey_id,
        survey_version_ids=[v.id for v in chosen],
        question_codes=codes,
        created_by_id=user.id if user else None,
        period=year or _period_of(db, [v.id for v in chosen], chosen),
        settings=settings.to_json(),
    )
    db.add(run)
    db.flush()
    return run


def _default_title(chosen, codes, available) -> str:
    surveys = ", ".join(dict.fromkeys(v.title for v in chosen))
    return f"{surveys}: {len(codes)} question{'s' if len(codes) != 1 else ''}"


def _period_of(db: Session, version_ids: list[int], chosen) -> str:
    """The year most of the answers were given in (or the year the survey opened)."""
    from consult.models import Response
    from consult.reportable import reportable

    years = Counter(
        str(d.year)
        for d in db.scalars(
            reportable(
                select(Response.submitted_at).where(Response.survey_version_id.in_(version_ids))
            )
        )
        if d is not None
    )
    if years:
        return years.most_common(1)[0][0]
    opens = [definition_of(v).opens for v in chosen]
    return str(min(opens).year) if opens else ""


def collect_answers(db: Session, run: AnalysisRun) -> AnswerSet:
    """The run's free-text answers from reportable responses only, as plain lists."""
    texts, ids, metadata = [], [], []
    people = set()
    year = queries.run_year(run)
    questions = run_questions(run)
    for response in queries.reportable_responses(db, run.survey_version_ids or [], year):
        answers = response.answers or {}
        asked = [c for s, c in questions if s is None or s == response.survey_id]
        for code in dict.fromkeys(asked):
            value = answers.get(code)
            if not isinstance(value, str) or not value.strip():
                continue
            texts.append(value)
            ids.append(answer_key(response.id, code))
            metadata.append(
                {
                    "response_id": response.id,
                    "question": code,
                    "respondent_type": response.respondent_type,
                    "district": answers.get("district"),
                    "age_group": answers.get("age_group") or answers.get("year_group"),
                }
            )
            people.add(response.id)
    return AnswerSet(texts, ids, metadata, len(people), run.period)
