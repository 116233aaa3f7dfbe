"""The public views section: only reviewed themes published, figures against last year,
the method's review counts, each survey's own question wording, small groups as one line,
breakdowns only where a group differs, and what must never appear in any export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from consult import reportable
from consult.analysis import queries, service
from consult.analysis.models import AnalysisRun, Theme
from consult.analysis.public_views.build import build_report
from consult.analysis.public_views.cache import cached_report
from consult.analysis.public_views.figures import GROWING, NEW, SHRINKING
from consult.analysis.public_views.formats import to_csv, to_json
from consult.analysis.public_views.word import to_docx
from consult.analysis.runs.engine import get_engine
from consult.analysis.web.public_views import standalone_html
from consult.db import get_db
from consult.jobs import enqueue
from consult.models import Response, utcnow
from tests.consult.analysis.test_analysis_support import (
    ANALYSIS_CONFIG,
    add_response,
    resident,
    version_of,
)
from tests.support import signed_in_as

Y2025 = dt.datetime(2025, 4, 1, 10, 0)
Y2026 = dt.datetime(2026, 4, 1, 10, 0)
SPEED_SENTENCE = (
    "Speeding was raised by 60% of residents (95% CI 47–71%; up from 16% in 2025)."
)
RESIDENTS_WORRY = "What worries you most about community safety where you live?"
PUPILS_WORRY = "What worries you most about staying safe?"
# The theme, not the residents' answer option "Knife crime and serious violence".
KNIFE = "Knife crime(?! and serious violence)"


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


def review(db, run_id, *labels):
    """Mark themes reviewed as the review actions do (Theme.reviewed_at, CONTRACT-11), and
    confirm the engine's priority links (only confirmed links are ranked)."""
    from consult.analysis.review.curation import link_priority

    found = db.scalars(select(Theme).where(Theme.run_id == run_id, Theme.label.in_(labels)))
    found = list(found)
    assert {t.label for t in found} == set(labels)
    run = db.get(AnalysisRun, run_id)
    for t in found:
        t.reviewed_at = utcnow()
        if t.priority:
            link_priority(db, run, t, t.priority, {t.priority: t.priority}, None)
    db.commit()


@pytest.fixture
def app(make_app):
    return make_app(**ANALYSIS_CONFIG)


def built(db, run):
    """The run's figures, built as the cache builds them (with the app's engine's match)."""
    return build_report(db, run, match=get_engine().match)


@pytest.fixture
def runs(app):
    return seed_runs(app)


def seed_runs(app):
    """Last year: 50 residents, every theme reviewed. This year: 60 residents and 10 pupils
    (too few to report), one more resident whose answer is later held back by safeguarding;
    Speeding, Drug dealing and Vaping reviewed, Street lighting and Knife crime not.
    Returns (last year's run id, this year's, the resident's response id)."""
    with app.app_context():
        db = get_db()
        residents, schools = version_of(db).id, version_of(db, "schools").id
        add_response(db, resident("Cars speeding, call Sarah on 07700 900123"), submitted_at=Y2025)
        _many(db, 7, "Speeding through the village", Y2025)
        _many(db, 20, "Drug dealing near the station", Y2025)
        _many(db, 18, "Street lighting is broken and it is dark", Y2025)
        _many(db, 5, "Never see police on patrol", Y2025)
        last = _run(db, [residents], "2025")
        review(db, last.id, "Speeding", "Drug dealing", "Street lighting", "Police presence")

        add_response(db, resident("Cars speeding, call Sarah on 07700 900123"), submitted_at=Y2026)
        add_response(db, resident("Speeding past the school gate every morning"),
                     submitted_at=Y2026)
        _many(db, 34, "Speeding on the main road", Y2026, district="adur",
              priority="Speed cameras please")
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
        review(db, this.id, "Speeding", "Drug dealing", "Vaping")
        return last.id, this.id, held.id


def _hold(monkeypatch, response_id):
    monkeypatch.setattr(
        reportable, "exclusion_rules",
        [*reportable.exclusion_rules, lambda: select(Response.id).where(Response.id == response_id)],
    )


