"""The arithmetic behind every figure: pure functions, no Flask, no database.

* :func:`wilson_interval`       95% confidence interval of a proportion (Wilson score)
* :func:`proportion`            a count out of a base, with its interval, suppressed when
                                the count (or the base) is under the threshold
* :func:`two_proportion_z_test` whether two shares differ by more than chance
* :func:`compare`               a theme's change since last year: new, growing, shrinking,
                                steady or gone
* :func:`shares_by`             a theme's share within each group (district, age group, ...)
* :func:`closed_question_table` counts and shares for a closed question
* :func:`bar_chart_png`         a horizontal bar chart as PNG bytes (matplotlib, Agg)
* :func:`theme_sentence`        the sentence a report prints for a theme
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
DEFAULT_THRESHOLD = 5
DEFAULT_ALPHA = 0.05


# --- intervals and suppression -------------------------------
def wilson_interval(count: int, base: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``count`` out of ``base`` (0..1 each end)."""
    if base <= 0:
        return (0.0, 0.0)
    if count < 0 or count > base:
        raise ValueError(f"count {count} is outside 0..{base}")
    p = count / base
    z2 = z * z
    denom = 1 + z2 / base
    centre = (p + z2 / (2 * base)) / denom
    half = (z / denom) * math.sqrt(p * (1 - p) / base + z2 / (4 * base * base))
    return (max(0.0, centre - half), min(1.0, centre + half))


def is_suppressed(count: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """Counts under the threshold are never shown (zero included: "fewer than 5")."""
    return count < threshold


def suppressed_text(threshold: int = DEFAULT_THRESHOLD) -> str:
    return f"fewer than {threshold}"


def display_count(count: int, threshold: int = DEFAULT_THRESHOLD) -> str:
    return suppressed_text(threshold) if is_suppressed(count, threshold) else f"{count:,}"


def percent(value: float | None) -> str:
    """A share as a whole percentage, rounding halves up (0.185 -> "19%")."""
    if value is None:
        return ""
    return f"{int(math.floor(value * 100 + 0.5 + 1e-9))}%"


def _pct_number(value: float) -> int:
    return int(math.floor(value * 100 + 0.5 + 1e-9))


@dataclass(frozen=True)
class Proportion:
    """``count`` out of ``base``. When suppressed, only ``display_*`` may be shown: the
    count, share and interval are withheld from every output (``to_public_dict``)."""

    count: int
    base: int
    threshold: int = DEFAULT_THRESHOLD

    @property
    def suppressed(self) -> bool:
        return is_suppressed(self.count, self.threshold) or is_suppressed(self.base, self.threshold)

    @property
    def share(self) -> float:
        return self.count / self.base if self.base else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.count, self.base)

    @property
    def display_count(self) -> str:
        return display_count(self.count, self.threshold)

    @property
    def display_share(self) -> str:
        return "" if self.suppressed else percent(self.share)

    @property
    def display_interval(self) -> str:
        if self.suppressed:
            return ""
        low, high = self.interval
        return f"{_pct_number(low)}–{_pct_number(high)}%"

    def to_public_dict(self) -> dict:
        """What may leave the system: nothing but the words when suppressed."""
        if self.suppressed:
            return {
                "count": None,
                "base": self.base if not is_suppressed(self.base, self.threshold) else None,
                "share": None,
                "ci_low": None,
                "ci_high": None,
                "suppressed": True,
                "display": display_count(self.count, self.threshold),
            }
        low, high = self.interval
        return {
            "count": self.count,
            "base": self.base,
            "share": round(self.share, 4),
            "ci_low": round(low, 4),
            "ci_high": round(high, 4),
            "suppressed": False,
            "display": f"{self.display_share} (95% CI {self.display_interval})",
        }


def proportion(count: int, base: int, threshold: int = DEFAULT_THRESHOLD) -> Proportion:
    return Proportion(int(count), int(base), int(threshold))


# --- year on year -------------------------------
def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def two_proportion_z_test(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z-test of k1/n1 against k2/n2: returns (z, two-sided p).
    With no variation at all (both 0% or both 100%) there is no evidence of change: (0, 1)."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both bases must be positive")
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return (0.0, 1.0)
    z = (p1 - p2) / se
    return (z, normal_two_sided_p(z))


NEW, GROWING, SHRINKING, STEADY, GONE = "new", "growing", "shrinking", "steady", "gone"


