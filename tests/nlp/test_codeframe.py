"""Code frames: loading CSV and YAML (and the priorities file), clear errors for bad files,
answers assigned by similarity, and the engine starting from a frame."""

import numpy as np
import pytest

from nlp.codeframe import (
    CodeFrameError,
    FrameTheme,
    assign_to_frame,
    frame_texts,
    frame_vectors,
    load_frame,
)

from .conftest import TAXONOMY, TINY_CORPUS

FRAME_CSV = """name,description,examples
Speeding,"Cars driving too fast, racing and dangerous driving",cars speeding past the school|boy racers at night
Drug dealing,Drugs being sold and used in public,dealers on the corner|smell of cannabis
Litter and fly-tipping,,
"""


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_csv_frame_loads_names_descriptions_and_examples(tmp_path):
    frame = load_frame(write(tmp_path, "frame.csv", FRAME_CSV))
    assert [t.name for t in frame] == ["Speeding", "Drug dealing", "Litter and fly-tipping"]
    assert frame[0].description == "Cars driving too fast, racing and dangerous driving"
    assert frame[0].examples == ("cars speeding past the school", "boy racers at night")
    assert frame[2] == FrameTheme("Litter and fly-tipping")


def test_csv_frame_with_only_names_and_capitalised_headers(tmp_path):
    frame = load_frame(write(tmp_path, "f.csv", "Name\nSpeeding\n\nParking\n", "cp1252"))
    assert [t.name for t in frame] == ["Speeding", "Parking"]


def test_yaml_frame_as_a_list_of_themes(tmp_path):
    text = """
- name: Speeding
  description: Cars driving too fast
  examples: [boy racers, cars speeding]
- name: Parking
- Street lighting
"""
    frame = load_frame(write(tmp_path, "frame.yml", text))
    assert frame[0] == FrameTheme("Speeding", "Cars driving too fast",
                                  ("boy racers", "cars speeding"))
    assert [t.name for t in frame] == ["Speeding", "Parking", "Street lighting"]


