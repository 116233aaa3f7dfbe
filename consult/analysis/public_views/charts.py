"""The public views' charts: horizontal bars with 95% intervals, drawn with matplotlib
(Agg) as PNG, one per ranking and one per theme, kept with the report they draw
(:func:`~consult.analysis.public_views.report.cached_artifact`). Every chart has a title
and an alternative text that states each figure in it."""

from __future__ import annotations

import io
from collections.abc import Sequence

from consult.analysis.public_views.figures import Proportion, suppressed_text
from consult.analysis.public_views.parts import AUDIENCE_NOUNS
from consult.analysis.public_views.report import PublicViews, cached_artifact

MAX_CHART_ROWS = 12
MAX_DIFFERENCE_BARS = 4

# GOV.UK blue and dark grey: both pass 4.5:1 against white (5.2:1 and 7.0:1), so bars and
# their labels are legible; text is near-black (#0b0c0c, 19.6:1).
BAR_COLOUR = "#1d70b8"
SECOND_COLOUR = "#505a5f"
TEXT_COLOUR = "#0b0c0c"


def bar_chart_png(
    rows: Sequence[tuple[str, Proportion]],
    title: str | None = None,
    xlabel: str = "Percentage of respondents",
    width: float = 6.3,
    colours: Sequence[str] | None = None,
) -> bytes:
    """Horizontal bars with 95% intervals; suppressed rows are labelled, never drawn.
    ``width`` in inches (6.3 in = 16 cm, the text width of the Word document): the image
    is saved with a tight bounding box, so no label or title is ever cut off."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = [label for label, _ in rows][::-1]
    props = [p for _, p in rows][::-1]
    colours = list(colours or [BAR_COLOUR] * len(rows))[::-1]
    height = max(1.0, 0.34 * len(rows) + 0.8)
    fig, ax = plt.subplots(figsize=(width, height), dpi=150)
    try:
        values = [0 if p.suppressed else 100 * p.share for p in props]
        lows = [0 if p.suppressed else max(0.0, 100 * (p.share - p.interval[0])) for p in props]
        highs = [0 if p.suppressed else max(0.0, 100 * (p.interval[1] - p.share)) for p in props]
        y = list(range(len(props)))
        ax.barh(y, values, color=colours, xerr=[lows, highs], ecolor=TEXT_COLOUR, capsize=3,
                height=0.6)
        top = max([v + h for v, h in zip(values, highs, strict=True)] + [10])
        right = min(100, top * 1.25 + 6)
        for i, p in enumerate(props):
            text = suppressed_text(p.threshold) if p.suppressed else p.display_share
            ax.text(values[i] + highs[i] + right * 0.015, i, text, va="center", fontsize=9,
                    color=TEXT_COLOUR)
        ax.set_ylim(-0.6, len(props) - 0.4)  # bars as thick with one row as with ten
        ax.set_yticks(y)
        ax.set_yticklabels([_wrap(label, 30) for label in labels], fontsize=9, color=TEXT_COLOUR)
        ax.set_xlim(0, right)
        ax.set_xlabel(xlabel, fontsize=9, color=TEXT_COLOUR)
        ax.tick_params(axis="x", labelsize=8, colors=TEXT_COLOUR)
        if title:
            ax.set_title("\n".join(textwrap.wrap(title, 70)), fontsize=10, loc="left",
                         color=TEXT_COLOUR)
        ax.spines[["top", "right"]].set_visible(False)
        ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        out = io.BytesIO()
        fig.savefig(out, format="png", bbox_inches="tight", pad_inches=0.08)
        return out.getvalue()
    finally:
        plt.close(fig)


def _wrap(text: str, width: int = 30) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def chart_names(report: PublicViews) -> list[str]:
    names = [f"priorities-{key}" for key, rk in report.rankings.items() if rk.rows]
    names += [f"theme-{f.id}" for f in report.all_themes]
    return names


def _chart_rows(report: PublicViews, name: str):
    """(rows, colours, title, xlabel) of a chart, or None."""
    kind, _, key = name.partition("-")
    if kind == "priorities" and key in report.rankings:
        noun = AUDIENCE_NOUNS[key]
        rows = [(r.name, r.share) for r in report.rankings[key].rows][:MAX_CHART_ROWS]
        return (
            rows,
            None,
            f"Priorities raised by {noun}",
            f"Percentage of {noun} who wrote an answer",
        )
    if kind == "theme" and key.isdigit():
        f = next((f for f in report.all_themes if f.id == int(key)), None)
        if f is None:
            return None
        rows, colours = [], []
        for akey, p in f.audiences.items():
            noun = AUDIENCE_NOUNS[akey].capitalize()
            rows.append((f"{noun} {report.period}".strip(), p))
            colours.append(BAR_COLOUR)
            c = f.changes.get(akey)
            if c is not None and c.previous is not None and report.baseline_period:
                rows.append((f"{noun} {report.baseline_period}", c.previous))
                colours.append(SECOND_COLOUR)
        for d in f.differences[:MAX_DIFFERENCE_BARS]:
            rows.append((f"{AUDIENCE_NOUNS[d.audience].capitalize()} {d.phrase}", d.diff.share))
            colours.append(BAR_COLOUR)
        return rows, colours, f"{f.label}: share of people raising it", "Percentage of people"
    return None


def chart_title(report: PublicViews, name: str) -> str:
    found = _chart_rows(report, name)
    return found[2] if found else name


def chart_alt(report: PublicViews, name: str) -> str:
    """Alternative text: what the chart shows, with every figure in it."""
    found = _chart_rows(report, name)
    if not found:
        return ""
    rows, _colours, title, _xlabel = found
    values = "; ".join(f"{label}: {_figure_words(p)}" for label, p in rows)
    return f"Bar chart, {title.lower() if title[:1].isupper() else title}. {values}."


def _figure_words(p: Proportion) -> str:
    if p.suppressed:
        return suppressed_text(p.threshold)
    return f"{p.display_share} (95% CI {p.display_interval})"


def chart_png(report: PublicViews, name: str) -> bytes | None:
    def make():
        found = _chart_rows(report, name)
        if not found or not found[0]:
            return None
        rows, colours, _title, xlabel = found
        # No title in the image: the page and the document caption it, so it is never cut.
        return bar_chart_png(rows, None, xlabel=xlabel, colours=colours)

    return cached_artifact(report, f"chart:{name}", make)
