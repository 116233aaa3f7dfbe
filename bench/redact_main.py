"""Today's redactor, for comparison: the redaction modules (``nlp/redact*.py``) and their data
files as they are on the ``main`` branch, loaded into a temporary package
(``nlp._redact_main``) so both run side by side in one process on the same spaCy model: the
copies import the other ``nlp`` modules (settings, spaCy loader, places) from this tree."""

from __future__ import annotations

import importlib
import importlib.util
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "nlp._redact_main"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def load_main_redact(ref: str = "main"):
    """The ``nlp.redact`` module at ``ref``, with the redaction modules it imports and their
    data files from ``ref`` too."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import nlp  # noqa: F401  (the parent package)

    tmp = Path(tempfile.mkdtemp(prefix="redact_main_"))
    (tmp / "data").mkdir()
    for name in _git("ls-tree", "--name-only", f"{ref}:nlp/data").split():
        if name.endswith(".txt"):
            (tmp / "data" / name).write_text(_git("show", f"{ref}:nlp/data/{name}"), "utf-8")
    modules = [
        n[:-3]
        for n in _git("ls-tree", "--name-only", f"{ref}:nlp").split()
        if n.startswith("redact") and n.endswith(".py") and n != "redact_names_build.py"
    ]
    own = "|".join(map(re.escape, modules))
    for name in modules:
        source = _git("show", f"{ref}:nlp/{name}.py")
        # the other nlp modules come from this tree
        source = re.sub(
            rf"^from \.(?!(?:{own})\b)(\w+) import", r"from nlp.\1 import", source, flags=re.M
        )
        (tmp / f"{name}.py").write_text(source, "utf-8")
    (tmp / "__init__.py").write_text("", "utf-8")
    for loaded in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[loaded]
    spec = importlib.util.spec_from_file_location(
        PACKAGE, tmp / "__init__.py", submodule_search_locations=[str(tmp)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    return importlib.import_module(f"{PACKAGE}.redact")
