"""The arithmetic behind every figure: pure functions, no Flask, no database.

* :func:`proportion`            a count out of a base, with its 95% interval (the Wilson
                                score, :func:`nlp.intervals.wilson_interval`), suppressed
                                when the count (or the base) is under the threshold
* :func:`two_proportion_z_test` whether two shares differ by more than chance
* :func:`compare`               a theme's change since last year: new, growing, shrinking,
                                steady or gone
* :func:`shares_by`             a theme's share within each group (district, age group, ...)
* :func:`closed_question_table` counts and shares for a closed question
* :func:`theme_sentence`        the sentence a report prints for a theme
* :func:`group_differences`     groups whose share differs from the rest of their audience
                                (two-proportion z-test, Holm-corrected across the groups)
* :func:`figure_sentence`       one sentence of a theme's figures across audiences
* :func:`share_text`            a share as a table shows it ("18%", or "fewer than 5")

The charts are drawn in :mod:`~consult.analysis.public_views.charts`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from nlp.intervals import wilson_interval

DEFAULT_THRESHOLD = 5
DEFAULT_ALPHA = 0.05


# --- intervals and suppression -------------------------------
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


def holm(p_values: Sequence[float], alpha: float = DEFAULT_ALPHA) -> list[bool]:
    """Holm–Bonferroni: which of several tests stay significant at ``alpha`` together
    (the chance of any false alarm among them stays at most ``alpha``)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    keep = [False] * len(p_values)
    m = len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] * (m - rank) >= alpha:
            break
        keep[i] = True
    return keep


@dataclass(frozen=True)
class GroupDifference:
    """A group whose share of a theme differs from everyone else's in its audience."""

    group: str
    share: Proportion
    rest: Proportion
    p_value: float

    @property
    def higher(self) -> bool:
        return self.share.share > self.rest.share


def group_differences(
    groups: Sequence[tuple[str, Proportion, Proportion]],
    alpha: float = DEFAULT_ALPHA,
    min_base: int = 1,
) -> list[GroupDifference]:
    """``groups``: (group, its share, everyone else's share). Tested are groups and rests of
    at least ``min_base`` people; kept are those whose difference survives Holm's correction
    at ``alpha`` and whose own share can be shown (not suppressed)."""
    tested = [
        (g, p, rest) for g, p, rest in groups if p.base >= min_base and rest.base >= min_base
    ]
    if not tested:
        return []
    ps = [two_proportion_z_test(p.count, p.base, r.count, r.base)[1] for _, p, r in tested]
    return [
        GroupDifference(g, p, r, pv)
        for (g, p, r), pv, keep in zip(tested, ps, holm(ps, alpha), strict=True)
        if keep and not p.suppressed
    ]


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


def figure_fragment(audience: str, current: Proportion, change: Change | None,
                    last_year: str) -> str:
    """E.g. "60% of residents (95% CI 47–71%; up from 16% in 2025)"."""
    if current.suppressed:
        return f"{suppressed_text(current.threshold)} {audience}"
    inside = f"95% CI {current.display_interval}"
    if change is not None and change.status == NEW:
        inside += f"; not among the themes {last_year}"
    elif change is not None and change.previous is not None:
        prev = change.previous
        if prev.suppressed:
            inside += f"; {suppressed_text(prev.threshold)} {audience} {last_year}"
        elif change.status == GROWING:
            inside += f"; up from {prev.display_share} {last_year}"
        elif change.status == SHRINKING:
            inside += f"; down from {prev.display_share} {last_year}"
        else:
            inside += f"; {prev.display_share} {last_year}, a difference that could be chance"
    return f"{current.display_share} of {audience} ({inside})"


def share_text(p: Proportion) -> str:
    """A share as a table cell shows it: "18%", or the words when suppressed."""
    return suppressed_text(p.threshold) if p.suppressed else p.display_share


def figure_sentence(label: str, fragments: Sequence[str]) -> str:
    """One sentence for a theme: 'Speeding was raised by A and by B.'"""
    if not fragments:
        return f"{_sentence_case(label)} was raised by too few people to report a share."
    return f"{_sentence_case(label)} was raised by " + " and by ".join(fragments) + "."
