"""Queries for survey versions: loading definitions and finding the one to serve."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from consult.models import Response, SurveyVersion
from surveys.schema import DefinitionError, SurveyDefinition, definition_files, load_definition


class VersionConflict(ValueError):
    """Changed content under a version that is already published."""


@dataclass
class LoadResult:
    file: str
    survey_id: str
    version: int
    status: str  # "stored" | "unchanged"


def resolve(defn: SurveyDefinition, districts: list[str]) -> SurveyDefinition:
    return defn.resolve_options(districts)


def load_file(db: Session, path: Path, districts: list[str]) -> LoadResult:
    """Store one definition file as a published version.

    Loading the same content again is a no-op; different content under a version that is
    already stored is refused: publish it as a new version instead.
    """
    defn = resolve(load_definition(path), districts)
    return publish(db, defn, source=str(path))


def publish(db: Session, defn: SurveyDefinition, source: str) -> LoadResult:
    """Store a resolved definition as a published version (``load_file`` and the survey
    editor both publish through here): the same content again is a no-op, different
    content under a version already stored is refused."""
    path = source
    digest = defn.definition_hash()
    existing = db.scalar(
        select(SurveyVersion).where(
            SurveyVersion.survey_id == defn.id, SurveyVersion.version == defn.version
        )
    )
    if existing is not None:
        if existing.definition_hash == digest:
            return LoadResult(str(path), defn.id, defn.version, "unchanged")
        raise VersionConflict(
            f"{path}: {defn.id} version {defn.version} is already published with different "
            f"content. A published version is never edited: give the changed survey "
            f"version {latest_version_number(db, defn.id) + 1}."
        )
    db.add(
        SurveyVersion(
            survey_id=defn.id,
            version=defn.version,
            title=defn.title,
            audience=defn.audience,
            definition=defn.model_dump(mode="json"),
            definition_hash=digest,
            source_file=source[:300],
        )
    )
    db.flush()
    return LoadResult(str(path), defn.id, defn.version, "stored")


def load_folder(db: Session, folder: Path, districts: list[str]) -> list[LoadResult]:
    """Validate every file first; store nothing if any is broken or conflicts."""
    files = definition_files(folder)
    problems: list[str] = []
    for path in files:
        try:
            load_definition(path)
        except DefinitionError as exc:
            problems.append(str(exc))
    if problems:
        raise DefinitionError("surveys", [("", "\n".join(problems))])
    results = [load_file(db, path, districts) for path in files]
    return results


def latest_version_number(db: Session, survey_id: str) -> int:
    return db.scalar(
        select(func.max(SurveyVersion.version)).where(SurveyVersion.survey_id == survey_id)
    ) or 0


def current_version(db: Session, survey_id: str) -> SurveyVersion | None:
    """The newest published version of a survey (its ``definition`` JSON is loaded when
    first used: ``definition_of`` rarely needs it)."""
    return db.scalar(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.version.desc())
        .limit(1)
        .options(defer(SurveyVersion.definition))
    )


def get_version(db: Session, version_id: int) -> SurveyVersion | None:
    return db.get(SurveyVersion, version_id)


_PARSED: OrderedDict[str, SurveyDefinition] = OrderedDict()
_PARSED_LOCK = threading.Lock()
_PARSED_MAX = 128


def definition_of(version: SurveyVersion) -> SurveyDefinition:
    """The parsed definition of a stored version, cached by its hash.

    A published version is never edited (a change is a new version, with a new hash), so
    the hash names the content: the stored JSON is read and validated only the first time
    a process meets a hash, not on every page.
    """
    digest = version.definition_hash
    with _PARSED_LOCK:
        found = _PARSED.get(digest)
        if found is not None:
            _PARSED.move_to_end(digest)
            return found
    parsed = SurveyDefinition.model_validate_json(json.dumps(version.definition))
    with _PARSED_LOCK:
        _PARSED[digest] = parsed
        if len(_PARSED) > _PARSED_MAX:
            _PARSED.popitem(last=False)
    return parsed


def versions_with_counts(db: Session) -> list[tuple[SurveyVersion, int, int]]:
    """Each version with the number of its responses that count (consult.reportable's rule,
    the number every page and export shows) and the number held back now (e.g. a pupil's
    answer waiting for safeguarding review)."""
    from consult.reportable import held_back, reportable

    by_version = (Response.survey_version_id, func.count(Response.id))
    counted = dict(db.execute(reportable(select(*by_version)).group_by(by_version[0])).all())
    held = dict(
        db.execute(
            select(*by_version)
            .where(Response.id.in_(select(held_back().subquery().c[0])))
            .group_by(by_version[0])
        ).all()
    )
    versions = db.scalars(select(SurveyVersion).order_by(SurveyVersion.survey_id,
                                                         SurveyVersion.version))
    return [(v, counted.get(v.id, 0), held.get(v.id, 0)) for v in versions]


def is_open(defn: SurveyDefinition, today: dt.date | None = None) -> bool:
    return defn.is_open(today or dt.date.today())
