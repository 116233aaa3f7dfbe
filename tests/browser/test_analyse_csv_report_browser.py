"""analyse-csv's report.html in a browser: axe finds nothing serious, the charts draw, and it
reads on a phone."""

from __future__ import annotations

import pytest

from nlp.report import render_report
from tests.browser.conftest import axe_check, screenshot
from tests.nlp.test_report_html import sample_result

pytestmark = pytest.mark.browser


def test_analyse_csv_report_passes_axe_and_fits_a_phone(page):
    result, metadata = sample_result()
    html = render_report(result, metadata, ["district", "age"], title="Concerns",
                         priority_names={"road_safety": "Road safety"})
    page.set_viewport_size({"width": 375, "height": 800})
    page.set_content(html)
    assert page.locator("svg[role=img]").count() == 5
    for svg in page.locator("svg[role=img]").all():
        box = svg.bounding_box()
        assert box["width"] > 100 and box["width"] <= 375
    # Nothing wider than the phone's screen but the tables' own scrolling boxes.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    axe_check(page, "analyse-csv report")
    screenshot(page, "analyse-csv-report")
