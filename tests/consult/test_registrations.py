"""Features join reporting and the purge in their ``init_app``, not as a side effect of an
import: an app made by ``create_app`` holds flagged pupil answers back from reports and
analysis and keeps them through the purge, whatever was imported before it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from consult import reportable, retention
from consult.db import get_db
from consult.models import Response, utcnow
from consult.reportable import held_back_ids
from consult.retention import purge
from tests.consult.safeguarding.test_safeguarding import flags, pupil_says, reportable_ids
from tests.consult.schools.test_schools import staff_client

REGISTRIES = (
    (reportable, "exclusion_rules"),
    (retention, "purge_holds"),
    (retention, "keep_rules"),
    (retention, "before_progress_purge"),
    (retention, "before_response_purge"),
    (retention, "after_purge"),
    (retention, "housekeeping"),
)


@pytest.fixture
def fresh_app(make_app, monkeypatch):
    """An app made after emptying every registry: the models and packages are imported
    already (by this test run), so only ``create_app`` can fill them again."""
    for module, name in REGISTRIES:
        monkeypatch.setattr(module, name, [])
    return make_app()


def test_create_app_registers_every_feature_rule(fresh_app):
    from consult.analysis.hooks import scrub_quoted_text
    from consult.auth import forget_old_sign_in_records
    from consult.safeguarding.models import held_back_responses, unreviewed_responses
    from consult.safeguarding.purge_rules import kept_with_records

    assert reportable.exclusion_rules == [held_back_responses]
    assert retention.purge_holds == [unreviewed_responses]
    assert retention.keep_rules == [kept_with_records]
    assert scrub_quoted_text in retention.before_response_purge
    assert forget_old_sign_in_records in retention.housekeeping
    assert retention.before_progress_purge and retention.after_purge


def test_a_second_app_registers_nothing_twice(fresh_app, make_app):
    make_app()
    for module, name in REGISTRIES:
        hooks = getattr(module, name)
        assert len(hooks) == len(set(hooks)), name


def test_a_flagged_pupil_answer_is_hidden_and_kept_by_the_purge(fresh_app):
    app = fresh_app
    pupil_says(app, staff_client(app))
    flagged = {f.response_id for f in flags(app)}
    assert flagged and None not in flagged
    assert not flagged & reportable_ids(app)  # not in reports or exports
    with app.app_context():
        db = get_db()
        assert held_back_ids(db) == flagged  # not in analysis results either
        # Three years on, well past the survey's retention: unreviewed, so it stays.
        db.execute(update(Response).values(submitted_at=utcnow() - dt.timedelta(days=1100)))
        db.commit()
        report = purge(db)
        db.commit()
        assert set(db.scalars(select(Response.id))) == flagged
    assert sum(v.held for v in report.versions) == len(flagged)
