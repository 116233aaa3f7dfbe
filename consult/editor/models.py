"""A survey draft: the next version of a survey while staff edit it in the browser.

The definition is kept as plain JSON exactly as edited, valid or not: the editor shows what
is wrong (by the same schema as the YAML files) and only a valid draft can be published.
One draft per survey at a time; publishing turns it into a new version and deletes it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from consult.base import Base, utcnow


class SurveyDraft(Base):
    __tablename__ = "survey_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The published version it started from (None: a new survey, or imported from YAML
    # before any version existed).
    based_on_version: Mapped[int | None] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
