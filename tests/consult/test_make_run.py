"""`make run` serves on port 5000 unless PORT says otherwise (`PORT=5077 make run`). Checked
with `make --dry-run`, which prints the commands without running them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _serve_command(**env) -> str:
    """The command `make run` would start the app with, given these environment variables."""
    environ = {k: v for k, v in os.environ.items() if k != "PORT"} | env
    done = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "run"],
        cwd=ROOT, env=environ, capture_output=True, text=True, check=True, timeout=60,
    )
    return [line for line in done.stdout.splitlines() if " run --host " in line][-1]


def test_make_run_serves_on_port_5000_by_default():
    assert _serve_command().endswith("--host 127.0.0.1 --port 5000")


def test_port_chooses_another_port():
    assert _serve_command(PORT="5077").endswith("--host 127.0.0.1 --port 5077")
