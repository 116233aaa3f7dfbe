"""One run through the real theme engine (spaCy and sentence embeddings): slow, and skipped
where the NLP stack or its models are not installed."""

from __future__ import annotations

import pytest

from consult.analysis import queries, service
from consult.analysis.models import COMPLETE, AnalysisRun
from consult.db import get_db
from consult.jobs import enqueue
from tests.consult.analysis.test_analysis_support import add_response, resident, version_of

pytestmark = pytest.mark.slow

ANSWERS = (
    [f"Cars speeding through the village {w}" for w in
     ("every night", "near the school", "on the bypass", "at rush hour", "all the time",
      "past the playground", "on the high street", "late at night")]
    + [f"Drug dealing {w}" for w in
       ("in the park", "outside the station", "near the flats", "on the estate",
        "behind the shops", "in broad daylight", "by the school", "at the bus stop")]
    + [f"Street lights {w}" for w in
       ("are broken on our road", "are off after midnight", "do not work in the alley",
        "need fixing by the park", "are too dim", "are out near the station",
        "are missing on the footpath", "switch off too early")]
    + ["Nothing", "n/a", "Call Sarah Jones on 07700 900123 about the speeding"]
)


def test_real_engine_run(make_app):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("spacy")
    try:
        from nlp.spacy_model import load_spacy

        load_spacy()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"spaCy model not installed: {exc}")
    app = make_app(JOBS_SYNC=True)
    with app.app_context():
        db = get_db()
        for text in ANSWERS:
            add_response(db, resident(text))
        db.commit()
        run = service.create_run(db, version_ids=[version_of(db).id],
                                 question_codes=["worry_text"], user=None)
        db.commit()
        job = enqueue("analysis.run", {"run_id": run.id}, db=db)
        assert job.status == "succeeded", job.message
        run = db.get(AnalysisRun, run.id)
        db.refresh(run)
        assert run.status == COMPLETE
        themes = queries.themes(db, run.id)
        assert len(themes) >= 2
        assert run.n_non_answers >= 2
        texts = [a.redacted_text for t in themes for a, _ in queries.theme_answers(db, t)[0]]
        assert not any("07700" in t for t in texts)
        assert all(len(t.centroid) > 10 for t in themes)
        # The coder reads the answers' vectors from the cache the run filled: nothing is
        # embedded again.
        from consult.analysis.runs.engine import get_engine
        from consult.analysis.runs.results import run_answers

        engine = get_engine(app)
        vectors = engine.vectors([a.redacted_text for a in run_answers(db, run)])
        assert vectors.shape == (run.n_answers - run.n_non_answers, 384)
        assert engine.cache_misses_ == 0 and engine.cache_hits_ > 0
