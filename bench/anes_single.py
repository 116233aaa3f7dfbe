"""ANES dataset3 as a single-label CSV for ``consult evaluate``: the rows with exactly one
code set among the one-hot code columns, labelled with that code.

    .venv/bin/python bench/anes_single.py [--data ../shared/data] [--out bench/out/anes_single.csv]

(Multi-code rows can also be scored directly: repeat --label-column for every code column.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path, default=HERE / "out" / "anes_single.csv")
    args = parser.parse_args()
    df = pd.read_csv(args.data / "anes" / "dataset3.csv", keep_default_na=False, dtype=str)
    codes = [c for c in df.columns if c not in ("caseID", "verbatim")]
    onehot = df[codes].apply(pd.to_numeric, errors="coerce").fillna(0).astype(int)
    single = onehot.sum(axis=1) == 1
    out = pd.DataFrame({"caseID": df.loc[single, "caseID"], "verbatim": df.loc[single, "verbatim"],
                        "code": onehot[single].idxmax(axis=1)})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)
    print(f"{len(out)} single-code rows of {len(df)}, {out['code'].nunique()} codes -> {args.out}")


if __name__ == "__main__":
    main()