def test_the_priorities_file_is_a_code_frame():
    frame = load_frame(TAXONOMY)
    assert len(frame) >= 10
    names = [t.name for t in frame]
    assert "Domestic abuse" in names and "Anti-social behaviour" in names
    abuse = frame[names.index("Domestic abuse")]
    assert "coercive" in abuse.description
    assert "coercive control by a partner" in abuse.examples
    texts = frame_texts(abuse)
    assert texts[0].startswith("Domestic abuse: Abuse by a partner")
    assert len(texts) == 1 + len(abuse.examples)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("f.csv", "theme,notes\nSpeeding,x\n", "must name the columns, with a 'name' column"),
        ("f.csv", "name,description\nSpeeding,fast cars\n,no name here\n",
         "row 3: enter a theme name"),
        ("f.csv", "name\nSpeeding\nspeeding\n", "theme 2 ('speeding') has the same name as theme 1"),
        ("f.csv", "name,description\n", "lists no themes"),
        ("f.yaml", "- name: Speeding\n- description: no name\n", "theme 2: enter a 'name'"),
        ("f.yaml", "- name: [unclosed\n", "not valid YAML"),
        ("f.yaml", "just a sentence\n", "expected a list of themes"),
        ("f.yaml", "- name: Speeding\n  examples: 3\n", "'examples' must be a list"),
        ("f.txt", "Speeding\n", "must be a .csv, .yaml or .yml file"),
    ],
)
def test_bad_frames_are_clear_errors_naming_file_and_row(tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    with pytest.raises(CodeFrameError) as err:
        load_frame(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_missing_frame_file(tmp_path):
    with pytest.raises(CodeFrameError, match="does not exist"):
        load_frame(tmp_path / "nope.csv")


def test_assignment_takes_the_most_similar_theme_and_leaves_misfits():
    frame = [FrameTheme("a"), FrameTheme("b")]
    vectors = [np.array([[1.0, 0, 0]]), np.array([[0, 1.0, 0], [0, 0.8, 0.6]])]
    answers = np.array([[0.9, 0.1, 0], [0.1, 0.9, 0.1], [0, 0, 1.0], [0, 0.7, 0.7]])
    idx, score = assign_to_frame(frame, answers, vectors, threshold=0.7)
    assert idx.tolist() == [0, 1, -1, 1]  # the third fits neither; the fourth an example of b
    assert score[0] == pytest.approx(0.9 / np.linalg.norm([0.9, 0.1]), abs=1e-5)
    empty_idx, empty_score = assign_to_frame(frame, np.zeros((0, 3)), vectors)
    assert empty_idx.shape == (0,) and empty_score.shape == (0,)


@pytest.mark.slow
def test_real_answers_go_to_the_frame_theme_they_are_about(minilm):
    frame = [
        FrameTheme("Speeding", "Cars driving too fast and dangerous driving",
                   ("boy racers at night",)),
        FrameTheme("Drug dealing", "Drugs being sold and used in public"),
        FrameTheme("Litter and fly-tipping", "Rubbish dumped and dropped in the street"),
    ]
    answers = [
        "people drive far too fast down our road",
        "lads racing their cars around the estate every night",
        "open drug dealing near the station",
        "you can smell cannabis everywhere and see deals being done",
        "bags of rubbish dumped in the alley",
        "fly tipping behind the shops",
        "the library has shorter opening hours now",  # fits none
        "more activities for older people",  # fits none
    ]
    idx, _ = assign_to_frame(frame, minilm.embed(answers), frame_vectors(frame, minilm))
    assert idx.tolist() == [0, 0, 1, 1, 2, 2, -1, -1]


def _fast_engine(**kw):
    from nlp.embeddings import HashingBackend
    from nlp.labelling import ThemeLabeller
    from nlp.redact import Redactor
    from nlp.themes import ThemeEngine

    return ThemeEngine(embedding_backend=HashingBackend(), redactor=Redactor(use_ner=False),
                       labeller=ThemeLabeller(use_noun_chunks=False), **kw)


def test_engine_starts_from_a_frame_and_clusters_the_rest(tiny_corpus):
    texts, truth = tiny_corpus
    frame = [FrameTheme("Drug dealing", "drug dealing and dealers selling drugs",
                        ("people dealing drugs", "drug users and needles")),
             FrameTheme("Noise from parties", "loud music and parties at night")]
    result = _fast_engine(frame=frame, frame_threshold=0.3).fit(texts)
    named = {t.label: t for t in result.themes}
    assert "Drug dealing" in named and named["Drug dealing"].from_frame
    assert "Noise from parties" not in named  # no answer fits it
    drugs = {a.id for a in result.assignments if a.theme_id == named["Drug dealing"].id}
    truly = {i for i, t in enumerate(truth) if t == "drugs"}
    assert len(drugs & truly) >= 0.75 * len(truly)
    assert len(drugs - truly) <= 1
    # The other answers form emerging themes, after the frame's.
    emerging = [t for t in result.themes if not t.from_frame]
    assert emerging and all(t.id > named["Drug dealing"].id for t in emerging)
    assert result.themes[0].from_frame
    assert result.settings["frame_themes"] == 2
    assert result.to_dict()["themes"][0]["from_frame"] is True


def test_engine_reads_a_frame_file(tmp_path, tiny_corpus):
    texts, _ = tiny_corpus
    path = write(tmp_path, "frame.csv", FRAME_CSV)
    result = _fast_engine(frame=str(path), frame_threshold=0.3).fit(texts)
    assert {"Speeding", "Drug dealing"} <= {t.label for t in result.themes if t.from_frame}


def test_without_a_frame_no_theme_is_from_a_frame(tiny_corpus):
    texts, _ = tiny_corpus
    result = _fast_engine().fit(texts)
    assert not any(t.from_frame for t in result.themes)
    assert "frame_themes" not in result.settings
    assert len(TINY_CORPUS) == 3


# -- consult analyse-csv --frame ------------------------------------------------------------


@pytest.fixture
def analyse(tmp_path, monkeypatch):
    """Run ``consult analyse-csv`` on the tiny corpus with the fast engine."""
    import csv

    import click
    from click.testing import CliRunner

    from consult import cli_nlp

    monkeypatch.setattr(cli_nlp, "_engine", lambda cache_dir, taxonomy, *a: _fast_engine(
        cache_dir=cache_dir, taxonomy=taxonomy))
    group = click.Group()
    cli_nlp.register(group)
    answers = tmp_path / "answers.csv"
    with open(answers, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ref", "concern"])
        for i, text in enumerate(t for answers in TINY_CORPUS.values() for t in answers):
            w.writerow([f"R{i}", text])

    def run(*args):
        return CliRunner().invoke(group, ["analyse-csv", str(answers), "--text-column",
                                          "concern", "--id-column", "ref", "--quiet", *args])

    return run


def test_analyse_csv_with_a_frame_names_themes_as_in_the_frame(analyse, tmp_path):
    import csv
    import json

    frame = write(tmp_path, "frame.csv", FRAME_CSV)
    out = tmp_path / "out"
    result = analyse("--frame", str(frame), "--out", str(out))
    assert result.exit_code == 0, result.output
    themes = json.loads((out / "themes.json").read_text())["themes"]
    framed = [t["label"] for t in themes if t["from_frame"]]
    assert framed[:2] == ["Speeding", "Drug dealing"]  # in the frame's order
    rows = list(csv.DictReader(open(out / "assignments.csv")))
    speeding = [r for r in rows if r["theme_label"] == "Speeding"]
    assert len(speeding) >= 5
    assert {r["id"] for r in speeding} <= {f"R{i}" for i in range(8)}  # the speeding answers


def test_analyse_csv_with_a_bad_frame_is_a_clear_error(analyse, tmp_path):
    frame = write(tmp_path, "frame.csv", "name,description\nSpeeding,fast\n,nameless\n")
    result = analyse("--frame", str(frame), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "--frame" in result.output and "row 3: enter a theme name" in result.output
    assert not (tmp_path / "o").exists()  # nothing written
