"""Load the spaCy pipeline once per process, with a clear error when it is missing."""

from __future__ import annotations

import threading
from functools import lru_cache

from .settings import SPACY_INSTALL_HINT, spacy_model_name


class ModelNotInstalledError(RuntimeError):
    """A model the pipeline needs is not installed on this machine."""


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(name: str):
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a declared dependency
        raise ModelNotInstalledError(
            f"spaCy is not installed. Install the NLP extras: pip install -e '.[nlp]' "
            f"and the model: {SPACY_INSTALL_HINT}"
        ) from exc
    try:
        return spacy.load(name)
    except OSError as exc:
        raise ModelNotInstalledError(
            f"The spaCy model {name!r} is not installed. Install it with: {SPACY_INSTALL_HINT} "
            f"(or set CONSULT_SPACY_MODEL to an installed pipeline)."
        ) from exc


def load_spacy(name: str | None = None):
    """Return the spaCy ``Language`` for ``name`` (default: the configured model)."""
    with _lock:
        return _load(name or spacy_model_name())
