"""Confidence intervals for shares: the one home of the Wilson score interval, used by the
guided coder's agreement estimate, the check queue and the public views figures."""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution


def wilson_interval(count: int, base: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``count`` out of ``base`` (0..1 each end).

    An empty base gives (0.0, 0.0); a count outside 0..base is a ValueError."""
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
