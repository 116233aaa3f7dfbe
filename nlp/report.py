"""A readable, accessible, self-contained HTML summary of a theme run, with a chart of the
themes and a chart and table for each metadata column it is broken down by.

Everything shown is redacted: quotes come from ``Theme.quotes``, which are redacted answers.
Charts are inline SVG (no script, no external file), each with a text alternative and its
figures repeated in a table beside it; colours pass WCAG AA contrast against white.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from html import escape

from .themes import ThemeResult

TEXT = "#0b0c0c"
BAR = "#1d70b8"  # 5.2:1 against white
MUTED = "#505a5f"  # 7.0:1
MAX_THEMES_CHARTED = 20
MAX_GROUPS = 25
MAX_GROUP_CHARTS = 8
TOP_THEMES_PER_GROUP = 5

_CSS = f"""
body{{font-family:Arial,Helvetica,sans-serif;margin:0;color:{TEXT};background:#fff;line-height:1.4}}
main{{max-width:70rem;margin:0 auto;padding:1rem}}
h1{{font-size:2rem}}h2{{font-size:1.5rem;margin-top:2.5rem}}h3{{font-size:1.15rem}}
table{{border-collapse:collapse;width:100%;margin:1rem 0}}
caption{{text-align:left;font-weight:bold;padding:.3rem 0}}
th,td{{border-bottom:1px solid #b1b4b6;padding:.4rem .5rem;text-align:left;vertical-align:top}}
thead th{{background:#f3f2f1}}td.num,th.num{{text-align:right}}
.tag{{display:inline-block;padding:0 .4rem;background:{BAR};color:#fff;font-size:.85rem}}
.tag.emerging{{background:#ffdd00;color:{TEXT}}}
blockquote{{margin:.3rem 0;padding-left:.6rem;border-left:4px solid #b1b4b6;color:{MUTED}}}
.kw{{color:{MUTED};font-size:.9rem}}
.scroll{{overflow-x:auto}}.scroll:focus{{outline:3px solid #ffdd00}}
figure{{margin:1rem 0}}figcaption{{font-weight:bold;margin-bottom:.3rem}}
svg{{max-width:100%;height:auto}}
.multiples{{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:1rem}}
"""


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def svg_bars(rows: Sequence[tuple[str, float, str]], title: str, width: int = 640) -> str:
    """A horizontal bar chart as inline SVG. ``rows``: (label, share 0..1, text shown at the
    bar's end). The title and every value are in the SVG's accessible name."""
    label_w, bar_h, gap, top = int(width * 0.42), 18, 8, 6
    plot_w = width - label_w - 95  # room for the value after the longest bar
    height = top + len(rows) * (bar_h + gap) + 4
    desc = "; ".join(f"{label}: {shown}" for label, _v, shown in rows)
    peak = max([v for _l, v, _s in rows] + [0.01])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}. {escape(desc)}">',
    ]
    for i, (label, value, shown) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(1.0, plot_w * value / peak) if value > 0 else 0
        short = label if len(label) <= 48 else label[:47] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end" font-size="13" '
            f'fill="{TEXT}">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{BAR}"/>'
            f'<text x="{label_w + w + 5:.1f}" y="{y + bar_h - 4}" font-size="13" '
            f'fill="{TEXT}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _figure(svg: str, caption: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{svg}</figure>"


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
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        "<table><caption>The answers</caption><tbody>",
        f"<tr><th scope='row'>Answers</th><td class='num'>{n}</td><td></td></tr>",
        f"<tr><th scope='row'>Themed</th><td class='num'>{themed}</td>"
        f"<td>{_pct(themed, n)}</td></tr>",
        f"<tr><th scope='row'>Non-answers (counted, not themed)</th>"
        f"<td class='num'>{result.n_non_answers}</td><td>{_pct(result.n_non_answers, n)}</td></tr>",
        f"<tr><th scope='row'>Unthemed (no close theme)</th><td class='num'>{result.n_unthemed}"
        f"</td><td>{_pct(result.n_unthemed, n)}</td></tr>",
        f"<tr><th scope='row'>Themes</th><td class='num'>{len(result.themes)}</td><td></td></tr>",
        "</tbody></table>",
    ]
    if result.non_answer_kinds:
        kinds = ", ".join(
            f"{escape(k.replace('_', ' '))}: {v}"
            for k, v in sorted(result.non_answer_kinds.items(), key=lambda kv: -kv[1])
        )
        out.append(f"<p class='kw'>Non-answers by kind: {kinds}</p>")

    out.append("<h2>Themes</h2>")
    ranked = sorted(result.themes, key=lambda t: -t.size)[:MAX_THEMES_CHARTED]
    if ranked:
        caption = (
            f"The {len(ranked)} largest themes: share of all {n} answers whose main theme it is"
        )
        out.append(_figure(
            svg_bars([(t.label, t.share, f"{100 * t.share:.1f}% ({t.size})") for t in ranked],
                     caption),
            caption,
        ))
    out.append("<div class='scroll' tabindex='0' role='region' aria-label='Every theme'>"
               "<table><caption>Every theme, with typical answers "
               "(redacted)</caption><thead><tr><th scope='col'>Theme</th>"
               "<th scope='col'>Priority</th><th scope='col' class='num'>Answers</th>"
               "<th scope='col' class='num'>Share</th>"
               "<th scope='col'>Keywords and typical answers (redacted)</th></tr></thead><tbody>")
    for t in result.themes:
        if t.emerging:
            prio = "<span class='tag emerging'>Emerging</span>"
        elif t.priority:
            name = priority_names.get(t.priority, t.priority)
            prio = f"<span class='tag'>{escape(name)}</span> ({t.priority_score:.2f})"
        else:
            prio = ""
        quotes = "".join(f"<blockquote>{escape(q)}</blockquote>" for q in t.quotes)
        places = ", ".join(f"{p} ({c})" for p, c in t.places)
        if places:
            quotes = f"<div class='kw'>Places named: {escape(places)}</div>{quotes}"
        out.append(
            f"<tr><th scope='row'>{escape(t.label)}</th><td>{prio}</td>"
            f"<td class='num'>{t.size}</td><td class='num'>{100 * t.share:.1f}%</td>"
            f"<td><div class='kw'>{escape(', '.join(t.keywords))}</div>{quotes}</td></tr>"
        )
    out.append("</tbody></table></div>")

    if metadata is not None:
        for column in group_by:
            out.append(_breakdown(result, metadata, column))
    out.append("</main></body></html>")
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
    names = sorted(groups, key=lambda g: (-groups[g], g))[:MAX_GROUPS]
    charts = []
    for g in names[:MAX_GROUP_CHARTS]:
        top = sorted(result.themes, key=lambda t: -counts[t.id][g])[:TOP_THEMES_PER_GROUP]
        rows = [
            (t.label, counts[t.id][g] / groups[g], f"{_pct(counts[t.id][g], groups[g])} "
             f"({counts[t.id][g]})")
            for t in top
            if counts[t.id][g]
        ]
        if rows:
            caption = f"{column} {g} ({groups[g]} answers): its largest themes"
            charts.append(_figure(svg_bars(rows, caption, width=420), caption))
    head = "".join(
        f"<th scope='col' class='num'>{escape(g)}<br>({groups[g]})</th>" for g in names
    )
    rows = []
    for t in result.themes:
        cells = "".join(
            f"<td class='num'>{counts[t.id][g]} ({_pct(counts[t.id][g], groups[g])})</td>"
            for g in names
        )
        rows.append(f"<tr><th scope='row'>{escape(t.label)}</th>{cells}</tr>")
    cells = "".join(
        f"<td class='num'>{counts['non-answer'][g]} ({_pct(counts['non-answer'][g], groups[g])})"
        "</td>"
        for g in names
    )
    rows.append(f"<tr><th scope='row'><em>Non-answers</em></th>{cells}</tr>")
    more = (
        f"<p class='kw'>Charts for the {MAX_GROUP_CHARTS} largest groups; every group is in "
        "the table.</p>"
        if len(names) > MAX_GROUP_CHARTS
        else ""
    )
    return (
        f"<h2>By {escape(column)}</h2>"
        "<p class='kw'>Answers whose main theme is each theme, with the share of that group's "
        "answers.</p>"
        f"<div class='multiples'>{''.join(charts)}</div>{more}"
        f"<div class='scroll' tabindex='0' role='region' aria-label='Themes by "
        f"{escape(column)}'><table><caption>Themes by {escape(column)}</caption>"
        f"<thead><tr><th scope='col'>Theme</th>{head}</tr></thead><tbody>{''.join(rows)}"
        "</tbody></table></div>"
    )
