"""Theme labels and keywords: c-TF-IDF keywords plus a readable phrase from spaCy noun chunks.

``ThemeLabeller.fit(texts, labels, similarities)`` learns ``keywords_`` (theme id -> list of
keywords with weights) and ``labels_`` (theme id -> short phrase such as "Speeding cars and
dangerous driving"). ``use_noun_chunks=False`` builds labels from keywords alone (no spaCy).
Names in ``excluded_`` (set by the engine: place and organisation names) are never in a
keyword or a label.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from .settings import spacy_model_name
from .spacy_model import load_spacy

_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")
# Words that carry no theme in survey answers about an area.
EXTRA_STOP_WORDS = frozenset(
    "think feel really just like lot lots things thing get got make need needs want area "
    "would could should also much many one people etc im ive dont didnt doesnt isnt cant "
    "yes sure well bit quite even still ever always never way time times near".split()
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
        common_answer_share: float = 0.3,
    ):
        self.n_keywords = n_keywords
        self.use_noun_chunks = use_noun_chunks
        self.spacy_model = spacy_model
        self.docs_per_theme = docs_per_theme
        self.ngram_range = ngram_range
        self.common_answer_share = common_answer_share

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
        self._excluded = _Excluded(getattr(self, "excluded_", ()))
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
                self.keywords_[t] = _top_keywords(vocab, weights[i], self.n_keywords,
                                                  self._excluded)
        self.labels_ = {t: _keyword_label(self.keywords_[t]) for t in theme_ids}
        if self.use_noun_chunks:
            self._noun_chunk_labels(clean, labels, similarities)
        self._common_answer_labels(clean, labels)
        self._disambiguate()
        return self

    def _candidates(self, texts: list[str]) -> list[list[tuple[str, str]]]:
        """(lemma key, written form) of each text's candidate phrases; with a cache, texts
        parsed in an earlier run are not parsed again (nor is spaCy loaded for them)."""
        import json

        from .embeddings import text_key

        cache = getattr(self, "cache_", None)
        prefix = f"chunks-v1:{self.spacy_model or spacy_model_name()}"
        keys = [text_key(prefix, t) for t in texts]
        found = cache.get_texts(list(dict.fromkeys(keys))) if cache is not None else {}
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if todo:
            nlp = load_spacy(self.spacy_model)
            disable = [p for p in nlp.pipe_names if p == "ner"]
            new = {}
            with nlp.select_pipes(disable=disable):
                for text, doc in zip(todo, nlp.pipe(todo, batch_size=256), strict=True):
                    new[text_key(prefix, text)] = json.dumps(_doc_candidates(doc))
            if cache is not None:
                cache.put_texts(new)
            found.update(new)
        return [[tuple(x) for x in json.loads(found[k])] for k in keys]

    def _common_answer_labels(self, texts: Sequence[str], labels: np.ndarray) -> None:
        """Where many of a theme's answers say the same short thing ("people drive too
        fast"), that answer is the label an analyst would write: it beats a phrase built
        from a minority's nouns."""
        for t in self.theme_ids_:
            said = Counter(
                " ".join(re.findall(r"[\w'’-]+", texts[i].lower()))
                for i in np.flatnonzero(labels == t)
            )
            said.pop("", None)
            if not said:
                continue
            answer, n = said.most_common(1)[0]
            words = answer.split()
            if (
                not self._excluded.touches(answer)
                and n >= max(3, self.common_answer_share * int((labels == t).sum()))
                and 1 <= len(words) <= 6
                and any(w not in STOP_WORDS for w in words)
            ):
                self.labels_[t] = answer[:1].upper() + answer[1:]

    def _disambiguate(self) -> None:
        """Themes sharing a label get their own distinguishing keywords after a colon."""
        by_label: dict[str, list[int]] = defaultdict(list)
        for t, label in self.labels_.items():
            by_label[label.lower()].append(t)
        for ids in by_label.values():
            if len(ids) < 2:
                continue
            for t in ids:
                label = self.labels_[t]
                used = {_stem(w) for w in label.lower().replace(",", " ").split()}
                for other in ids:  # words the look-alike themes lead with do not distinguish
                    if other != t:
                        used |= {_stem(w) for k, _ in self.keywords_.get(other, [])[:3]
                                 for w in k.split()}
                extra = []
                for k, _ in self.keywords_.get(t, []):
                    if not ({_stem(w) for w in k.split()} & used):
                        extra.append(k)
                        used |= {_stem(w) for w in k.split()}
                    if len(extra) == 2:
                        break
                if extra:
                    self.labels_[t] = f"{label}: {' and '.join(extra)}"

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
        # Candidate phrases per theme: noun chunks without determiners, pronouns and stop
        # words, plus modifier-noun pairs the chunker misses ("speeding cars", "fly tipping").
        # Counted once per answer; keyed by lemma, shown in their commonest written form.
        found_in: dict[int, Counter] = defaultdict(Counter)
        surface: dict[str, Counter] = defaultdict(Counter)
        candidates = self._candidates([p[1] for p in picked])
        for (t, _), pairs in zip(picked, candidates, strict=True):
            for key, written in pairs:
                surface[key][written] += 1
            for key in {key for key, _ in pairs}:
                found_in[t][key] += 1
        for t in self.theme_ids_:
            kw_words: dict[str, float] = {}
            for k, w in self.keywords_[t]:
                for part in k.split():
                    kw_words[_stem(part)] = max(kw_words.get(_stem(part), 0.0), w)
            top = max(kw_words.values()) if kw_words else 1.0
            scored = []
            for key, n in found_in[t].items():
                if n < 2 and len(found_in[t]) > 3:
                    continue
                if self._excluded.touches(key) or self._excluded.touches(
                    " ".join(surface[key])
                ):
                    continue
                stems = {_stem(p) for p in key.split()}
                boost = sum(kw_words.get(p, 0.0) for p in stems) / top
                length_bonus = 1.15 if len(stems) > 1 else 1.0
                scored.append((n * (0.2 + boost) * length_bonus, key))
            scored.sort(key=lambda s: (-s[0], s[1]))
            if not scored:
                continue
            best_score, best = scored[0]
            phrase = surface[best].most_common(1)[0][0]
            best_stems = {_stem(p) for p in best.split()}
            for score, key in scored[1:8]:
                if score < 0.4 * best_score:
                    break
                if {_stem(p) for p in key.split()} & best_stems:
                    continue
                phrase = f"{phrase} and {surface[key].most_common(1)[0][0]}"
                break
            self.labels_[t] = phrase[:1].upper() + phrase[1:]
        return self


