"""Uploaded import files waiting for their mapping, kept in ``instance/imports/``.

A file is named by its batch id (a hash of its content and the survey version), so it can
be found again between the upload, the mapping page and the import. It may hold personal
data, so it is deleted once imported, and any left behind are deleted after a day.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from pathlib import Path

_BATCH = re.compile(r"^[0-9a-f]{32}$")
KEEP_SECONDS = 24 * 3600


class Staging:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def _paths(self, batch: str) -> tuple[Path, Path]:
        if not _BATCH.match(batch):
            raise KeyError(batch)
        return self.folder / f"{batch}.csv", self.folder / f"{batch}.json"

    def save(self, batch: str, content: bytes, meta: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        self.purge_old()
        data, info = self._paths(batch)
        data.write_bytes(content)
        info.write_text(json.dumps(meta))

    def load(self, batch: str) -> tuple[bytes, dict] | None:
        try:
            data, info = self._paths(batch)
            return data.read_bytes(), json.loads(info.read_text())
        except (KeyError, OSError, ValueError):
            return None

    def discard(self, batch: str) -> None:
        with contextlib.suppress(KeyError):  # an unknown batch has nothing to discard
            for path in self._paths(batch):
                path.unlink(missing_ok=True)

    def purge_old(self, now: float | None = None, dry_run: bool = False) -> int:
        """Delete files kept longer than a day; returns how many (a dry run only counts)."""
        now = now or time.time()
        removed = 0
        for path in self.folder.glob("*.*"):
            try:
                if now - path.stat().st_mtime > KEEP_SECONDS:
                    if not dry_run:
                        path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed
