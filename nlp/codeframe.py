"""Code frames: themes an analyst starts from, with answers first assigned by similarity.

A code frame lists themes by name, with an optional description and example answers, in
CSV or YAML::

    name,description,examples
    Speeding,"Cars driving too fast, racing",cars speeding past the school|boy racers at night

    - name: Speeding
      description: Cars driving too fast, racing
      examples: [cars speeding past the school, boy racers at night]

The partnership's priorities file (``surveys/priorities.yaml``: ``priorities:`` with ``id``,
``name``, ``description``, ``examples``) is a code frame too. ``load_frame`` reads either and
raises ``CodeFrameError`` naming the file, the row and the problem.

``assign_to_frame`` gives each answer the frame theme it is most similar to (cosine between
the answer's vector and the theme's texts: its name and description, and each example),
or -1 where no theme reaches the threshold: those answers are left for the engine to
cluster into emerging themes. The theme engine takes a frame with ``ThemeEngine(frame=...)``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .vectors import unit_rows

# Cosine (all-MiniLM-L6-v2) an answer needs with a frame theme's closest text to be assigned
# to it; below, the answer is left to form emerging themes. See BENCHMARKS.md (code frames).
DEFAULT_THRESHOLD = 0.45
# ... and its best theme must beat the second best by this much, else the answer is
# ambiguous between two frame themes and left for clustering.
DEFAULT_MARGIN = 0.0


@dataclass(frozen=True)
class FrameTheme:
    name: str
    description: str = ""
    examples: tuple[str, ...] = ()


class CodeFrameError(ValueError):
    """A code frame file is missing or malformed; the message names the file, the row or
    entry, and the problem."""


def load_frame(path: str | Path) -> list[FrameTheme]:
    """Read a code frame from ``.csv`` or ``.yaml``/``.yml``."""
    path = Path(path)
    if not path.exists():
        raise CodeFrameError(f"{path}: the code frame file does not exist")
    if path.is_dir():
        raise CodeFrameError(f"{path}: this is a folder, not a code frame file")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise CodeFrameError(
            f"{path}: a code frame must be a .csv, .yaml or .yml file, not {suffix or 'none'}"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodeFrameError(f"{path}: cannot be read ({exc})") from exc
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise CodeFrameError(f"{path}: unknown text encoding")
    frame = _from_csv(text, path) if suffix == ".csv" else _from_yaml(text, path)
    if not frame:
        raise CodeFrameError(f"{path}: the code frame lists no themes")
    seen: dict[str, int] = {}
    for i, theme in enumerate(frame, start=1):
        key = theme.name.strip().lower()
        if key in seen:
            raise CodeFrameError(
                f"{path}: theme {i} ({theme.name!r}) has the same name as theme {seen[key]}"
            )
        seen[key] = i
    return frame


def _from_csv(text: str, path: Path) -> list[FrameTheme]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or []) if h is not None]
    if "name" not in header:
        found = ", ".join(repr(h) for h in header) or "none"
        raise CodeFrameError(
            f"{path}: the first row must name the columns, with a 'name' column "
            f"(and optionally 'description' and 'examples'); found {found}"
        )
    frame = []
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "") for k, v in row.items() if k is not None}
        if not any(str(v).strip() for v in row.values()):
            continue  # a blank line
        name = row.get("name", "").strip()
        if not name:
            raise CodeFrameError(f"{path}, row {line}: enter a theme name in the 'name' column")
        examples = tuple(e.strip() for e in row.get("examples", "").split("|") if e.strip())
        frame.append(FrameTheme(name, row.get("description", "").strip(), examples))
    return frame


def _from_yaml(text: str, path: Path) -> list[FrameTheme]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f", line {where.line + 1}" if where is not None else ""
        raise CodeFrameError(f"{path}{at}: not valid YAML ({exc})") from exc
    if isinstance(data, dict):  # the priorities taxonomy, or {themes: [...]}
        items = data.get("priorities", data.get("themes"))
        if not isinstance(items, list):
            raise CodeFrameError(
                f"{path}: expected a list of themes, or a 'priorities' or 'themes' list"
            )
    elif isinstance(data, list):
        items = data
    else:
        raise CodeFrameError(f"{path}: expected a list of themes, each with a 'name'")
    frame = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, str) and item.strip():
            frame.append(FrameTheme(item.strip()))
            continue
        if not isinstance(item, dict):
            raise CodeFrameError(f"{path}, theme {i}: expected a mapping with a 'name'")
        name = str(item.get("name") or "").strip()
        if not name:
            raise CodeFrameError(f"{path}, theme {i}: enter a 'name'")
        examples = item.get("examples") or []
        if isinstance(examples, str):
            examples = [e for e in examples.split("|")]
        if not isinstance(examples, list):
            raise CodeFrameError(f"{path}, theme {i} ({name!r}): 'examples' must be a list")
        frame.append(
            FrameTheme(
                name,
                " ".join(str(item.get("description") or "").split()),
                tuple(str(e).strip() for e in examples if str(e).strip()),
            )
        )
    return frame


def frame_texts(theme: FrameTheme) -> list[str]:
    """What is embedded for a frame theme: its name with its description, then each
    example answer."""
    head = f"{theme.name}: {theme.description}" if theme.description else theme.name
    return [head, *theme.examples]


def frame_vectors(frame: Sequence[FrameTheme], backend) -> list[np.ndarray]:
    """One array per frame theme: the unit vectors of its ``frame_texts``."""
    texts = [t for theme in frame for t in frame_texts(theme)]
    emb = np.asarray(backend.embed(texts), dtype=np.float32) if texts else np.zeros((0, 1))
    out, at = [], 0
    for theme in frame:
        k = len(frame_texts(theme))
        out.append(emb[at : at + k])
        at += k
    return out


def frame_similarities(answer_vectors: np.ndarray,
                       frame_vectors: Sequence[np.ndarray]) -> np.ndarray:
    """(answers, themes) similarity: per theme, the best of the cosine to the mean of its
    texts and the cosine to each of its texts."""
    answers = unit_rows(np.asarray(answer_vectors, dtype=np.float32))
    cols = []
    for vecs in frame_vectors:
        vecs = unit_rows(np.asarray(vecs, dtype=np.float32).reshape(-1, answers.shape[1]))
        mean = unit_rows(vecs.mean(axis=0, keepdims=True))
        cols.append(np.max(answers @ np.vstack([mean, vecs]).T, axis=1))
    return np.column_stack(cols) if cols else np.zeros((len(answers), 0), dtype=np.float32)


def assign_to_frame(
    frame: Sequence[FrameTheme],
    answer_vectors: np.ndarray,
    frame_vectors: Sequence[np.ndarray],
    threshold: float | None = None,
    margin: float = DEFAULT_MARGIN,
) -> tuple[np.ndarray, np.ndarray]:
    """(theme index per answer, -1 where nothing fits; similarity to that theme per answer).

    An answer goes to its most similar frame theme when the similarity reaches
    ``threshold`` (default ``DEFAULT_THRESHOLD``) and beats the runner-up by ``margin``."""
    if len(frame) != len(frame_vectors):
        raise ValueError(f"got {len(frame)} frame themes but {len(frame_vectors)} vector sets")
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    n = len(answer_vectors)
    if n == 0 or not len(frame):
        return np.full(n, -1, dtype=int), np.zeros(n, dtype=np.float32)
    sims = frame_similarities(answer_vectors, frame_vectors)
    best = sims.argmax(axis=1)
    score = sims[np.arange(n), best]
    second = np.sort(sims, axis=1)[:, -2] if sims.shape[1] > 1 else np.full(n, -1.0)
    fits = (score >= threshold) & (score - second >= margin)
    return np.where(fits, best, -1).astype(int), score.astype(np.float32)
