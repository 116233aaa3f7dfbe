"""The public views section in a browser: the analyst's page and the standalone web page pass
axe, every chart loads, and only reviewed themes are on them."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import axe_check, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewed_run(live_server, monkeypatch):
    from consult.analysis import service
    from consult.db import get_db
    from consult.jobs import enqueue
    from tests.consult.analysis.test_analysis_support import (
        add_response,
        fake_factory,
        resident,
        version_of,
    )

    monkeypatch.setitem(live_server.app.config, "ANALYSIS_ENGINE_FACTORY", fake_factory)
    monkeypatch.setitem(live_server.app.config, "JOBS_SYNC", True)
    when = dt.datetime(2026, 4, 1)
    with live_server.app.app_context():
        db = get_db()
        for i in range(30):
            add_response(db, resident(f"Speeding cars {i}", district="adur"), submitted_at=when)
        for i in range(25):
            add_response(db, resident(f"Drug dealing in the park {i}", district="worthing"),
                         submitted_at=when)
        for i in range(8):
            add_response(db, resident(f"Dark paths, no lighting {i}"), submitted_at=when)
        db.commit()
        run = service.create_run(db, version_ids=[version_of(db).id],
                                 question_codes=["worry_text"], user=None, year="2026")
        db.commit()
        enqueue("analysis.run", {"run_id": run.id}, db=db)
        from tests.consult.analysis.public_views.test_analysis_export import review

        review(db, run.id, "Speeding", "Drug dealing")  # reviewed, their links confirmed
        return run.id


def test_public_views_pages_pass_axe_and_show_only_reviewed_themes(
    reviewed_run, staff_page, live_server
):
    page = staff_page("analyst")
    page.goto(f"/analysis/runs/{reviewed_run}/report")
    status = page.locator("#review-status").inner_text()
    assert "1 of 3 themes still needs a review" in status
    main = page.locator(".app-public-views").inner_text()
    assert "Speeding" in main and "Drug dealing" in main and "Street lighting" not in main
    charts = page.locator("img.app-chart").all()
    assert len(charts) == 3  # the ranking and the two themes
    for chart in charts:
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
        assert chart.get_attribute("alt").startswith("Bar chart")
    axe_check(page, "public views (analyst)")
    screenshot(page, "public-views-analyst")

    from consult.analysis.models import AnalysisRun
    from consult.analysis.public_views.cache import cached_report
    from consult.analysis.web.public_views import standalone_html
    from consult.db import get_db

    with live_server.app.test_request_context():
        db = get_db()
        html = standalone_html(cached_report(db, db.get(AnalysisRun, reviewed_run)))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("about:blank")  # a file of its own, not under the app's CSP
    page.set_content(html)
    assert page.locator("meta[name=viewport]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page, "public views (web page)")
    screenshot(page, "public-views-web-page")
