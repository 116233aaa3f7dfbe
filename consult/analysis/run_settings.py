"""A run's settings (``AnalysisRun.settings``, a JSON column) as a typed object, read and
written only here.

The stored JSON is flat, as it always was: ``year``, ``start``, ``engine``, the engine's own
settings (``embedding``, ``path`` ...: kept as they come, in :attr:`RunSettings.engine_details`),
``start_summary``, ``carried_themes``, ``decisions_applied``, ``coder`` and ``queue``. Every
setting is written but those that are None; a missing key reads as its default, so older
runs read back unchanged, and templates may still read the stored dictionary
(``run.settings.start_summary``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from consult.analysis.models import AnalysisRun


@dataclass
class RunSettings:
    # Only answers sent in this year ("2025"), or every answer (None).
    year: str | None = None
    # Where the themes start from: {"seed_run": id} (last year's reviewed run) or
    # {"frame": path, "frame_name": name} (a code frame); empty: the engine's first pass.
    start: dict = field(default_factory=dict)
    # The engine adapter's name, and the settings the engine reported for the run.
    engine: str | None = None
    engine_details: dict = field(default_factory=dict)
    # What starting from the frame did: {"source", "themes", "placed"} (``frames``).
    start_summary: dict = field(default_factory=dict)
    # What the re-run carried over (``carry_over``): themes matched, decisions by kind.
    carried_themes: int | None = None
    decisions_applied: dict = field(default_factory=dict)
    # The coder's last summary (``coding``): decisions, reassigned, unthemed, proposed.
    coder: dict = field(default_factory=dict)
    # The check queue's order: answer ids, the next to check first (``coding``).
    queue: list[int] = field(default_factory=list)
    # New themes the coder proposes from the answers in no theme, for the analyst to
    # accept, merge or dismiss (``coding.proposed``): {"id", "label", "keywords", "answers"}.
    # None until the coder has proposed (settings stored before it round-trip unchanged).
    proposals: list[dict] | None = None
    # The questions analysed as "survey:code" (``runs.start``); empty for runs stored before
    # questions were keyed by survey (their plain ``question_codes`` apply to every survey).
    questions: list[str] | None = None

    @classmethod
    def from_json(cls, data: dict | None) -> RunSettings:
        data = dict(data or {})
        known = {f.name for f in fields(cls)} - {"engine_details"}
        values = {k: data.pop(k) for k in list(data) if k in known}
        values = {k: v for k, v in values.items() if v is not None}
        return cls(**values, engine_details=data)

    def to_json(self) -> dict:
        out = dict(self.engine_details)
        for f in fields(self):
            if f.name == "engine_details":
                continue
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value
        return out


def read(run: AnalysisRun) -> RunSettings:
    return RunSettings.from_json(run.settings)


def update(run: AnalysisRun, **changes) -> RunSettings:
    """Change some settings of the run (read afresh, so other keys are kept)."""
    unknown = set(changes) - {f.name for f in fields(RunSettings)}
    if unknown:
        raise TypeError(f"a run has no setting {', '.join(sorted(unknown))}")
    settings = replace(read(run), **changes)
    write(run, settings)
    return settings


def write(run: AnalysisRun, settings: RunSettings) -> None:
    run.settings = settings.to_json()
