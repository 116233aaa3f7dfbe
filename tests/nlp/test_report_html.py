"""analyse-csv's report.html: a viewport, a chart of the themes and one per breakdown, each
with a text alternative and its figures in a table."""

from __future__ import annotations

import re

from nlp.report import render_report
from nlp.themes import Assignment, Theme, ThemeResult


def sample_result() -> tuple[ThemeResult, list[dict]]:
    themes = [
        Theme(0, "Speeding cars", ["speed"], 6, 0.5, ["Cars speed past the school"], "road_safety",
              0.8),
        Theme(1, "Drug dealing", ["drugs"], 4, 1 / 3, ["Dealing in the park"], None, 0.2, True),
    ]
    assignments, metadata = [], []
    for i in range(12):
        tid = 0 if i < 6 else (1 if i < 10 else None)
        assignments.append(Assignment(i, tid, 0.9, [], tid is None and i == 11, f"answer {i}"))
        metadata.append({"district": ["Adur", "Worthing"][i % 2], "age": ["16-24", "65+"][i % 2]})
    result = ThemeResult(themes, assignments, n_answers=12, n_non_answers=1, n_unthemed=1)
    return result, metadata


def test_report_has_a_viewport_and_a_chart_per_breakdown():
    result, metadata = sample_result()
    html = render_report(result, metadata, ["district", "age"], title="Concerns",
                         priority_names={"road_safety": "Road safety"})
    assert '<meta name=\'viewport\' content=\'width=device-width, initial-scale=1\'>' in html
    assert "<html lang='en'>" in html and "<main>" in html
    svgs = re.findall(r'<svg [^>]*role="img"[^>]*aria-label="([^"]+)"', html)
    # The themes, then the two groups of each breakdown.
    assert len(svgs) == 1 + 2 + 2
    assert svgs[0].startswith("The 2 largest themes") and "Speeding cars: 50.0% (6)" in svgs[0]
    assert any(s.startswith("district Adur (6 answers)") for s in svgs)
    assert any(s.startswith("age 65+ (6 answers)") for s in svgs)
    assert "<h2>By district</h2>" in html and "<h2>By age</h2>" in html
    assert html.count("<th scope='col'") >= 5
