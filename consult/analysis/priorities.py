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