@pytest.fixture(scope="module")
def held_back(module_analysis_app):
    """The runs of :func:`seed_runs` with the one resident's answer held back, and this
    year's report in every format, built once for the tests that only read them."""
    app = module_analysis_app
    last_id, this_id, held_id = seed_runs(app)
    with pytest.MonkeyPatch.context() as patch, app.app_context():
        _hold(patch, held_id)
        db = get_db()
        this = db.get(AnalysisRun, this_id)
        report = built(db, this)
        return SimpleNamespace(
            last_id=last_id,
            baseline_id=queries.baseline_run_for(db, this).id,
            report=report,
            docx=to_docx(report),
            json=to_json(report),
            csv=to_csv(report),
            html=standalone_html(report),
        )


def docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _themes(report):
    return {f.label: f for f in report.all_themes}


def every_format(app, db, run_id) -> dict[str, str]:
    report = built(db, db.get(AnalysisRun, run_id))
    client = app.test_client()
    signed_in_as(app, client, email=f"a{secrets.token_hex(4)}@example.org")
    page = client.get(f"/analysis/runs/{run_id}/report").get_data(as_text=True)
    return {
        "page": page[page.index('class="govuk-grid-row"'):],  # the published part
        "docx": docx_text(to_docx(report)),
        "docx_download": docx_text(client.get(f"/analysis/runs/{run_id}/report.docx").data),
        "html": standalone_html(report),
        "csv": to_csv(report),
        "json": to_json(report),
    }


def test_unreviewed_themes_are_in_no_export_format(app, runs, monkeypatch):
    _last_id, this_id, held_id = runs
    _hold(monkeypatch, held_id)
    with app.app_context():
        db = get_db()
        outputs = every_format(app, db, this_id)
        for name, text in outputs.items():
            for label in ("Speeding", "Drug dealing", "Vaping"):
                assert label in text, (name, label)
            for label in ("Street lighting", KNIFE):  # not reviewed
                assert not re.search(label, text), (name, label)
        # Reviewing it publishes it, at once (the cached page notices the change).
        review(db, this_id, "Street lighting")
        outputs = every_format(app, db, this_id)
        for name, text in outputs.items():
            assert "Street lighting" in text, name
            assert not re.search(KNIFE, text), name


def test_the_analyst_page_says_what_still_needs_a_review(app, runs):
    _last_id, this_id, _held = runs
    client = app.test_client()
    signed_in_as(app, client)
    page = client.get(f"/analysis/runs/{this_id}/report").get_data(as_text=True)
    status = page[page.index('id="review-status"'):]
    status = " ".join(status[: status.index("</div>")].split())
    # 5 themes, 3 reviewed; 9 of 105 answers are in Street lighting (6) and Knife crime (3).
    assert "2 of 5 themes still need a review: their 9 answers (9% of 105)" in status
    assert "Only the 3 reviewed themes are published." in status


def test_method_states_exactly_what_was_reviewed_and_how(app, runs):
    _last_id, this_id, _held = runs
    with app.app_context():
        db = get_db()
        run = db.get(AnalysisRun, this_id)
        drugs = db.scalar(select(Theme).where(Theme.run_id == run.id,
                                              Theme.label == "Drug dealing"))
        service.rename(db, run, drugs, "Drug dealing in parks", None)
        speed = db.scalar(select(Theme).where(Theme.run_id == run.id, Theme.label == "Speeding"))
        two = [a.id for a, _ in queries.theme_answers(db, drugs)[0][:2]]
        service.move_answers(db, run, drugs, two, speed, None)
        quote = queries.quotes(db, speed.id)[1]
        service.approve_quote(db, run, quote, None)
        lighting = db.scalar(select(Theme).where(Theme.run_id == run.id,
                                                 Theme.label == "Street lighting"))
        service.set_not_relevant(db, run, lighting, True, None)
        db.commit()
        report = built(db, run)
        paragraph = report.review_paragraph()
        data = json.loads(to_json(report))
        words = docx_text(to_docx(report))
    assert paragraph == (
        "The text-analysis tool suggested 5 themes. An analyst reviewed 3 of them (1 renamed; "
        "2 linked to a priority by hand): "
        "read their answers, and confirmed or named each one, placing 2 answers in their theme "
        "by hand. Only the 3 reviewed themes are "
        "reported here: they hold 96 of the 99 answers (97%). Not reported: 1 theme not yet "
        "reviewed (3 answers, 3%). 1 suggested theme set aside as not relevant. The analyst "
        "approved 1 quote for publication."
    )
    assert paragraph in words
    assert data["review"] == {
        "themes_suggested": 5, "themes_reviewed": 3, "themes_not_yet_reviewed": 1,
        "themes_not_relevant": 1, "answers": 99, "answers_in_reviewed_themes": 96,
        "answers_in_unreviewed_themes": 3, "answers_in_no_theme": 0, "quotes_approved": 1,
        "how_reviewed": {"renamed": 1, "linked to a priority by hand": 2},
        "answers_placed_by_hand": 2,
    }
    assert "every theme was checked" not in words