@dataclass(frozen=True)
class Change:
    """A theme this year against last year. ``status`` is new (no matching theme last year),
    gone (last year's theme has none this year), growing or shrinking (the change in share is
    significant at ``alpha``) or steady (it could be chance)."""

    status: str
    current: Proportion | None = None
    previous: Proportion | None = None
    z: float | None = None
    p_value: float | None = None
    alpha: float = DEFAULT_ALPHA

    @property
    def difference(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current.share - self.previous.share

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < self.alpha

    def to_public_dict(self) -> dict:
        both_shown = (
            self.current is not None
            and self.previous is not None
            and not self.current.suppressed
            and not self.previous.suppressed
        )
        return {
            "status": self.status,
            "previous": self.previous.to_public_dict() if self.previous else None,
            "difference": round(self.difference, 4) if both_shown else None,
            "z": round(self.z, 3) if both_shown and self.z is not None else None,
            "p_value": round(self.p_value, 4) if both_shown and self.p_value is not None else None,
            "significant": self.significant if both_shown else None,
        }


def compare(
    current: Proportion | None, previous: Proportion | None, alpha: float = DEFAULT_ALPHA
) -> Change:
    if current is None and previous is None:
        raise ValueError("nothing to compare")
    if previous is None:
        return Change(NEW, current=current, alpha=alpha)
    if current is None:
        return Change(GONE, previous=previous, alpha=alpha)
    z, p = two_proportion_z_test(current.count, current.base, previous.count, previous.base)
    if p < alpha:
        status = GROWING if z > 0 else SHRINKING
    else:
        status = STEADY
    return Change(status, current=current, previous=previous, z=z, p_value=p, alpha=alpha)


# --- breakdowns -------------------------------
@dataclass
class Respondent:
    """One respondent as the figures see them: groups, and the themes they raised."""

    id: int
    respondent_type: str
    groups: dict[str, str | None] = field(default_factory=dict)
    themes: set = field(default_factory=set)


def theme_share(respondents: Sequence[Respondent], theme, threshold: int = DEFAULT_THRESHOLD):
    count = sum(1 for r in respondents if theme in r.themes)
    return proportion(count, len(respondents), threshold)


def shares_by(
    respondents: Sequence[Respondent],
    theme,
    key: Callable[[Respondent], str | None],
    threshold: int = DEFAULT_THRESHOLD,
    order: Sequence[str] | None = None,
    missing: str = "Not known",
) -> list[tuple[str, Proportion]]:
    """The theme's share within each group ``key`` puts respondents in."""
    groups: dict[str, list[Respondent]] = {}
    for r in respondents:
        groups.setdefault(key(r) or missing, []).append(r)
    names = [g for g in (order or []) if g in groups]
    names += sorted(g for g in groups if g not in names and g != missing)
    if missing in groups and missing not in names:
        names.append(missing)
    return [(g, theme_share(groups[g], theme, threshold)) for g in names]


def closed_question_table(
    values: Iterable[object],
    options: Sequence[tuple[str, str]],
    threshold: int = DEFAULT_THRESHOLD,
) -> tuple[int, list[tuple[str, str, Proportion]]]:
    """Counts for a closed question. ``values`` are answers (a code, a list of codes for
    checkboxes, or None when not answered); the base is everyone who answered. Returns
    (base, [(code, label, proportion)]) in the options' order."""
    answered = []
    for v in values:
        codes = v if isinstance(v, list) else ([] if v in (None, "") else [v])
        if codes:
            answered.append(set(codes))
    base = len(answered)
    rows = []
    for code, label in options:
        count = sum(1 for a in answered if code in a)
        rows.append((code, label, proportion(count, base, threshold)))
    return base, rows


# --- words -------------------------------
def _sentence_case(label: str) -> str:
    label = label.strip()
    return label[:1].upper() + label[1:] if label else label


def theme_sentence(
    label: str,
    audience: str,
    current: Proportion,
    change: Change | None = None,
    last_year: str = "last year",
) -> str:
    """E.g. "Speeding was raised by 18% of residents (95% CI 16–20%), up from 12% last year."
    Suppressed figures become words ("fewer than 5 residents"); a change that could be
    chance is not described as a rise or a fall."""
    subject = _sentence_case(label)
    if current.suppressed:
        return f"{subject} was raised by {suppressed_text(current.threshold)} {audience}."
    text = (
        f"{subject} was raised by {current.display_share} of {audience} "
        f"(95% CI {current.display_interval})"
    )
    if change is None or change.status == GONE:
        return text + "."
    if change.status == NEW:
        return text + f"; it was not among the themes {last_year}."
    prev = change.previous
    if prev is None:
        return text + "."
    if prev.suppressed:
        return text + f", against {suppressed_text(prev.threshold)} {audience} {last_year}."
    if change.status == GROWING:
        return text + f", up from {prev.display_share} {last_year}."
    if change.status == SHRINKING:
        return text + f", down from {prev.display_share} {last_year}."
    if prev.display_share == current.display_share:
        return text + f", the same as {last_year}."
    return (
        text + f", compared with {prev.display_share} {last_year} "
        "(a difference that could be due to chance)."
    )


# --- charts -------------------------------
def bar_chart_png(
    rows: Sequence[tuple[str, Proportion]],
    title: str,
    xlabel: str = "Percentage of respondents",
    width: float = 7.0,
) -> bytes:
    """Horizontal bars with 95% intervals; suppressed rows are labelled, never drawn."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [label for label, _ in rows][::-1]
    props = [p for _, p in rows][::-1]
    height = max(1.6, 0.42 * len(rows) + 1.0)
    fig, ax = plt.subplots(figsize=(width, height), dpi=150)
    try:
        values = [0 if p.suppressed else 100 * p.share for p in props]
        lows = [0 if p.suppressed else max(0.0, 100 * (p.share - p.interval[0])) for p in props]
        highs = [0 if p.suppressed else max(0.0, 100 * (p.interval[1] - p.share)) for p in props]
        y = range(len(props))
        ax.barh(list(y), values, color="#1d70b8", xerr=[lows, highs], ecolor="#0b0c0c",
                capsize=3)
        for i, p in enumerate(props):
            text = suppressed_text(p.threshold) if p.suppressed else p.display_share
            ax.text((values[i] + highs[i]) + 1, i, text, va="center", fontsize=8)
        ax.set_yticks(list(y))
        ax.set_yticklabels([_wrap(label) for label in labels], fontsize=8)
        top = max([v + h for v, h in zip(values, highs, strict=True)] + [10])
        ax.set_xlim(0, min(100, top + 12))
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_title(title, fontsize=10, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)


def _wrap(text: str, width: int = 34) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def as_dict(obj) -> dict:
    return asdict(obj)
