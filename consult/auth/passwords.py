"""Is a new password good enough? (OWASP ASVS 2.1.1, 2.1.7)

- At least 12 characters (spaces allowed, no composition rules).
- Not one of the 30,000 most common passwords seen in breaches (the list zxcvbn ships,
  from breach corpora; checked offline, nothing is sent anywhere), ignoring case and spaces.
- Not guessable in under 10^10 attempts by zxcvbn's estimate (its top score, 4: resists
  an offline attack on a stolen hash), which catches what a list cannot: repeats
  (``aaaaaaaaaaaa``), keyboard runs (``qwertyuiopas``), sequences, a season or month with a
  year (``Summer2026!!``), dictionary words with digits and l33t substitutions.
- Not a passphrase published as an example in well-known password advice (``correct horse
  battery staple``): attackers try those first, and zxcvbn does not know them.
- Not built from the account's own email address.
"""

from __future__ import annotations

import re
from functools import cache

MIN_LENGTH = 12
# zxcvbn's cost grows with length; beyond this the estimate is of no further use.
_ESTIMATE_CHARS = 64
_GOOD_SCORE = 4  # zxcvbn: 4 = "very unguessable" (>= 10^10 guesses)
# Example passphrases from famous advice (xkcd 936 and its replies), compared squashed.
_PUBLISHED_EXAMPLES = frozenset({
    "correcthorsebatterystaple", "tr0ub4dor&3", "troubador", "horsebatterystaple",
})


class WeakPassword(ValueError):  # noqa: N818 (a reason, shown to the person)
    """The message says why, in GOV.UK style ("Enter …" / "Choose …")."""


@cache
def _breached() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _squashed(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def check(password: str, *, email: str = "") -> None:
    """Raise :class:`WeakPassword` when ``password`` should not be used."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Enter a password of at least {MIN_LENGTH} characters")
    squashed = _squashed(password)
    if squashed in _PUBLISHED_EXAMPLES:
        raise WeakPassword(
            "Choose a different password: this one is published as an example in "
            "password advice, so it is among the first an attacker tries"
        )
    if squashed in _breached():
        raise WeakPassword(
            "Choose a different password: this one is on a list of passwords stolen "
            "in data breaches"
        )
    local = _squashed(email.split("@")[0]) if email else ""
    if len(local) >= 4 and local in squashed:
        raise WeakPassword("Choose a password that does not contain your email address")
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:_ESTIMATE_CHARS])
    if result["score"] < _GOOD_SCORE:
        feedback = result["feedback"]
        hint = feedback.get("warning") or ""
        why = f" ({hint.rstrip('.')})" if hint else ""
        tips = " ".join(feedback.get("suggestions") or [])
        raise WeakPassword(
            f"Choose a password that is harder to guess{why}: three or four unrelated "
            "words make a good one" + (f". {tips}" if tips else "")
        )