def _doc_candidates(doc) -> list[list[str]]:
    spans = [list(chunk) for chunk in doc.noun_chunks]
    spans += [
        [a, b]
        for a, b in zip(doc[:-1], doc[1:], strict=False)
        if (b.pos_ == "NOUN" and (a.pos_ in ("ADJ", "NOUN") or a.tag_ == "VBG"))
        or (a.pos_ == "NOUN" and b.tag_ == "VBG")
    ]
    spans += [[w] for w in doc if w.pos_ == "NOUN" or w.tag_ == "VBG"]
    out = []
    for span in spans:
        words = [w for w in span if not (w.is_stop or w.is_punct or w.like_num
                                         or w.pos_ in ("DET", "PRON"))]
        while words and words[0].pos_ not in ("ADJ", "NOUN", "PROPN", "VERB"):
            words = words[1:]
        if not words or len(words) > 3:
            continue
        key = " ".join(w.lemma_.lower() for w in words)
        if key in STOP_WORDS or len(key) < 3 or "[" in key:
            continue
        out.append([key, " ".join(w.text.lower() for w in words)])
    return out


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ing", "ers", "er", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class _Excluded:
    """Names that may not be a keyword or in a label: a term is excluded when it holds one."""

    def __init__(self, names=()):
        self.names = [f" {n} " for n in names if n]

    def touches(self, term: str) -> bool:
        if not self.names:
            return False
        padded = " " + " ".join(re.findall(r"[a-z0-9]+", term.lower())) + " "
        return any(n in padded for n in self.names)


def _top_keywords(
    vocab: np.ndarray, weights: np.ndarray, n: int, excluded: _Excluded | None = None
) -> list[tuple[str, float]]:
    order = np.argsort(-weights, kind="stable")
    out: list[tuple[str, float]] = []
    for j in order[: n * 6]:
        w = float(weights[j])
        if w <= 0:
            break
        term = str(vocab[j])
        if excluded is not None and excluded.touches(term):
            continue
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