def test_each_survey_is_quoted_in_its_own_words(app, runs):
    _last_id, this_id, _held = runs
    with app.app_context():
        db = get_db()
        report = built(db, db.get(AnalysisRun, this_id))
        data = json.loads(to_json(report))
        words = docx_text(to_docx(report))
    by_survey = {s.survey_id: s for s in report.surveys}
    assert dict(by_survey["residents"].questions)["worry_text"] == RESIDENTS_WORRY
    assert dict(by_survey["schools"].questions)["worry_text"] == PUPILS_WORRY
    method = report.method_paragraphs()
    residents_line = next(p for p in method if p.startswith("The Community safety survey"))
    pupils_line = next(p for p in method if p.startswith("The Staying safe survey"))
    assert RESIDENTS_WORRY in residents_line and PUPILS_WORRY not in residents_line
    assert "asked residents" in residents_line
    assert PUPILS_WORRY in pupils_line and "asked young people" in pupils_line
    assert residents_line in words and pupils_line in words
    surveys = {s["survey"]: s for s in data["sample"]["surveys"]}
    assert {"code": "worry_text", "question": PUPILS_WORRY} in surveys["schools"]["questions"]
    assert {"code": "worry_text", "question": RESIDENTS_WORRY} in surveys["residents"]["questions"]
    # Closed questions too: the pupils' "How safe ... at school?" is theirs alone.
    closed = {(t.survey, t.code): t for t in report.closed}
    assert ("Staying safe survey", "safe_dark") not in closed
    assert closed[("Community safety survey", "safe_dark")].audience == "residents"


def test_a_group_too_small_to_report_is_one_line(held_back):
    report = held_back.report
    words = docx_text(held_back.docx)
    data = json.loads(held_back.json)
    html = held_back.html
    line = "Too few young people answered to report their themes (10 responses)."
    assert report.audiences["young_people"].too_few_line == line
    assert line in words and line in html
    assert data["sample"]["audiences"]["young_people"]["note"] == line
    assert "young_people" not in report.rankings
    for f in report.all_themes:
        assert "young_people" not in f.audiences
    # Never a table of "fewer than 5": no table row in the document is all suppressed.
    from docx import Document

    doc = Document(io.BytesIO(held_back.docx))
    for table in doc.tables:
        for row in table.rows[1:]:
            figures = [c.text for c in row.cells[1:]]
            assert not all(f in ("fewer than 5", "", "–") for f in figures), [
                c.text for c in row.cells
            ]
    # Age 65 to 74 (6 residents) is named in one line in the annex, not given a column.
    line = "Too few residents to report separately (age group): 65 to 74 (6 people)."
    assert line in words
    # The pupils' tick-box questions: one line for the survey, not one per question.
    [line] = report.closed_too_few()
    assert line.startswith("Too few young people answered the Staying safe survey to report "
                           "their answers to its ") and line.endswith("(10 responses).")
    assert words.count("Too few young people answered the") == 2  # summary and annex
    assert html.count("Too few young people answered the") == 2
    assert "Too few young people answered ‘" not in words + html


