"""Load the labelled development data from ../shared/data for the theme benchmarks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# ../shared/data beside the repository (or beside the folder of worktrees).
_HERE = Path(__file__).resolve()
DATA = next((p / "shared" / "data" for p in _HERE.parents if (p / "shared" / "data").exists()),
            _HERE.parents[2] / "shared" / "data")


def nhs(label: str = "label") -> tuple[list[str], list[str]]:
    df = pd.read_csv(DATA / "nhs_feedback" / "phase1_text_data.csv", keep_default_na=False)
    return df["feedback"].tolist(), df[label].astype(str).tolist()


def anes() -> tuple[list[str], list[str]]:
    """ANES 2008 open answers; multi-label one-hot codes. The primary code is the first code
    column (in file order) set for the answer; answers with no code get "none"."""
    df = pd.read_csv(DATA / "anes" / "dataset3.csv", keep_default_na=False)
    codes = [c for c in df.columns if c not in ("caseID", "verbatim")]
    onehot = df[codes].apply(pd.to_numeric, errors="coerce").fillna(0).astype(int)
    primary = [
        next((c for c in codes if row[c] == 1), "none") for _, row in onehot.iterrows()
    ]
    return df["verbatim"].tolist(), primary


DATASETS = {
    "nhs_label": lambda: nhs("label"),
    "nhs_subcategory": lambda: nhs("subcategory"),
    "anes_primary": anes,
}
