"""The screener's second look: is an alarming answer really a disclosure?

Rules and embeddings catch nearly every disclosure but also jokes ("this survey is so long i
want to die 😂"), the past and resolved ("i used to self harm but got help"), the news,
lessons, games, sport and butter knives. A logistic regression trained on labelled answers
(``bench/screening_train.py``) looks at the candidate again, per sentence (so a disclosure
buried after an ordinary answer is judged on its own sentence), using:

- the sentence embedding (all-MiniLM-L6-v2, already computed for the first look);
- whether a rule matched that sentence, and its similarity to the disclosure and
  non-disclosure examples;
- context cues from ``data/screening_context.yaml`` (joke, past and resolved, news, lesson,
  hypothetical, negation, game or film, sport, cooking or pets, first person and now,
  everyday family life, people in general rather than the pupil, an answer that opens by
  denying it).

It learns a disclosure from the whole answer and an ordinary answer from every one of its
sentences, since an answer is judged by its most alarming sentence.

Its probability is the flag's confidence; an answer is flagged only when it is at least
the model's threshold (chosen on the training data for recall >= 0.97). The trained
weights are data: ``data/screening_context_model.json``; without them the second look is
skipped (every candidate flagged, confidence 1.0).
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("data")
CUES_PATH = DATA / "screening_context.yaml"
MODEL_PATH = DATA / "screening_context_model.json"


class ContextDataError(ValueError):
    """The cue file or the model file is malformed (the message says where)."""


@functools.cache
def load_cues(path: str | None = None) -> dict[str, list[re.Pattern[str]]]:
    import yaml

    with open(path or CUES_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    cues = data.get("cues")
    if not isinstance(cues, dict) or not cues:
        raise ContextDataError(f"{path or CUES_PATH}: 'cues' must be a mapping of lists")
    out = {}
    for name, patterns in cues.items():
        if not isinstance(patterns, list) or not patterns:
            raise ContextDataError(f"{path or CUES_PATH}: cue {name!r} needs a list of patterns")
        try:
            out[name] = [re.compile(p) for p in patterns]
        except (re.error, TypeError) as exc:
            raise ContextDataError(f"{path or CUES_PATH}: cue {name!r}: {exc}") from None
    return out


def cue_features(text: str, norm: str) -> list[float]:
    """Per cue: how many of its patterns match (the raw text, for emoji, or the normalised)."""
    feats = []
    for patterns in load_cues().values():
        feats.append(float(sum(1 for p in patterns if p.search(norm) or p.search(text.lower()))))
    return feats


def feature_names() -> list[str]:
    return ["rule_hit", "sim_disclosure", "sim_non_disclosure", "sim_margin",
            *[f"cue_{n}" for n in load_cues()]]


def features(text: str, norm: str, rule_hit: bool, d: float, n: float, vector) -> list[float]:
    return [float(rule_hit), d, n, d - n, *cue_features(text, norm), *map(float, vector)]


@dataclass
class ContextModel:
    weights: list[float]
    bias: float
    threshold: float
    means: list[float]
    scales: list[float]

    def probability(self, x: list[float]) -> float:
        z = self.bias
        for w, v, m, s in zip(self.weights, x, self.means, self.scales, strict=True):
            z += w * (v - m) / s
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@functools.cache
def load_model(path: str | None = None) -> ContextModel | None:
    p = Path(path or MODEL_PATH)
    if not p.exists():
        return None
    data = json.loads(p.read_text(encoding="utf-8"))
    try:
        model = ContextModel(
            weights=[float(w) for w in data["weights"]], bias=float(data["bias"]),
            threshold=float(data["threshold"]), means=[float(v) for v in data["means"]],
            scales=[float(v) or 1.0 for v in data["scales"]],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ContextDataError(f"{p}: {exc}") from None
    if not (len(model.weights) == len(model.means) == len(model.scales)):
        raise ContextDataError(f"{p}: weights, means and scales differ in length")
    if data.get("cues") != list(load_cues()):
        raise ContextDataError(f"{p}: trained with other cues; re-run bench/screening_train.py")
    return model
