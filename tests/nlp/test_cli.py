"""The analyse-csv and evaluate commands, on a small click group (no Flask app needed)."""

import csv
import json

import click
import pytest
from click.testing import CliRunner

from consult import cli_nlp

from .conftest import TINY_CORPUS


@pytest.fixture
def cli():
    group = click.Group()
    cli_nlp.register(group)
    return group


@pytest.fixture
def answers_csv(tmp_path):
    path = tmp_path / "answers.csv"
    districts = ["Adur", "Arun", "Worthing"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ref", "concern", "district", "truth"])
        i = 0
        for theme, answers in TINY_CORPUS.items():
            for a in answers:
                w.writerow([f"R{i}", a, districts[i % 3], theme])
                i += 1
        w.writerow([f"R{i}", "nothing", "Adur", "none"])
        w.writerow([f"R{i + 1}", "Ring Gary on 07700 900123 about the drug dealing", "Arun",
                    "drugs"])
    return path


@pytest.fixture
def fast_engine(monkeypatch):
    """Swap in the hashing backend and keyword labels: these tests are about the CLI."""
    from nlp.embeddings import HashingBackend
    from nlp.labelling import ThemeLabeller
    from nlp.redact import Redactor
    from nlp.themes import ThemeEngine

    def make(cache_dir, taxonomy, min_theme_size, spacy_model, seed):
        return ThemeEngine(embedding_backend=HashingBackend(), cache_dir=cache_dir,
                           taxonomy=taxonomy, min_theme_size=min_theme_size,
                           redactor=Redactor(use_ner=False),
                           labeller=ThemeLabeller(use_noun_chunks=False), random_state=seed)

    monkeypatch.setattr(cli_nlp, "_engine", make)


def test_analyse_csv_writes_the_three_files(cli, answers_csv, tmp_path, fast_engine):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["analyse-csv", str(answers_csv), "--text-column", "concern",
                                      "--id-column", "ref", "--group-by", "district",
                                      "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(out / "assignments.csv")))
    assert len(rows) == 26
    assert rows[0]["id"] == "R0"
    assert {"id", "theme_id", "theme_label", "score", "further_themes", "district"} <= set(rows[0])
    assert rows[24]["non_answer"] == "nothing" and rows[24]["theme_id"] == ""
    assert "07700" not in (out / "assignments.csv").read_text()
    themes = json.loads((out / "themes.json").read_text())
    assert themes["n_non_answers"] == 1
    for t in themes["themes"]:
        assert {"id", "label", "keywords", "size", "share", "quotes", "priority",
                "emerging", "places"} <= set(t)
    html = (out / "report.html").read_text()
    assert "By district" in html and "Worthing" in html
    assert "07700" not in html


def test_progress_bar_goes_to_stderr(cli, answers_csv, tmp_path, fast_engine):
    runner = CliRunner()
    result = runner.invoke(cli, ["analyse-csv", str(answers_csv), "--text-column", "concern",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "%" in result.stderr
    assert "%|" not in result.stdout


def test_missing_column_is_a_clear_error(cli, answers_csv, tmp_path):
    result = CliRunner().invoke(cli, ["analyse-csv", str(answers_csv), "--text-column", "answer",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no column 'answer'" in result.output
    assert "'concern'" in result.output  # lists the columns that exist
    result = CliRunner().invoke(cli, ["analyse-csv", str(answers_csv), "--text-column", "concern",
                                      "--group-by", "ward", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no column 'ward'" in result.output


def test_unreadable_files_are_clear_errors(cli, tmp_path):
    out = str(tmp_path / "o")
    missing = CliRunner().invoke(cli, ["analyse-csv", str(tmp_path / "nope.csv"),
                                       "--text-column", "x", "--out", out])
    assert missing.exit_code != 0 and "does not exist" in missing.output
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = CliRunner().invoke(cli, ["analyse-csv", str(empty), "--text-column", "x",
                                      "--out", out])
    assert result.exit_code != 0 and "cannot be read" in result.output
    header_only = tmp_path / "header.csv"
    header_only.write_text("x,y\n")
    result = CliRunner().invoke(cli, ["analyse-csv", str(header_only), "--text-column", "x",
                                      "--out", out])
    assert result.exit_code != 0 and "no data rows" in result.output
    result = CliRunner().invoke(cli, ["analyse-csv", str(tmp_path), "--text-column", "x",
                                      "--out", out])
    assert result.exit_code != 0 and "folder" in result.output


def test_evaluate_prints_scores_for_engine_and_baselines(cli, answers_csv, tmp_path,
                                                         fast_engine, monkeypatch):
    import numpy as np

    from nlp import evaluation

    # The BERTopic baseline is slow to import; its own test is the benchmark.
    monkeypatch.setattr(evaluation, "bertopic_default_labels",
                        lambda texts, emb: np.zeros(len(texts), dtype=int))
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(cli, ["evaluate", str(answers_csv), "--text-column", "concern",
                                      "--label-column", "truth", "--json", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    for word in ("engine", "bertopic_defaults", "kmeans_true_k", "NMI", "ARI", "peak MB"):
        assert word in result.output
    scores = json.loads(out.read_text())
    assert scores["engine"]["nmi"] > 0.5
    assert set(scores["engine"]) >= {"nmi", "ari", "v_measure", "n_themes", "unthemed_share",
                                     "seconds", "peak_mb"}


def test_evaluate_one_hot_labels_use_the_first_code(cli, tmp_path, fast_engine):
    path = tmp_path / "onehot.csv"
    rows = [["text", "c1", "c2"]]
    for theme, answers in TINY_CORPUS.items():
        for a in answers:
            rows.append([a, "1" if theme == "drugs" else "0", "1" if theme != "drugs" else "0"])
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--text-column", "text",
                                      "--label-column", "c1", "--label-column", "c2",
                                      "--no-baselines", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "2 true labels" in result.output


def test_evaluate_review_budget_scores_both_orders(cli, answers_csv, tmp_path, fast_engine):
    out = tmp_path / "review.json"
    result = CliRunner().invoke(cli, ["evaluate", str(answers_csv), "--text-column", "concern",
                                      "--label-column", "truth", "--review-budget", "6,12",
                                      "--json", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "engine" in result.output and "random" in result.output
    rows = json.loads(out.read_text())["review"]
    assert [(r["budget"], r["order"]) for r in rows] == [
        (6, "engine"), (6, "random"), (12, "engine"), (12, "random")]
    for r in rows:
        assert {"accuracy_unreviewed", "accuracy_all", "macro_f1_unreviewed", "nmi_all"} <= set(r)
        assert 0.0 <= r["accuracy_unreviewed"] <= r["accuracy_all"] <= 1.0
        assert r["n_unreviewed"] == 26 - r["budget"]
    # The tiny corpus's themes are plain: twelve decisions code the rest well.
    assert rows[2]["accuracy_unreviewed"] >= 0.8


def test_evaluate_review_one_hot_columns_count_every_code(cli, tmp_path, fast_engine):
    path = tmp_path / "onehot.csv"
    rows = [["text", "speeding", "drugs", "litter"]]
    for theme, answers in TINY_CORPUS.items():
        for a in answers:
            rows.append([a, *("1" if theme == c else "0" for c in rows[0][1:])])
    rows.append(["speeding cars and drug dealing", "1", "1", "0"])
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--text-column", "text",
                                      "--label-column", "speeding", "--label-column", "drugs",
                                      "--label-column", "litter", "--review-budget", "9",
                                      "--json", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert {r["order"] for r in json.loads(out.read_text())["review"]} == {"engine", "random"}


@pytest.mark.parametrize("value", ["many", "100,-5", ","])
def test_evaluate_review_budget_must_be_counts(cli, answers_csv, value):
    result = CliRunner().invoke(cli, ["evaluate", str(answers_csv), "--text-column", "concern",
                                      "--label-column", "truth", "--review-budget", value])
    assert result.exit_code == 2
    assert "positive whole numbers separated by commas" in result.output


def test_analyse_csv_labels_column_codes_the_rest_from_the_decisions(cli, tmp_path, fast_engine):
    path = tmp_path / "coded.csv"
    rows = [["ref", "concern", "decision", "truth"]]
    i = 0
    for theme, answers in TINY_CORPUS.items():
        for j, a in enumerate(answers):
            name = {"speeding": "Road safety", "drugs": "Drug dealing",
                    "litter": "Litter and fly tipping"}[theme]
            rows.append([f"R{i}", a, name if j < 3 else "", name])
            i += 1
    rows.append([f"R{i}", "nothing", "", ""])
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["analyse-csv", str(path), "--text-column", "concern",
                                      "--id-column", "ref", "--labels-column", "decision",
                                      "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    themes = json.loads((out / "themes.json").read_text())
    assert {t["label"] for t in themes["themes"]} == {
        "Road safety", "Drug dealing", "Litter and fly tipping"}
    assert themes["n_non_answers"] == 1
    got = list(csv.DictReader(open(out / "assignments.csv")))
    truth = {r[0]: r[3] for r in rows[1:]}
    decided = {r[0] for r in rows[1:] if r[2]}
    coded = [r for r in got if r["id"] not in decided and r["non_answer"] == ""]
    assert len(coded) == 15
    right = sum(r["theme_label"] == truth[r["id"]] for r in coded)
    assert right >= 13  # the coder learned the analyst's themes from nine decisions
    assert all(r["theme_label"] == truth[r["id"]] for r in got if r["id"] in decided)


def test_analyse_csv_labels_column_must_hold_decisions(cli, answers_csv, tmp_path):
    result = CliRunner().invoke(cli, ["analyse-csv", str(answers_csv), "--text-column", "concern",
                                      "--labels-column", "nope", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no column 'nope'" in result.output