def test_year_on_year_against_last_years_reviewed_themes(held_back):
    assert held_back.baseline_id == held_back.last_id
    report = held_back.report
    assert report.baseline_period == "2025"
    assert report.audiences["residents"].people == 60
    t = _themes(report)
    assert t["Speeding"].changes["residents"].status == GROWING
    assert t["Speeding"].changes["residents"].p_value < 0.001
    assert t["Drug dealing"].changes["residents"].status == SHRINKING
    assert t["Vaping"].changes["residents"].status == NEW
    assert t["Speeding"].sentence == SPEED_SENTENCE
    assert t["Drug dealing"].sentence == (
        "Drug dealing was raised by 20% of residents (95% CI 12–32%; down from 39% in 2025)."
    )
    assert t["Vaping"].sentence.endswith("not among the themes in 2025).")
    # Police presence (reviewed last year) matches nothing this year; Street lighting does
    # (unreviewed this year), so it is not called gone.
    assert report.gone == ["Police presence"]
    # Emerging themes are kept apart from the ranking.
    ranking = report.rankings["residents"]
    assert [r.name for r in ranking.rows] == ["Road safety", "Drugs and county lines"]
    assert ranking.rows[0].change.status == GROWING
    assert [f.label for f in report.emerging] == ["Vaping"]
    assert "Vaping" not in [r.name for r in ranking.rows]


def test_breakdowns_are_shown_only_where_a_group_differs(app):
    """40 residents in Adur, 40 in Worthing: speeding raised by 20 and 6 (differs), police
    by 8 and 8 (does not)."""
    with app.app_context():
        db = get_db()
        for i in range(20):
            add_response(db, resident(f"Speeding cars {i}", district="adur"), submitted_at=Y2026)
        for i in range(6):
            add_response(db, resident(f"Speeding cars {i}", district="worthing"),
                         submitted_at=Y2026)
        for district in ("adur", "worthing"):
            for i in range(8):
                add_response(db, resident(f"Never see police on patrol {i}", district=district),
                             submitted_at=Y2026)
            for i in range(40 - 8 - (20 if district == "adur" else 6)):
                add_response(db, resident(f"Dog mess {i}", district=district),
                             submitted_at=Y2026)
        db.commit()
        run = _run(db, [version_of(db).id], "2026")
        review(db, run.id, "Speeding", "Police presence")
        report = built(db, run)
        words = docx_text(to_docx(report))
        data = json.loads(to_json(report))
    t = _themes(report)
    diffs = {(d.dimension, d.diff.group, d.diff.higher) for d in t["Speeding"].differences}
    assert diffs == {("district", "Adur", True), ("district", "Worthing", False)}
    assert t["Police presence"].differences == []
    assert (
        "Residents in Adur raised it more often than other residents: 50% (95% CI 35–65%) "
        "against 15%." in words
    )
    assert "Residents in Worthing raised it less often than other residents: 15%" in words
    assert words.count("raised it more often") == 1  # nothing for police
    # Everything is still in the annex table, police included.
    district = next(b for b in data["breakdowns"] if b["breakdown"] == "district")
    police = next(x for x in district["themes"] if x["label"] == "Police presence")
    assert [(s["group"], s["people"], s["of_people"]) for s in police["shares"]] == [
        ("Adur", 8, 40), ("Worthing", 8, 40)]
    assert "two-proportion z-test" in " ".join(report.method_paragraphs())
    assert "Holm–Bonferroni" in " ".join(report.method_paragraphs())


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
        outputs = every_format(app, db, this_id)
        for name, text in outputs.items():
            assert "XYZZY" not in text, name  # held back: never published
            assert "07700" not in text and "Sarah" not in text, name  # unredacted: never
            assert "school gate every morning" not in text, name  # unapproved: never
            if name != "csv":  # figures only
                assert "Cars speeding, call [NAME] on [PHONE]" in text, name
        report = built(db, this)
        assert _themes(report)["Speeding"].audiences["residents"].base == 60


