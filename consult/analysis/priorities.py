"""The partnership's priorities (``surveys/priorities.yaml``), for linking themes to them."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import current_app


def taxonomy_path() -> str:
    configured = current_app.config.get("ANALYSIS_TAXONOMY")
    if configured:
        return str(configured)
    return str(Path(current_app.config["SURVEYS_DIR"]) / "priorities.yaml")


def priority_names() -> dict[str, str]:
    """id -> name, in the taxonomy's order ({} when there is no taxonomy)."""
    path = Path(taxonomy_path())
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        str(p["id"]): str(p.get("name") or p["id"])
        for p in data.get("priorities", [])
        if isinstance(p, dict) and p.get("id")
    }


def confirmed_links(db, run) -> dict[int, str | None]:
    """theme id -> the priority the analyst linked it to (None: the analyst marked it
    emerging), for the run's active themes the analyst decided on. A link the engine
    suggested (``Theme.priority`` with its ``priority_score``) is absent until the analyst
    confirms it: the decisions (``link_priority`` / ``mark_emerging``, later ones win) are
    the record, so no column is needed and a re-run reads the same."""
    from consult.analysis import queries
    from consult.analysis.review import decisions

    by_key = {t.key: t for t in queries.themes(db, run.id)}
    out: dict[int, str | None] = {}
    for d in decisions.for_run(db, run):
        if d.kind not in ("link_priority", "mark_emerging"):
            continue
        theme = by_key.get(d.theme_key)
        if theme is not None:
            out[theme.id] = (d.value or {}).get("priority") if d.kind == "link_priority" else None
    return out


def confirmed_priority(theme, links: dict[int, str | None]) -> str | None:
    """The priority a theme counts under in the public views: only a confirmed link."""
    return links.get(theme.id)
