"""Support for the analysis tests: a small deterministic theme engine standing in for
``nlp.themes`` (no models needed), and helpers to store responses and sign in."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from consult.db import get_db
from consult.models import Response, SurveyVersion
from nlp.themes import Theme
from tests.support import make_staff, signed_in_as, staff_id

# label, keywords, priority (None: emerging)
RULES = [
    ("Speeding", ["speed", "speeding", "racing", "boy racers"], "road_safety"),
    ("Drug dealing", ["drug", "drugs", "dealing", "county lines"], "drugs_county_lines"),
    ("Street lighting", ["lighting", "lights", "dark"], "public_spaces_lighting"),
    ("Knife crime", ["knife", "knives", "stabbing"], "violence_exploitation"),
    ("Police presence", ["police", "patrol", "pcso"], "policing_visibility"),
    ("Vaping", ["vape", "vaping", "vapes"], None),
]
NON_ANSWERS = {"nothing", "n/a", "none", "no comment", "don't know"}
_PHONE = re.compile(r"\b07\d{3}\s?\d{6}\b")


def fake_redact(text: str) -> str:
    text = _PHONE.sub("[PHONE]", text)
    return re.sub(r"\b(Sarah|Mr Patel|Dave)\b", "[NAME]", text)


@dataclass
class FakeAssignment:
    id: object
    theme_id: int | None
    score: float
    further_themes: list
    is_non_answer: bool
    redacted_text: str
    non_answer_kind: str | None = None


@dataclass
class FakeResult:
    themes: list
    assignments: list
    settings: dict = field(default_factory=dict)


def _onehot(i: int, n: int = len(RULES)) -> list[float]:
    return [1.0 if j == i else 0.0 for j in range(n)]


class FakeEngine:
    """Themes by keyword: an answer's first matching rule is its main theme, other matching
    rules are further themes. Centroids are one-hot, so matching across runs is exact."""

    name = "fake"
    calls: list = []

    def __init__(self, app=None, rules=RULES):
        self.rules = rules

    def _match(self, text: str) -> list[int]:
        low = text.lower()
        return [i for i, (_l, kws, _p) in enumerate(self.rules) if any(k in low for k in kws)]

    def fit(self, texts, ids=None, metadata=None, progress=None):
        FakeEngine.calls.append(("fit", len(texts)))
        ids = list(ids) if ids is not None else list(range(len(texts)))
        report = progress or (lambda stage, fraction: None)
        for stage in ("redact", "non_answers", "embed", "cluster", "label", "priorities"):
            report(stage, 0.5)
        assignments, members = [], {}
        for key, text in zip(ids, texts, strict=True):
            red = fake_redact(text)
            if red.strip().lower() in NON_ANSWERS:
                assignments.append(FakeAssignment(key, None, 0.0, [], True, red, "nothing"))
                continue
            hits = self._match(red)
            main = hits[0] if hits else None
            further = [(h, 0.6) for h in hits[1:]]
            assignments.append(FakeAssignment(key, main, 0.9 if hits else 0.0, further, False, red))
            if main is not None:
                members.setdefault(main, []).append(red)
        n = len(texts)
        themes = [
            Theme(
                id=i,
                label=self.rules[i][0],
                keywords=self.rules[i][1][:3],
                size=len(m),
                share=len(m) / n if n else 0,
                quotes=m[:2],
                priority=self.rules[i][2],
                priority_score=0.8 if self.rules[i][2] else 0.2,
                emerging=self.rules[i][2] is None,
                centroid=_onehot(i),
            )
            for i, m in sorted(members.items())
        ]
        report("done", 1.0)
        return FakeResult(themes, assignments, {"path": "fake"})

    def split(self, texts, ids=None, progress=None, n_parts=None):
        """Split by which keyword an answer uses first (into at most ``n_parts`` parts: the
        smallest groups join the last kept)."""
        ids = list(ids)
        groups: dict[str, list[int]] = {}
        words = sorted({w for _l, kws, _p in self.rules for w in kws}, key=len, reverse=True)
        for j, text in enumerate(texts):
            low = text.lower()
            word = next((w for w in words if w in low), "other")
            groups.setdefault(word, []).append(j)
        if n_parts and len(groups) > n_parts:
            ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            kept = dict(ranked[:n_parts])
            last = ranked[n_parts - 1][0]
            for _word, idx in ranked[n_parts:]:
                kept[last] = kept[last] + idx
            groups = kept
        themes, assignments = [], []
        for t, (word, idx) in enumerate(sorted(groups.items())):
            themes.append(Theme(t, word.capitalize(), [word], len(idx), 0.0, [texts[idx[0]]],
                                centroid=_onehot(t % len(RULES))))
            for j in idx:
                assignments.append(FakeAssignment(ids[j], t, 0.8, [], False, texts[j]))
        return FakeResult(themes, assignments)

    def vectors(self, texts):
        """Answer vectors for the coder: which themes' keywords an answer uses, plus hashed
        words (so that different answers differ)."""
        import numpy as np

        from nlp.embeddings import HashingBackend

        words = HashingBackend(n_features=64).embed(list(texts))
        themes = np.array([[1.0 if i in self._match(t) else 0.0 for i in range(len(self.rules))]
                           for t in texts])
        out = np.hstack([3.0 * themes, words])
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def match(self, previous, current, threshold):
        from consult.analysis.runs.engine import match_by_centroid

        return match_by_centroid(previous, current, threshold)

    def redact(self, text: str) -> str:
        return fake_redact(text)


def fake_factory(app):
    return FakeEngine(app)


ANALYSIS_CONFIG = {"JOBS_SYNC": True, "ANALYSIS_ENGINE_FACTORY": fake_factory}


def version_of(db, survey_id="residents") -> SurveyVersion:
    return db.scalar(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.version.desc())
    )


def add_response(
    db,
    answers: dict,
    *,
    survey_id: str = "residents",
    respondent_type: str = "resident",
    submitted_at: dt.datetime | None = None,
) -> Response:
    version = version_of(db, survey_id)
    response = Response(
        reference=secrets.token_hex(5).upper(),
        survey_version_id=version.id,
        survey_id=survey_id,
        survey_version_number=version.version,
        definition_hash=version.definition_hash,
        respondent_type=respondent_type,
        answers=answers,
        submitted_at=submitted_at or dt.datetime(2026, 3, 1, 12, 0),
        submission_key=secrets.token_hex(16),
    )
    db.add(response)
    db.flush()
    return response


def resident(worry: str, priority: str = "", district: str = "worthing", age: str = "age_35_44",
             **extra) -> dict:
    answers = {
        "district": district,
        "age_group": age,
        "safe_day": "fairly_safe",
        "safe_dark": "fairly_unsafe",
        "problems": ["asb", "road_safety"],
        "worry_text": worry,
    }
    if priority:
        answers["priority_text"] = priority
    answers.update(extra)
    return answers


def seed_residents(db, n_speed=12, n_drugs=8, n_light=6, n_other=3, year=2026) -> list[Response]:
    """A small survey: speeding the biggest theme, then drugs and lighting."""
    at = dt.datetime(year, 3, 1, 12, 0)
    out = []
    districts = ["worthing", "adur", "arun"]
    for i in range(n_speed):
        out.append(add_response(db, resident(
            f"Cars speeding down our road every night {i}", "Speed cameras please",
            districts[i % 3]), submitted_at=at))
    for i in range(n_drugs):
        out.append(add_response(db, resident(f"Drug dealing in the park {i}",
                                             district=districts[i % 3]), submitted_at=at))
    for i in range(n_light):
        out.append(add_response(db, resident(f"It is too dark, the street lighting is off {i}",
                                             age="age_65_74"), submitted_at=at))
    for _ in range(n_other):
        out.append(add_response(db, resident("nothing"), submitted_at=at))
    return out


def make_user(app, role="analyst", email=None):
    return staff_id(app, make_staff(app, role, email, name=f"Ana {role}"))


def test_fake_engine_themes_by_keyword():
    result = FakeEngine().fit(
        ["Speeding cars and drug dealing", "nothing", "Call Sarah on 07700 900123", "dark lanes"],
        ids=["1:a", "2:a", "3:a", "4:a"],
    )
    by_id = {a.id: a for a in result.assignments}
    assert by_id["1:a"].theme_id == 0 and by_id["1:a"].further_themes == [(1, 0.6)]
    assert by_id["2:a"].is_non_answer
    assert by_id["3:a"].redacted_text == "Call [NAME] on [PHONE]"
    assert {t.label for t in result.themes} == {"Speeding", "Street lighting"}


def residents_app(make_app, **config):
    """An app with the analysis settings and the seeded residents' responses."""
    app = make_app(**ANALYSIS_CONFIG, **config)
    with app.app_context():
        seed_residents(get_db())
        get_db().commit()
    return app


def analyst_client(app):
    """A test client signed in as an analyst."""
    client = app.test_client()
    signed_in_as(app, client, name="Ana analyst")
    return client
