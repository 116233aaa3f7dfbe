"""The web app screens pupils with rules + embeddings when the NLP extra is installed:
an indirect disclosure that no rule names still reaches the safeguarding queue."""

from __future__ import annotations

import pytest

from consult.safeguarding import screening
from tests.consult.safeguarding.test_safeguarding import flags, pupil_says
from tests.consult.schools.test_schools import staff_client

pytest.importorskip("sentence_transformers")
pytestmark = pytest.mark.slow


@pytest.fixture
def best_app(app):
    app.config["SAFEGUARDING_SCREENER"] = "best"
    yield app
    screening.reset()


def test_best_screener_is_the_embedding_one(best_app):
    with best_app.app_context():
        assert screening.get_screener().embedder is not None


INDIRECT = "i dont like going home when hes been drinking"


def test_indirect_disclosure_is_flagged_through_the_web_app(best_app):
    from nlp.screening import default_screener

    # No rule names this; similarity to example disclosures is what flags it.
    assert not default_screener().screen(INDIRECT).flagged
    pupil_says(best_app, staff_client(best_app), worry=INDIRECT)
    stored = flags(best_app)
    assert stored, "the indirect disclosure was not flagged"
    assert stored[0].question_code == "worry_text"
