"""The partnership's priority taxonomy and the mapping of themes onto it.

The taxonomy is YAML (``surveys/priorities.yaml``)::

    version: 1
    priorities:
      - id: road_safety
        name: Road safety
        description: Speeding, dangerous driving ...
        examples: ["cars speeding through the village", ...]

``map_to_priorities`` scores each theme against each priority by cosine similarity between
the theme's centroid and the priority's vector (the mean embedding of its name, description
and examples); a theme whose best score is below ``threshold`` is "emerging": a concern the
current priorities do not cover.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .vectors import unit_rows

# The similarity a theme needs before the engine suggests a link to a priority (below it the
# theme is "emerging"). Measured on tests/nlp/data/priority_links.yaml with all-MiniLM-L6-v2:
# 21 of 21 links above 0.60 are right (recall 0.81); at the old 0.45, 24 of 30 (0.80), with
# "Coffee bar and drugs" and "Potholes" linked. See BENCHMARKS.md, "Priority links". The app
# shows an engine link as a suggestion only at or above it; even then only the analyst's
# confirmation puts it in the public views.
AUTO_LINK_THRESHOLD = 0.60


class TaxonomyError(ValueError):
    """The priority taxonomy file is missing or malformed."""


@dataclass
class Priority:
    id: str
    name: str
    description: str = ""
    examples: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        head = f"{self.name}: {self.description}".strip(": ")
        return [head, *self.examples]


@dataclass
class Taxonomy:
    priorities: list[Priority]
    version: str | int | None = None

    def get(self, priority_id: str) -> Priority | None:
        return next((p for p in self.priorities if p.id == priority_id), None)


def load_taxonomy(path: str | os.PathLike) -> Taxonomy:
    """Read and validate a priority taxonomy YAML file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TaxonomyError(f"Cannot read the priority taxonomy {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"The priority taxonomy {path} is not valid YAML: {exc}") from exc
    return taxonomy_from_dict(data, source=str(path))


def taxonomy_from_dict(data, source: str = "taxonomy") -> Taxonomy:
    if not isinstance(data, dict) or not isinstance(data.get("priorities"), list):
        raise TaxonomyError(f"{source}: expected a mapping with a 'priorities' list")
    seen = set()
    priorities = []
    for i, item in enumerate(data["priorities"]):
        if not isinstance(item, dict) or not item.get("id") or not item.get("name"):
            raise TaxonomyError(f"{source}: priority {i + 1} needs an 'id' and a 'name'")
        pid = str(item["id"])
        if pid in seen:
            raise TaxonomyError(f"{source}: priority id {pid!r} appears twice")
        seen.add(pid)
        examples = item.get("examples") or []
        if not isinstance(examples, list):
            raise TaxonomyError(f"{source}: 'examples' of {pid!r} must be a list")
        priorities.append(
            Priority(
                id=pid,
                name=str(item["name"]),
                description=str(item.get("description") or ""),
                examples=[str(e) for e in examples],
            )
        )
    if not priorities:
        raise TaxonomyError(f"{source}: the taxonomy lists no priorities")
    return Taxonomy(priorities=priorities, version=data.get("version"))


def priority_vectors(taxonomy: Taxonomy, backend) -> np.ndarray:
    """One unit vector per priority: the normalised mean of its texts' embeddings."""
    texts: list[str] = []
    owner: list[int] = []
    for i, p in enumerate(taxonomy.priorities):
        for t in p.texts():
            texts.append(t)
            owner.append(i)
    emb = np.asarray(backend.embed(texts), dtype=np.float32)
    owner_arr = np.array(owner)
    vecs = np.vstack([emb[owner_arr == i].mean(axis=0) for i in range(len(taxonomy.priorities))])
    return unit_rows(vecs)


def map_to_priorities(
    theme_vectors: np.ndarray | Sequence[Sequence[float]],
    taxonomy: Taxonomy,
    backend,
    threshold: float = AUTO_LINK_THRESHOLD,
    vectors: np.ndarray | None = None,
) -> list[tuple[str | None, float]]:
    """For each theme vector, ``(priority_id, score)`` of the closest priority, or
    ``(None, best_score)`` when no priority reaches ``threshold`` (an emerging theme).
    ``vectors`` may pass precomputed ``priority_vectors``."""
    theme_vectors = np.asarray(theme_vectors, dtype=np.float32)
    if theme_vectors.size == 0:
        return []
    pv = priority_vectors(taxonomy, backend) if vectors is None else vectors
    sims = unit_rows(theme_vectors) @ pv.T
    out: list[tuple[str | None, float]] = []
    for row in sims:
        j = int(np.argmax(row))
        score = round(float(row[j]), 4)
        out.append((taxonomy.priorities[j].id if score >= threshold else None, score))
    return out
