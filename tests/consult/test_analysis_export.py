"""The public views section: figures against last year, generated sentences, the Word
document read back, and what must never appear in any export."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import select

from consult import reportable
from consult.analysis import export, queries, service
from consult.analysis.models import AnalysisRun
from consult.analysis.report import build_report
from consult.analysis.stats import GROWING, NEW, SHRINKING
from consult.db import get_db
from consult.jobs import enqueue
from consult.models import Response
from tests.consult.test_analysis_support import (
    ANALYSIS_CONFIG,
    add_response,
    resident,
    version_of,
)

Y2025 = dt.datetime(2025, 4, 1, 10, 0)
Y2026 = dt.datetime(2026, 4, 1, 10, 0)
SPEED_SENTENCE = "Speeding was raised by 60% of residents (95% CI 47–71%), up from 16% last year."


def _many(db, n, text, when, **kw):
    for i in range(n):
        add_response(db, resident(f"{text} {i}", **kw), submitted_at=when)


def _pupil(db, text):
    return add_response(
        db, {"year_group": "year_9", "worry_text": text, "worries": ["drugs_vaping"]},
        survey_id="schools", respondent_type="pupil", submitted_at=Y2026,
    )


def _run(db, versions, year):
    run = service.create_run(
        db, version_ids=versions, question_codes=["worry_text", "priority_text", "safer_text"],
        user=None, year=year,
    )
    db.commit()
    job = enqueue("analysis.run", {"run_id": run.id}, db=db)
    assert job.status == "succeeded", job.message
    run = db.get(AnalysisRun, run.id)
    db.refresh(run)
    return run


@pytest.fixture
def app(make_app):
    return make_app(**ANALYSIS_CONFIG)


@pytest.fixture
def runs(app):
    """Last year: 50 residents. This year: 60 residents and 10 pupils, one more resident
    whose answer is later held back by safeguarding."""
    with app.app_context():
        db = get_db()
        residents, schools = version_of(db).id, version_of(db, "schools").id
        add_response(db, resident("Cars speeding, call Sarah on 07700 900123"), submitted_at=Y2025)
        _many(db, 7, "Speeding through the village", Y2025)
        _many(db, 20, "Drug dealing near the station", Y2025)
        _many(db, 18, "Street lighting is broken and it is dark", Y2025)
        _many(db, 5, "Never see police on patrol", Y2025)
        last = _run(db, [residents], "2025")

        add_response(db, resident("Cars speeding, call Sarah on 07700 900123"), submitted_at=Y2026)
        add_response(db, resident("Speeding past the school gate every morning"),
                     submitted_at=Y2026)
        _many(db, 34, "Speeding on the main road", Y2026, district="adur")
        _many(db, 12, "Drug dealing in the park", Y2026)
        _many(db, 6, "Dark paths, no lighting", Y2026, age="age_65_74")
        _many(db, 6, "Teenagers vaping at the bus stop", Y2026)
        held = add_response(db, resident("Speeding XYZZY held answer"), submitted_at=Y2026)
        for i in range(7):
            _pupil(db, f"People vaping in the toilets {i}")
        for i in range(3):
            _pupil(db, f"Someone brought a knife to school {i}")
        db.commit()
        this = _run(db, [residents, schools], "2026")
        return last.id, this.id, held.id


def _hold(monkeypatch, response_id):
    monkeypatch.setattr(
        reportable, "exclusion_rules",
        [*reportable.exclusion_rules, lambda: select(Response.id).where(Response.id == response_id)],
    )


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _themes(report):
    return {f.label: f for f in report.themes}


def test_year_on_year_against_last_years_run(app, runs, monkeypatch):
    last_id, this_id, held_id = runs
    _hold(monkeypatch, held_id)
    with app.app_context():
        db = get_db()
        this = db.get(AnalysisRun, this_id)
        assert queries.baseline_run_for(db, this).id == last_id
        report = build_report(db, this)
        assert report.baseline_period == "2025"
        assert report.audience_bases == {"residents": 60, "young_people": 10}
        t = _themes(report)
        assert t["Speeding"].changes["residents"].status == GROWING
        assert t["Speeding"].changes["residents"].p_value < 0.001
        assert t["Drug dealing"].changes["residents"].status == SHRINKING
        assert t["Vaping"].changes["residents"].status == NEW
        assert "young_people" not in t["Vaping"].changes  # no pupils last year
        assert report.gone == ["Police presence"]
        assert SPEED_SENTENCE in t["Speeding"].sentences
        assert "Drug dealing was raised by 20% of residents (95% CI 12–32%), down from 39% last year." in t["Drug dealing"].sentences
        assert t["Vaping"].sentences[0].endswith("it was not among the themes last year.")
        assert "Vaping was raised by 70% of young people (95% CI 40–89%)." in t["Vaping"].sentences
        assert "Knife crime was raised by fewer than 5 young people." in t["Knife crime"].sentences
        # Ranked priorities for each audience; vaping has no priority: emerging.
        young = report.priorities["young_people"]
        assert young[0].name == "Vaping" and young[0].emerging
        assert report.priorities["residents"][0].name == "Road safety"
        # Breakdowns are suppressed below 5.
        by_age = dict(t["Street lighting"].by_age)
        assert by_age["65 to 74"].count == 6 and not by_age["65 to 74"].suppressed
        assert dict(t["Knife crime"].by_type)["Young people (school sessions)"].suppressed


def test_a_renamed_theme_still_lines_up_with_last_year(app, runs, monkeypatch):
    last_id, this_id, held_id = runs
    with app.app_context():
        db = get_db()
        this = db.get(AnalysisRun, this_id)
        speed = next(t for t in queries.themes(db, this.id) if t.label == "Speeding")
        service.rename(db, this, speed, "Speeding and dangerous driving", None)
        db.commit()
        t = _themes(build_report(db, this))
        # Matched by centroid when the names differ.
        assert t["Speeding and dangerous driving"].changes["residents"].status == GROWING


def test_exports_hold_only_approved_redacted_quotes_of_reportable_responses(
    app, runs, monkeypatch
):
    _last_id, this_id, held_id = runs
    with app.app_context():
        db = get_db()
        this = db.get(AnalysisRun, this_id)
        speed = next(t for t in queries.themes(db, this.id) if t.label == "Speeding")
        engine_quotes = queries.quotes(db, speed.id)
        assert [q.redacted_text for q in engine_quotes] == [
            "Cars speeding, call [NAME] on [PHONE]",
            "Speeding past the school gate every morning",
        ]
        service.approve_quote(db, this, engine_quotes[0], None)  # the second stays unapproved
        held_answer = db.scalar(
            select(queries.AnalysedAnswer).where(
                queries.AnalysedAnswer.run_id == this.id,
                queries.AnalysedAnswer.response_id == held_id,
            )
        )
        held_quote = service.add_quote(db, this, speed, held_answer.id, None)
        service.approve_quote(db, this, held_quote, None)
        db.commit()

        # Then safeguarding holds the response back.
        _hold(monkeypatch, held_id)
        report = build_report(db, this)
        outputs = {
            "docx": _docx_text(export.to_docx(report)),
            "json": export.to_json(report),
            "csv": export.to_csv(report),
        }
        client = app.test_client()
        from tests.consult.test_analysis_support import sign_in

        sign_in(client, app)
        outputs["html"] = client.get(f"/analysis/runs/{this_id}/report").get_data(as_text=True)
        outputs["docx_download"] = _docx_text(
            client.get(f"/analysis/runs/{this_id}/report.docx").data
        )
        for name, text in outputs.items():
            assert "XYZZY" not in text, name  # held back: never published
            assert "07700" not in text and "Sarah" not in text, name  # unredacted: never
            assert "school gate every morning" not in text, name  # unapproved: never
        for name in ("docx", "json", "docx_download"):
            assert "Cars speeding, call [NAME] on [PHONE]" in outputs[name], name
        assert _themes(report)["Speeding"].audiences["residents"].base == 60


def test_word_document_opens_and_says_what_the_figures_say(app, runs, monkeypatch):
    _last_id, this_id, held_id = runs
    _hold(monkeypatch, held_id)
    with app.app_context():
        db = get_db()
        data = export.to_docx(build_report(db, db.get(AnalysisRun, this_id)))
    from docx import Document

    doc = Document(io.BytesIO(data))
    text = _docx_text(data)
    assert doc.paragraphs[0].text.startswith("Public views")
    assert SPEED_SENTENCE in text
    assert "respondents select themselves" in text
    assert "What residents want the partnership to prioritise" in text
    assert "What young people want the partnership to prioritise" in text
    assert "fewer than 5" in text
    assert len(doc.inline_shapes) >= 4  # the charts
    assert "How safe do you feel in your local area after dark?" in text


def test_csv_and_json_figures_never_carry_suppressed_numbers(app, runs, monkeypatch):
    _last_id, this_id, held_id = runs
    _hold(monkeypatch, held_id)
    with app.app_context():
        db = get_db()
        report = build_report(db, db.get(AnalysisRun, this_id))
        data = json.loads(export.to_json(report))
        csv_text = export.to_csv(report)
    knife = next(t for t in data["themes"] if t["label"] == "Knife crime")
    young = knife["audiences"]["young_people"]
    assert young == {"count": None, "base": 10, "share": None, "ci_low": None, "ci_high": None,
                     "suppressed": True, "display": "fewer than 5"}
    speed = next(t for t in data["themes"] if t["label"] == "Speeding")
    assert speed["audiences"]["residents"]["count"] == 36
    assert speed["change_since_last_year"]["residents"]["status"] == "growing"
    line = next(row for row in csv_text.splitlines()
                if row.startswith("theme,Knife crime,audience,young people"))
    assert line == "theme,Knife crime,audience,young people,,10,,,,True,fewer than 5,,,"  # no pupils last year: no change
