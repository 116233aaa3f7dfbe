import numpy as np
import pytest

from nlp.embeddings import CachedBackend, EmbeddingCache, HashingBackend, MemoryCache
from nlp.theme_stages import embedding_backend


def test_hashing_backend_is_unit_length_and_deterministic():
    texts = ["speeding cars", "drug dealing in the park"]
    a = HashingBackend().embed(texts)
    assert a.shape == (2, 512)
    assert np.allclose(np.linalg.norm(a, axis=1), 1)
    assert np.array_equal(a, HashingBackend().embed(texts))


@pytest.mark.parametrize("make", [lambda p: EmbeddingCache(p), lambda p: MemoryCache()])
def test_caches_keep_texts_and_arrays(tmp_path, make):
    cache = make(tmp_path)
    cache.put_texts({"k1": "Call [NAME]"})
    assert cache.get_texts(["k1", "k2"]) == {"k1": "Call [NAME]"}
    assert cache.get_array("nothing") is None
    cache.put_array("r1", np.arange(6, dtype=np.float32).reshape(3, 2))
    assert cache.get_array("r1").shape == (3, 2)


def test_engine_rerun_uses_cached_redactions(tmp_path):
    from nlp.labelling import ThemeLabeller
    from nlp.redact import Redactor
    from nlp.themes import ThemeEngine

    calls = []

    class CountingRedactor(Redactor):
        def redact_many(self, texts):
            calls.append(len(texts))
            return super().redact_many(texts)

    def engine():
        return ThemeEngine(embedding_backend=HashingBackend(), cache_dir=str(tmp_path),
                           redactor=CountingRedactor(use_ner=False),
                           labeller=ThemeLabeller(use_noun_chunks=False))

    texts = ["ring 07700 900123 about speeding", "drug dealing", "drug dealing", "litter"]
    first = engine().fit(texts)
    second = engine().fit(texts)
    assert calls == [3]  # distinct texts, once
    assert first.to_dict() == second.to_dict()
    assert isinstance(embedding_backend(engine()), CachedBackend)


@pytest.mark.slow
def test_minilm_rows_stay_in_input_order(minilm):
    texts = ["a much longer answer about cars speeding on the main road every night",
             "short", "drug dealing"]
    got = minilm.embed(texts)
    want = minilm.load().encode(texts, normalize_embeddings=True)
    assert np.allclose(got, want, atol=1e-5)


@pytest.mark.slow
def test_large_corpora_use_int8_weights_with_their_own_cache_key(tmp_path, minilm, tiny_corpus):
    """From ``large_corpus_size`` distinct answers the default model runs with int8 weights:
    the run says so, the embeddings stay close to full precision and are cached apart."""
    from nlp.embeddings import SentenceTransformerBackend
    from nlp.labelling import ThemeLabeller
    from nlp.themes import ThemeEngine

    texts, _ = tiny_corpus
    small = ThemeEngine(cache_dir=str(tmp_path), labeller=ThemeLabeller(use_noun_chunks=False))
    assert not small.fit(texts).settings["embedding"].endswith(":int8")
    large = ThemeEngine(cache_dir=str(tmp_path), large_corpus_size=10,
                        labeller=ThemeLabeller(use_noun_chunks=False))
    result = large.fit(texts)
    assert result.settings["embedding"].endswith(":int8")
    assert SentenceTransformerBackend(int8=True).name != minilm.name
    cosine = (large.embeddings_ * small.embeddings_).sum(axis=1)
    assert cosine.min() > 0.8 and not np.allclose(large.embeddings_, small.embeddings_)
    predicted = [a.theme_id for a in result.assignments]
    assert len(set(predicted)) >= 3  # the three obvious concerns still come apart
