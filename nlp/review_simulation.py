"""Review simulation: an analyst who answers the coder's review queue from a label column."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def answer_vectors(texts: Sequence[str], engine) -> tuple[np.ndarray, list[str]]:
    """The vectors the theme engine would give these answers (redacted, place phrases
    masked, cached by text hash), and the redacted texts. Non-answers are kept: the analyst
    codes every row."""
    from .places import strip_places
    from .redact import Redactor

    texts = ["" if t is None else str(t) for t in texts]
    redacted = engine._redact(engine.redactor or Redactor(), texts)
    to_embed = [strip_places(t) for t in redacted] if engine.mask_places else redacted
    backend = engine._backend(len(set(to_embed)))
    return backend.embed(to_embed), redacted
