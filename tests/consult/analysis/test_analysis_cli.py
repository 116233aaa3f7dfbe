"""`consult analysis run` (waits for the job, with a progress bar) and `consult analysis
export` in every format, reviewed themes only."""

from __future__ import annotations

import json

import pytest

from consult.cli import cli
from consult.db import get_db
from tests.consult.analysis.public_views.test_analysis_export import docx_text, review
from tests.consult.analysis.test_analysis_support import (
    residents_app,
)


@pytest.fixture
def app(make_app):
    return residents_app(make_app)


def test_run_then_export_every_format(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["analysis", "run", "--survey", "residents", "--version", "1",
                                 "--poll", "0.01"])
    assert result.exit_code == 0, result.output
    assert "Run 1 complete: 3 themes from 41 answers (29 people)." in result.output
    with app.app_context():
        review(get_db(), 1, "Speeding", "Drug dealing")
    for fmt in ("docx", "html", "csv", "json"):
        out = tmp_path / f"views.{fmt}"
        result = runner.invoke(cli, ["analysis", "export", "1", "--format", fmt,
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "2 reviewed themes published; 1 not yet reviewed left out." in result.output
        text = docx_text(out.read_bytes()) if fmt == "docx" else out.read_text()
        assert "Speeding" in text and "Drug dealing" in text, fmt
        assert "Street lighting" not in text, fmt
    data = json.loads((tmp_path / "views.json").read_text())
    assert data["review"]["themes_reviewed"] == 2


def test_clear_errors(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["analysis", "run", "--survey", "nosuch"])
    assert result.exit_code == 2 and "No survey ‘nosuch’ (surveys: residents, schools)" in (
        result.output)
    result = runner.invoke(cli, ["analysis", "run", "--survey", "residents", "--version", "9"])
    assert result.exit_code == 2 and "Survey ‘residents’ has no version 9" in result.output
    result = runner.invoke(cli, ["analysis", "export", "7", "--format", "docx",
                                 "--out", str(tmp_path / "x.docx")])
    assert result.exit_code == 2 and "No analysis run 7" in result.output
    result = runner.invoke(cli, ["analysis", "export", "7", "--format", "pdf",
                                 "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and "'pdf' is not one of 'docx', 'html', 'csv', 'json'" in (
        result.output)
