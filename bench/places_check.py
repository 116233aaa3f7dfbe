"""First-pass themes on Polis Bowling Green: are any labels or top keywords place names?

    .venv/bin/python bench/places_check.py            # all 896 comments
    .venv/bin/python bench/places_check.py --n 300    # a sample (the small-corpus path)

Runs the engine with its defaults (the configured place names here are the area the
consultation is about: "Bowling Green", "Warren County") on the comments of
``../shared/data/polis/bowling-green.comments.csv`` and prints every theme: size, label, top
keywords. A theme is a *place hit* when its label or one of its top-3 keywords is, or
contains, a place name. Place names are judged independently of the engine: a hand-written
list of the places of Bowling Green, KY, that the comments name (below), plus every place or
organisation entity spaCy finds in the comments themselves. Also lists themes whose label is
a junk word the issue named ("Service", "Opinion", "Ethnicity"). Exit status 1 on a hit.
Results: bench/out/places_check.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import pandas as pd  # noqa: E402

from nlp.themes import ThemeEngine  # noqa: E402

# ../shared/data from the repository (or from a worktree one level deeper).
DATA = next((p / "shared" / "data" for p in HERE.parents if (p / "shared" / "data").exists()),
            HERE.parents[1] / "shared" / "data") / "polis" / "bowling-green.comments.csv"
AREA = ["Bowling Green", "Warren County"]
# Places of Bowling Green / Warren County, KY, read off the comments (not the engine's list).
KNOWN_PLACES = """
bowling green; bg; bgky; warren county; warren; kentucky; ky; wku; western kentucky university;
western; hilltoppers; scottsville road; scottsville rd; campbell lane; campbell ln;
smallhouse road; smallhouse rd; nashville road; nashville rd; russellville road; 31w;
broadway; fountain square; lost river cave; barren river; state street; college street;
main street; greenwood mall; greenwood; circus square; national corvette museum;
corvette; beech bend; southern kentucky; sky; nashville; louisville; lexington; tennessee;
gordon ave; natcher parkway; william h natcher; i-65; i65; cemetery road; fairview;
morgantown road; lovers lane; shive lane; plano; alvaton; smiths grove; oakland;
bristow; rich pond; woodburn; richardsville; hobson grove; medical center;
chaney; wku campus
"""
KNOWN = {p.strip() for p in KNOWN_PLACES.replace("\n", " ").split(";") if p.strip()}
JUNK_LABELS = {"service", "opinion", "ethnicity", "race", "age", "gender", "religion"}


def spacy_places(texts: list[str]) -> set[str]:
    """Place and organisation entities spaCy tags in the comments, kept where they are a
    name: written capitalised in at least half the comments that use the words (spaCy's
    small model also tags "schools", "vote" or "improve")."""
    from nlp.spacy_model import load_spacy

    nlp = load_spacy()
    found: set[str] = set()
    for doc in nlp.pipe(texts, batch_size=128):
        for ent in doc.ents:
            if ent.label_ in ("GPE", "LOC", "FAC", "ORG"):
                name = " ".join(words(ent.text))
                if name and name not in ("the",):
                    found.add(name)
    kept = set()
    for name in found:
        # Mid-sentence uses (after a lower-case word or a comma), capitalised or not.
        body = r"\W+".join(re.escape(w) for w in name.split())
        mid = re.compile(rf"(?<=[a-z,] )(?i:{body})(?![A-Za-z])")
        uses = [m.group(0) for t in texts for m in mid.finditer(t)]
        capitalised = [u for u in uses if u[:1].isupper() or u[:1].isdigit()]
        if uses and len(capitalised) >= 0.5 * len(uses):
            kept.add(name)
    return kept


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def hits(text: str, places: set[str]) -> list[str]:
    """Place names ``text`` is or contains (as whole words)."""
    padded = f" {' '.join(words(text))} "
    return sorted(p for p in places if f" {p} " in padded)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=None, help="first N comments only")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"no data at {DATA}")
        return 0
    df = pd.read_csv(DATA, keep_default_na=False)
    texts = df["comment-body"].astype(str).tolist()[: args.n]
    entity_places = spacy_places(texts)
    places = KNOWN | entity_places
    engine = ThemeEngine(cache_dir=str(HERE / "out" / "cache"), taxonomy=None,
                         **_place_kwargs())
    start = time.perf_counter()
    result = engine.fit(texts)
    seconds = time.perf_counter() - start
    rows, n_hits, n_junk = [], 0, 0
    print(f"{len(texts)} comments: {len(result.themes)} themes, {result.n_non_answers} "
          f"non-answers, {result.n_unthemed} unthemed ({seconds:.1f} s, path "
          f"{result.settings.get('path')})")
    for t in result.themes:
        top3 = t.keywords[:3]
        found = sorted(set(hits(t.label, places)) | {p for k in top3 for p in hits(k, places)})
        junk = t.label.lower() in JUNK_LABELS
        n_hits += bool(found)
        n_junk += junk
        flag = ("  PLACE: " + ", ".join(found) if found else "") + ("  JUNK" if junk else "")
        print(f"{t.size:>4}  {t.label[:60]:<60}  {', '.join(top3)}{flag}")
        rows.append({"size": t.size, "label": t.label, "keywords": t.keywords,
                     "place_hits": found, "junk": junk, "places": t.places})
    largest = max((t.size for t in result.themes), default=0)
    print(f"\nthemes with a place in label/top-3 keywords: {n_hits} of {len(result.themes)};"
          f" junk labels: {n_junk}; largest theme {largest} answers")
    out = HERE / "out" / "places_check.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"n": len(texts), "seconds": seconds, "place_hits": n_hits,
                               "junk": n_junk, "themes": rows}, indent=2))
    return 1 if n_hits or n_junk else 0


def _place_kwargs() -> dict:
    """The configured area names, where this version of the engine takes them."""
    import inspect

    if "place_names" in inspect.signature(ThemeEngine).parameters:
        return {"place_names": AREA}
    return {}


if __name__ == "__main__":
    sys.exit(main())
