"""The naughty strings list (naughty_strings.txt), decoded."""

from __future__ import annotations

from functools import cache
from pathlib import Path

FILE = Path(__file__).with_name("naughty_strings.txt")


def _expand(value: str) -> str:
    kind, _, n = value.partition(":")
    if not n.isdigit():
        return value
    n = int(n)
    if kind == "LONG":
        return ("Speeding cars near the school " * (n // 29 + 1))[:n]
    if kind == "LONGEMOJI":
        return "🚓" * n
    if kind == "LONGWORD":
        return " ".join(["Supercalifragilistic" * 10] * (n // 200 + 1))[:n]
    if kind == "LONGLINES":
        return "\n".join(f"line {i}" for i in range(n))
    return value


@cache
def naughty_strings() -> tuple[str, ...]:
    """Every entry, decoded. Lines are split on \\n only: U+2028, U+0085 and friends are
    part of their entries."""
    out = []
    for line in FILE.read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("# ") or line == "#":
            continue
        if line.startswith("escaped:"):
            line = _expand(line[len("escaped:") :].encode("ascii").decode("unicode_escape"))
        out.append(line)
    return tuple(out)
