"""Today's redactor, for comparison: ``nlp/redact.py`` and its data files as they are on the
``main`` branch, loaded into a temporary module (``nlp._redact_main``) so both run side by
side in one process on the same spaCy model."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _git_show(path: str, ref: str) -> str:
    return subprocess.run(
        ["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def load_main_redact(ref: str = "main"):
    """The ``nlp.redact`` module at ``ref``; its data files come from ``ref`` too."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import nlp  # noqa: F401  (the parent package for the module's relative imports)

    tmp = Path(tempfile.mkdtemp(prefix="redact_main_"))
    (tmp / "data").mkdir()
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{ref}:nlp/data"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in listing:
        if name.endswith(".txt"):
            (tmp / "data" / name).write_text(_git_show(f"nlp/data/{name}", ref), "utf-8")
    # its names rules too (they read their lists from the same temporary data folder)
    names = _git_show("nlp/redact_names.py", ref)
    (tmp / "redact_names.py").write_text(names, "utf-8")
    _load("nlp._redact_names_main", tmp / "redact_names.py")
    source = _git_show("nlp/redact.py", ref).replace(
        "from .redact_names import", "from ._redact_names_main import"
    )
    (tmp / "redact.py").write_text(source, "utf-8")
    return _load("nlp._redact_main", tmp / "redact.py")


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
