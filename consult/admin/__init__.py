"""The admin side: surveys and versions with response counts, response exports (CSV and
JSON), codebooks, and the import of responses collected elsewhere."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app


def staged_uploads(_report, dry_run: bool) -> int:
    """``consult purge`` removes uploads left waiting for their mapping over a day (they may
    hold personal data); returns how many."""
    from consult.admin.staging import Staging

    return Staging(Path(current_app.instance_path) / "imports").purge_old(dry_run=dry_run)


def init_app(app: Flask) -> None:
    from consult import retention
    from consult.admin.views import bp

    app.register_blueprint(bp)
    retention.register_file_cleanup(staged_uploads)
