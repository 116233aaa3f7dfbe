"""A run's settings read and written as a typed object, in the JSON the runs already hold."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from consult.analysis import run_settings

STORED = {  # a run's settings as stored before they were typed
    "year": "2025",
    "start": {"seed_run": 3},
    "engine": "nlp.themes",
    "embedding": "minilm-int8",
    "path": "small_corpus",
    "min_theme_size": 5,
    "start_summary": {"source": "run 3", "themes": 4, "placed": 30},
    "carried_themes": 2,
    "decisions_applied": {"place": 7},
    "coder": {"decisions": 9, "reassigned": 4},
    "queue": [11, 12, 13],
}


def test_stored_settings_read_back_typed_and_are_written_as_they_were():
    run = SimpleNamespace(settings=dict(STORED))
    s = run_settings.read(run)
    assert (s.year, s.start, s.queue, s.carried_themes) == ("2025", {"seed_run": 3},
                                                            [11, 12, 13], 2)
    assert s.engine_details == {"embedding": "minilm-int8", "path": "small_corpus",
                                "min_theme_size": 5}
    assert s.to_json() == STORED


def test_a_run_without_settings_reads_as_the_defaults():
    s = run_settings.read(SimpleNamespace(settings=None))
    assert s.year is None and s.start == {} and s.queue == [] and s.coder == {}
    assert "year" not in s.to_json()  # None is not written


def test_an_update_keeps_the_other_settings_and_refuses_unknown_ones():
    run = SimpleNamespace(settings=dict(STORED))
    run_settings.update(run, queue=[12], coder={"decisions": 10})
    assert run.settings == {**STORED, "queue": [12], "coder": {"decisions": 10}}
    with pytest.raises(TypeError):
        run_settings.update(run, colour="red")
    assert run.settings["queue"] == [12]
