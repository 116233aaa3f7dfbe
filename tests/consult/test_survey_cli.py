"""`consult surveys validate` and `consult surveys load`: a published version is never
edited; a changed survey is a new version stored beside the old one."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from consult.cli import cli
from consult.db import get_db
from consult.models import SurveyVersion
from surveys import SURVEYS_DIR


def _copy(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load((SURVEYS_DIR / "residents.yaml").read_text())
    data.update(changes)
    path = tmp_path / f"residents-v{data['version']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _versions(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [(v.survey_id, v.version) for v in get_db().scalars(
            select(SurveyVersion).order_by(SurveyVersion.survey_id, SurveyVersion.version))]


def test_validate_reports_each_file(runner, tmp_path):
    ok = runner.invoke(cli, ["surveys", "validate"])
    assert ok.exit_code == 0, ok.output
    assert "residents.yaml: ok (residents version 1" in ok.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\nversion: 0\n")
    bad = runner.invoke(cli, ["surveys", "validate", str(broken)])
    assert bad.exit_code != 0
    assert str(broken) in bad.output and "version" in bad.output
    assert "1 of 1 file is not valid" in bad.output


def test_reloading_the_same_content_is_a_no_op(app, runner):
    before = _versions(app)
    result = runner.invoke(cli, ["surveys", "load"])
    assert result.exit_code == 0, result.output
    assert "residents version 1: unchanged" in result.output
    assert _versions(app) == before


def test_changed_content_under_a_published_version_is_refused(app, runner, tmp_path):
    changed = _copy(tmp_path, title="Community safety survey (edited)")
    result = runner.invoke(cli, ["surveys", "load", str(changed)])
    assert result.exit_code != 0
    assert "already published with different content" in result.output
    assert "version 2" in result.output  # it says what to do instead
    with app.app_context():
        v1 = get_db().scalars(select(SurveyVersion).where(
            SurveyVersion.survey_id == "residents", SurveyVersion.version == 1)).one()
        assert v1.title == "Community safety survey"


def test_a_new_version_is_stored_beside_the_old_and_new_respondents_get_it(app, runner, client, tmp_path):
    new = _copy(tmp_path, version=2, title="Community safety survey 2027")
    result = runner.invoke(cli, ["surveys", "load", str(new)])
    assert result.exit_code == 0, result.output
    assert ("residents", 1) in _versions(app) and ("residents", 2) in _versions(app)
    assert b"Community safety survey 2027" in client.get("/survey/residents/").data
