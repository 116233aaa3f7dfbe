"""A readable, self-contained HTML summary of a theme run, with breakdowns by metadata columns.

Everything shown is redacted: quotes come from ``Theme.quotes``, which are redacted answers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from html import escape

from .themes import ThemeResult

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:2rem;max-width:70rem;color:#0b0c0c}
h1{font-size:2rem}h2{font-size:1.5rem;margin-top:2.5rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border-bottom:1px solid #b1b4b6;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f2f1}td.num,th.num{text-align:right}
.tag{display:inline-block;padding:0 .4rem;background:#1d70b8;color:#fff;font-size:.8rem}
.tag.emerging{background:#f47738}
blockquote{margin:.3rem 0;padding-left:.6rem;border-left:4px solid #b1b4b6;color:#505a5f}
.kw{color:#505a5f;font-size:.9rem}
"""


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def render_report(
    result: ThemeResult,
    metadata: Sequence[dict] | None = None,
    group_by: Sequence[str] = (),
    title: str = "Theme analysis",
    priority_names: dict[str, str] | None = None,
) -> str:
    priority_names = priority_names or {}
    n = result.n_answers
    themed = n - result.n_non_answers - result.n_unthemed
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        "<table><tbody>",
        f"<tr><th>Answers</th><td class='num'>{n}</td><td></td></tr>",
        f"<tr><th>Themed</th><td class='num'>{themed}</td><td>{_pct(themed, n)}</td></tr>",
        f"<tr><th>Non-answers (counted, not themed)</th><td class='num'>{result.n_non_answers}"
        f"</td><td>{_pct(result.n_non_answers, n)}</td></tr>",
        f"<tr><th>Unthemed (no close theme)</th><td class='num'>{result.n_unthemed}</td>"
        f"<td>{_pct(result.n_unthemed, n)}</td></tr>",
        f"<tr><th>Themes</th><td class='num'>{len(result.themes)}</td><td></td></tr>",
        "</tbody></table>",
    ]
    if result.non_answer_kinds:
        kinds = ", ".join(
            f"{escape(k.replace('_', ' '))}: {v}"
            for k, v in sorted(result.non_answer_kinds.items(), key=lambda kv: -kv[1])
        )
        out.append(f"<p class='kw'>Non-answers by kind: {kinds}</p>")

    out.append("<h2>Themes</h2><table><thead><tr><th>Theme</th><th>Priority</th>"
               "<th class='num'>Answers</th><th class='num'>Share</th>"
               "<th>Keywords and typical answers (redacted)</th></tr></thead><tbody>")
    for t in result.themes:
        if t.emerging:
            prio = "<span class='tag emerging'>Emerging</span>"
        elif t.priority:
            name = priority_names.get(t.priority, t.priority)
            prio = f"<span class='tag'>{escape(name)}</span> ({t.priority_score:.2f})"
        else:
            prio = ""
        quotes = "".join(f"<blockquote>{escape(q)}</blockquote>" for q in t.quotes)
        places = ", ".join(f"{p} ({n})" for p, n in t.places)
        if places:
            quotes = f"<div class='kw'>Places named: {escape(places)}</div>{quotes}"
        out.append(
            f"<tr><td>{escape(t.label)}</td><td>{prio}</td><td class='num'>{t.size}</td>"
            f"<td class='num'>{100 * t.share:.1f}%</td>"
            f"<td><div class='kw'>{escape(', '.join(t.keywords))}</div>{quotes}</td></tr>"
        )
    out.append("</tbody></table>")

    if metadata is not None:
        for column in group_by:
            out.append(_breakdown(result, metadata, column))
    out.append("</body></html>")
    return "\n".join(out)


def _breakdown(result: ThemeResult, metadata: Sequence[dict], column: str) -> str:
    groups: Counter = Counter()
    counts: dict[object, Counter] = defaultdict(Counter)
    for a, row in zip(result.assignments, metadata, strict=True):
        g = str(row.get(column, "") or "(blank)")
        groups[g] += 1
        key = "non-answer" if a.is_non_answer else a.theme_id
        counts[key][g] += 1
        for tid, _ in a.further_themes:
            counts[("further", tid)][g] += 1
    names = sorted(groups, key=lambda g: (-groups[g], g))[:25]
    head = "".join(f"<th class='num'>{escape(g)}<br>({groups[g]})</th>" for g in names)
    rows = []
    for t in result.themes:
        cells = "".join(
            f"<td class='num'>{counts[t.id][g]} ({_pct(counts[t.id][g], groups[g])})</td>"
            for g in names
        )
        rows.append(f"<tr><td>{escape(t.label)}</td>{cells}</tr>")
    cells = "".join(
        f"<td class='num'>{counts['non-answer'][g]} ({_pct(counts['non-answer'][g], groups[g])})"
        "</td>"
        for g in names
    )
    rows.append(f"<tr><td><em>Non-answers</em></td>{cells}</tr>")
    return (
        f"<h2>By {escape(column)}</h2>"
        "<p class='kw'>Answers whose main theme is each theme, with the share of that group's "
        "answers.</p>"
        f"<table><thead><tr><th>Theme</th>{head}</tr></thead><tbody>{''.join(rows)}"
        "</tbody></table>"
    )