def test_a_theme_whose_answers_are_all_held_back_is_dropped(app, runs, monkeypatch):
    _last_id, this_id, _held = runs
    with app.app_context():
        db = get_db()
        run = db.get(AnalysisRun, this_id)
        review(db, this_id, "Knife crime")
        knife = db.scalar(select(Theme).where(Theme.run_id == run.id,
                                              Theme.label == "Knife crime"))
        ids = [a.response_id for a, _ in queries.theme_answers(db, knife)[0]]
        assert "Knife crime" in _themes(built(db, run))
        monkeypatch.setattr(reportable, "exclusion_rules", [
            *reportable.exclusion_rules, lambda: select(Response.id).where(Response.id.in_(ids))
        ])
        assert "Knife crime" not in _themes(cached_report(db, run))
        assert not re.search(KNIFE, to_json(cached_report(db, run)))
        # Gone from the analyst's pages too: the themes list and the theme's own page.
        client = app.test_client()
        signed_in_as(app, client, email=f"a{secrets.token_hex(4)}@example.org")
        themes_page = client.get(f"/analysis/runs/{this_id}").get_data(as_text=True)
        assert "Drug dealing" in themes_page and "Knife crime" not in themes_page
        assert client.get(f"/analysis/runs/{this_id}/themes/{knife.id}").status_code == 404


def test_words_are_the_same_in_every_format(held_back):
    report = held_back.report
    data = json.loads(held_back.json)
    rows = list(csv.DictReader(io.StringIO(held_back.csv)))
    words = docx_text(held_back.docx)
    html = held_back.html
    speed = next(t for t in data["themes"] if t["label"] == "Speeding")["audiences"]["residents"]
    assert (speed["people"], speed["of_people"], speed["share"]) == (36, 60, 0.6)
    row = next(r for r in rows if r["section"] == "theme" and r["item"] == "Speeding")
    assert (row["people"], row["of_people"], row["share"]) == ("36", "60", "0.6")
    definitions = {r["item"]: r["display"] for r in rows if r["section"] == "definition"}
    assert definitions == data["definitions"]
    assert set(definitions) == {"answer", "people", "share"}
    # "N answers from M people" is explained where it appears.
    who = report.who_answered()
    assert "104 answers from 70 people (a person could answer more than one question" in who
    assert who in words and who in html
    # When people answered, not how long the survey stays open (it closes in 2027).
    assert re.search(r"(between|on) \d{1,2} \w+ 2026\b", who) and "2027" not in who
    assert data["sample"]["answers"] == 104 and data["sample"]["people"] == 70


def test_suppressed_figures_carry_no_numbers(app, runs, monkeypatch):
    _last_id, this_id, held_id = runs
    _hold(monkeypatch, held_id)
    with app.app_context():
        db = get_db()
        app.config["ANALYSIS_REPORT_MIN_BASE"] = 5  # report the 10 pupils here
        report = built(db, db.get(AnalysisRun, this_id))
        review(db, this_id, "Knife crime")
        report = built(db, db.get(AnalysisRun, this_id))
        data = json.loads(to_json(report))
        csv_text = to_csv(report)
    knife = next(t for t in data["themes"] if t["label"] == "Knife crime")
    assert knife["audiences"]["young_people"] == {
        "people": None, "of_people": 10, "share": None, "ci_low": None, "ci_high": None,
        "suppressed": True, "display": "fewer than 5"}
    line = next(r for r in csv_text.splitlines()
                if r.startswith("theme,Knife crime,young people"))
    assert line == "theme,Knife crime,young people,,,,10,,,,True,fewer than 5,,,"


def test_nothing_reviewed_yet_publishes_no_theme_in_any_format(app):
    with app.app_context():
        db = get_db()
        _many(db, 25, "Speeding on the main road", Y2026)
        db.commit()
        run = _run(db, [version_of(db).id], "2026")
        report = built(db, run)
        words = docx_text(to_docx(report))
        data = json.loads(to_json(report))
        html = standalone_html(report)
    assert report.all_themes == [] and data["themes"] == [] and data["priorities"] == {
        "residents": {"ranking": [], "raised_by_fewer_than_threshold": []}}
    assert "No theme has been reviewed yet" in words and "No theme has been reviewed yet" in html
    assert "Speeding" not in words and "Speeding" not in html
    assert report.review.unreviewed == 1 and report.review.in_unreviewed == 25
