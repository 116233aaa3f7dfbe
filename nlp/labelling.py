"""Theme labels and keywords: c-TF-IDF keywords plus a readable phrase from spaCy noun chunks.

``ThemeLabeller.fit(texts, labels, similarities)`` learns ``keywords_`` (theme id -> list of
keywords with weights) and ``labels_`` (theme id -> short phrase such as "Speeding cars and
dangerous driving"). ``use_noun_chunks=False`` builds labels from keywords alone (no spaCy).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from .spacy_model import load_spacy

_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")
# Words that carry no theme in survey answers about an area.
EXTRA_STOP_WORDS = frozenset(
    "think feel really just like lot lots things thing get got make need needs want area "
    "would could should also much many one people etc im ive dont didnt doesnt isnt cant "
    "yes sure well bit quite even still ever always never way time times".split()
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | EXTRA_STOP_WORDS


def class_tfidf(counts: sparse.csr_matrix) -> np.ndarray:
    """BERTopic's class-based TF-IDF: ``tf(t, c) * log(1 + A / f(t))`` where A is the mean
    number of words per class and f(t) the frequency of t over all classes."""
    counts = sparse.csr_matrix(counts, dtype=np.float64)
    tf = np.asarray(counts.sum(axis=0)).ravel()
    avg = counts.sum() / max(counts.shape[0], 1)
    idf = np.log(1 + avg / np.maximum(tf, 1))
    row_sums = np.asarray(counts.sum(axis=1)).ravel()
    row_sums[row_sums == 0] = 1
    norm = sparse.diags(1 / row_sums) @ counts
    return np.asarray((norm @ sparse.diags(idf)).todense())


class ThemeLabeller:
    def __init__(
        self,
        n_keywords: int = 8,
        use_noun_chunks: bool = True,
        spacy_model: str | None = None,
        docs_per_theme: int = 40,
        ngram_range: tuple[int, int] = (1, 2),
    ):
        self.n_keywords = n_keywords
        self.use_noun_chunks = use_noun_chunks
        self.spacy_model = spacy_model
        self.docs_per_theme = docs_per_theme
        self.ngram_range = ngram_range

    def fit(self, texts: Sequence[str], labels: np.ndarray, similarities: np.ndarray | None = None):
        """``texts``: redacted answers; ``labels``: theme id per answer (-1 = none);
        ``similarities``: each answer's similarity to its theme (for picking typical ones)."""
        labels = np.asarray(labels)
        theme_ids = sorted(int(t) for t in set(labels.tolist()) if t >= 0)
        self.theme_ids_ = theme_ids
        self.keywords_: dict[int, list[tuple[str, float]]] = {t: [] for t in theme_ids}
        self.labels_: dict[int, str] = {}
        if not theme_ids:
            return self
        clean = [_PLACEHOLDER.sub(" ", t) for t in texts]
        n_docs = len(clean)
        vec = CountVectorizer(
            stop_words=list(STOP_WORDS),
            ngram_range=self.ngram_range,
            min_df=2 if n_docs >= 50 else 1,
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z\-']+\b",  # noqa: S106
            lowercase=True,
        )
        try:
            x = vec.fit_transform(clean)
        except ValueError:  # empty vocabulary
            x = None
        if x is not None:
            vocab = np.array(vec.get_feature_names_out())
            rows = []
            for t in theme_ids:
                rows.append(np.asarray(x[labels == t].sum(axis=0)).ravel())
            weights = class_tfidf(sparse.csr_matrix(np.vstack(rows)))
            for i, t in enumerate(theme_ids):
                self.keywords_[t] = _top_keywords(vocab, weights[i], self.n_keywords)
        self.labels_ = {t: _keyword_label(self.keywords_[t]) for t in theme_ids}
        if self.use_noun_chunks:
            self._noun_chunk_labels(clean, labels, similarities)
        return self

    def _noun_chunk_labels(self, texts, labels, similarities):
        picked: list[tuple[int, str]] = []
        for t in self.theme_ids_:
            idx = np.flatnonzero(labels == t)
            if similarities is not None:
                idx = idx[np.argsort(-similarities[idx], kind="stable")]
            seen = set()
            for i in idx:
                key = texts[i].strip().lower()
                if key in seen:
                    continue
                seen.add(key)
                picked.append((t, texts[i][:300]))
                if len(seen) >= self.docs_per_theme:
                    break
        nlp = load_spacy(self.spacy_model)
        disable = [p for p in nlp.pipe_names if p == "ner"]
        chunks: dict[int, Counter] = defaultdict(Counter)
        surface: dict[str, Counter] = defaultdict(Counter)
        with nlp.select_pipes(disable=disable):
            for (t, _), doc in zip(picked, nlp.pipe((p[1] for p in picked), batch_size=256),
                                   strict=True):
                found = set()
                for chunk in doc.noun_chunks:
                    words = [w for w in chunk if not (w.is_stop or w.is_punct or w.like_num
                                                      or w.pos_ in ("DET", "PRON"))]
                    while words and words[0].pos_ not in ("ADJ", "NOUN", "PROPN", "VERB"):
                        words = words[1:]
                    if not words or len(words) > 4:
                        continue
                    key = " ".join(w.lemma_.lower() for w in words)
                    if key in STOP_WORDS or len(key) < 3:
                        continue
                    found.add(key)
                    surface[key][" ".join(w.text.lower() for w in words)] += 1
                for key in found:
                    chunks[t][key] += 1
        # Keywords are candidates too (the parser often leaves "speeding" out of a chunk).
        docs_of: dict[int, list[str]] = defaultdict(list)
        for t, text in picked:
            docs_of[t].append(" " + " ".join(re.findall(r"[a-z'\-]+", text.lower())) + " ")
        for t in self.theme_ids_:
            top_words = [k for k, _ in self.keywords_[t][:5] if " " not in k]
            pairs = [f"{a} {b}" for a in top_words for b in top_words if a != b]
            for k in [k for k, _ in self.keywords_[t][:4]] + pairs:
                n = sum(f" {k} " in d for d in docs_of[t])
                if n and (k not in chunks[t] or chunks[t][k] < n):
                    chunks[t][k] = n
                    surface[k][k] += 1
        for t in self.theme_ids_:
            kw = {k: w for k, w in self.keywords_[t]}
            kw_words = {part: w for k, w in self.keywords_[t] for part in k.split()}
            top = max(kw.values()) if kw else 1.0
            scored = []
            for key, n in chunks[t].items():
                if n < 2 and len(chunks[t]) > 3:
                    continue
                words = set(key.split()) | set(surface[key].most_common(1)[0][0].split())
                boost = sum(kw_words.get(part, 0.0) for part in words) / top
                scored.append((n * (0.3 + boost), key))
            scored.sort(key=lambda s: (-s[0], s[1]))
            if not scored:
                continue
            best_score, best = scored[0]
            phrase = surface[best].most_common(1)[0][0]
            for score, key in scored[1:6]:
                if score < 0.4 * best_score:
                    break
                if set(key.split()) & set(best.split()):
                    continue
                phrase = f"{phrase} and {surface[key].most_common(1)[0][0]}"
                break
            self.labels_[t] = phrase[:1].upper() + phrase[1:]
        return self


def _top_keywords(vocab: np.ndarray, weights: np.ndarray, n: int) -> list[tuple[str, float]]:
    order = np.argsort(-weights, kind="stable")
    out: list[tuple[str, float]] = []
    for j in order[: n * 4]:
        w = float(weights[j])
        if w <= 0:
            break
        term = str(vocab[j])
        # Skip a unigram already inside a chosen phrase and a phrase repeating a chosen word.
        if any(term in k.split() or (" " in term and k in term.split()) for k, _ in out):
            continue
        out.append((term, round(w, 4)))
        if len(out) >= n:
            break
    return out


def _keyword_label(keywords: list[tuple[str, float]]) -> str:
    words = [k for k, _ in keywords[:3]]
    if not words:
        return "Unlabelled theme"
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return text[:1].upper() + text[1:]
