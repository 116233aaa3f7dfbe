"""The editor's SQL: drafts, the published versions they start from, and publishing."""

from __future__ import annotations

import copy
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from consult.editor.codes import UsedCodes
from consult.editor.models import SurveyDraft
from consult.models import SurveyVersion, User, utcnow
from consult.survey_store import current_version, latest_version_number, publish, resolve
from surveys.schema import SurveyDefinition


class NothingToPublish(ValueError):
    """The draft is the same as the latest published version."""


def get_draft(db: Session, draft_id: int) -> SurveyDraft | None:
    return db.get(SurveyDraft, draft_id)


def draft_for(db: Session, survey_id: str) -> SurveyDraft | None:
    return db.scalar(select(SurveyDraft).where(SurveyDraft.survey_id == survey_id))


def drafts(db: Session) -> list[SurveyDraft]:
    return list(db.scalars(select(SurveyDraft).order_by(SurveyDraft.survey_id)))


def latest_versions(db: Session) -> list[SurveyVersion]:
    """The newest published version of each survey."""
    ids = db.scalars(select(SurveyVersion.survey_id).distinct().order_by(SurveyVersion.survey_id))
    return [current_version(db, survey_id) for survey_id in ids]


def latest_definition(db: Session, survey_id: str) -> dict | None:
    version = current_version(db, survey_id)
    return copy.deepcopy(version.definition) if version is not None else None


def used_codes(db: Session, survey_id: str) -> UsedCodes:
    definitions = db.scalars(
        select(SurveyVersion.definition).where(SurveyVersion.survey_id == survey_id)
    )
    return UsedCodes.from_definitions(definitions)


def start_draft(
    db: Session, survey_id: str, definition: dict, based_on: int | None, user: User | None
) -> SurveyDraft:
    now = utcnow()
    draft = SurveyDraft(
        survey_id=survey_id,
        based_on_version=based_on,
        definition=definition,
        created_by_id=user.id if user else None,
        created_at=now,
        updated_by_id=user.id if user else None,
        updated_at=now,
    )
    db.add(draft)
    db.flush()
    return draft


def draft_from_latest(db: Session, survey_id: str, user: User | None) -> SurveyDraft | None:
    """A draft of the next version, starting from the latest published one."""
    version = current_version(db, survey_id)
    if version is None:
        return None
    definition = copy.deepcopy(version.definition)
    definition["version"] = version.version + 1
    return start_draft(db, survey_id, definition, version.version, user)


def save(db: Session, draft: SurveyDraft, definition: dict, user: User | None) -> bool:
    """Store the draft's new definition if nobody has saved it since ``draft`` was read:
    one ``UPDATE ... WHERE updated_at = <as read>`` (a compare-and-swap; a second writer
    waits for the first's row lock, then matches no row). False: someone had."""
    read_at = draft.updated_at
    now = max(utcnow(), read_at + dt.timedelta(microseconds=1))
    result = db.execute(
        update(SurveyDraft)
        .where(SurveyDraft.id == draft.id, SurveyDraft.updated_at == read_at)
        .values(
            definition=copy.deepcopy(definition),
            updated_by_id=user.id if user else None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.expire(draft)
    return True


def publish_draft(
    db: Session, draft: SurveyDraft, defn: SurveyDefinition, districts: list[str]
) -> SurveyVersion:
    """Publish a checked draft as the survey's next version (through the same
    ``survey_store.publish`` as ``consult surveys load``) and delete the draft."""
    latest = current_version(db, draft.survey_id)
    number = latest_version_number(db, draft.survey_id) + 1
    ready = resolve(defn.model_copy(update={"version": number}), districts)
    if latest is not None:
        before = latest.definition | {"version": number}
        if SurveyDefinition.model_validate(before).definition_hash() == ready.definition_hash():
            raise NothingToPublish(
                f"There are no changes to publish: this draft is the same as version "
                f"{latest.version}"
            )
    publish(db, ready, source="survey editor")
    db.delete(draft)
    db.flush()
    return db.scalar(
        select(SurveyVersion).where(
            SurveyVersion.survey_id == draft.survey_id, SurveyVersion.version == number
        )
    )
