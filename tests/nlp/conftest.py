"""Fixtures for the NLP tests. Heavy models (spaCy, the sentence embedding model) are
loaded once per session; tests that need them are marked ``slow``."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TAXONOMY = ROOT / "surveys" / "priorities.yaml"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def spacy_nlp():
    from nlp.spacy_model import load_spacy

    return load_spacy()


@pytest.fixture(scope="session")
def minilm():
    """The real all-MiniLM-L6-v2 backend, loaded once."""
    from nlp.embeddings import SentenceTransformerBackend

    backend = SentenceTransformerBackend()
    backend.load()
    return backend


@pytest.fixture(scope="session")
def hashing():
    from nlp.embeddings import HashingBackend

    return HashingBackend()


@pytest.fixture(scope="session")
def taxonomy():
    from nlp.priorities import load_taxonomy

    return load_taxonomy(TAXONOMY)


@pytest.fixture(scope="session")
def redactor(spacy_nlp):
    from nlp.redact import Redactor

    return Redactor()


@pytest.fixture(scope="session")
def regex_redactor():
    from nlp.redact import Redactor

    return Redactor(use_ner=False)


# A tiny consultation with obvious themes, used across theme tests.
TINY_CORPUS = {
    "speeding": [
        "cars speeding on the main road",
        "speeding cars near the school",
        "dangerous driving and speeding through the village",
        "boy racers speeding at night",
        "people drive far too fast down our road",
        "speeding traffic on residential streets",
        "cars racing and speeding past the park",
        "nobody sticks to the speed limit",
    ],
    "drugs": [
        "drug dealing in the park",
        "people dealing drugs on the corner",
        "drug dealers outside the shop",
        "smell of cannabis and drug dealing everywhere",
        "open drug dealing near the station",
        "young people being used to deal drugs",
        "drug users leaving needles in the alley",
        "dealers selling drugs to kids",
    ],
    "litter": [
        "litter and fly tipping everywhere",
        "fly tipping in the alley behind the shops",
        "rubbish and litter in the street",
        "bins overflowing and litter all over the pavement",
        "fly tipping on the lane by the farm",
        "litter dropped all over the park",
        "dumped rubbish and fly tipping",
        "so much litter on the streets",
    ],
}


@pytest.fixture(scope="session")
def tiny_corpus():
    texts, truth = [], []
    for theme, answers in TINY_CORPUS.items():
        texts.extend(answers)
        truth.extend([theme] * len(answers))
    return texts, truth
