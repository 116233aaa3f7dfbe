"""The production command really serves: `consult init-db`, `consult surveys load`, then
gunicorn (as `make serve` runs it) on SQLite and on PostgreSQL, and a resident completes the
survey over HTTP with CSRF protection on."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.consult.helpers import RESIDENT_ANSWERS

VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies, redirects, the CSRF token from each form."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str):
        with self.opener.open(self.base + path, timeout=60) as r:
            return r.geturl(), r.read().decode()

    def post(self, path: str, data: dict, token_from: str):
        token = re.search(r'name="csrf_token" value="([^"]+)"', token_from).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}, doseq=True).encode()
        url = path if path.startswith("http") else self.base + path
        with self.opener.open(url, data=body, timeout=60) as r:
            return r.geturl(), r.read().decode()


@pytest.fixture
def served(empty_database_url, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": empty_database_url,
        "SECRET_KEY": "serve-test-secret",
        "CONSULT_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    consult = str(VENV_BIN / "consult")
    for args in (["init-db"], ["surveys", "load"]):
        done = subprocess.run([consult, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    port = _free_port()
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--config", str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"),
            "--workers", "2", "--threads", "4",
            "--bind", f"127.0.0.1:{port}",
            "consult:create_app()",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Each worker loads the screening model before it takes a request: on a busy
        # 2-core machine that can take well over a minute.
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=30).read()
                break
            except (urllib.error.URLError, OSError):
                if server.poll() is not None:
                    pytest.fail(f"gunicorn exited: {server.stdout.read()}")
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn did not answer /healthz within 240 s")
                time.sleep(0.5)
        yield base, empty_database_url, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_gunicorn_serves_the_survey_end_to_end(served):
    base, url, server = served
    browser = Browser(base)
    _, html = browser.get("/healthz")
    assert '"status":"ok"' in html.replace(" ", "")
    where, html = browser.get("/survey/residents/")
    where, html = browser.post("/survey/residents/start", {}, token_from=html)
    for _ in range(30):
        match = re.search(r"/page/([a-z_]+)", where)
        if not match:
            break
        where, html = browser.post(where, RESIDENT_ANSWERS.get(match.group(1), {}), token_from=html)
    assert where.endswith("/check"), where
    submission = re.search(r'name="submission_token" value="([^"]+)"', html).group(1)
    where, html = browser.post(
        "/survey/residents/submit", {"submission_token": submission}, token_from=html
    )
    assert where.endswith("/confirmation") and "Answers sent" in html
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM response")).scalar() == 1
        if url.startswith("sqlite"):
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()

    # Issue 23, finding 15: a malformed request put the client's address in the error log.
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        raw.sendall(b"NOT A REQUEST\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400")
    server.terminate()
    log = server.communicate(timeout=30)[0]
    assert "Invalid request from ip=[address]" in log
    assert "127.0.0.1" not in log.replace(f"127.0.0.1:{port}", "")


def test_addresses_are_scrubbed_but_times_and_versions_are_not():
    from consult.log_privacy import without_addresses

    line = "12:34:56 Invalid request from ip=203.0.113.9: and 2001:db8::1 (::1) v1.2.3"
    assert without_addresses(line) == (
        "12:34:56 Invalid request from ip=[address]: and [address] ([address]) v1.2.3"
    )
    assert without_addresses("at 10.0.0.7:5432, 999.1.1.1") == "at [address]:5432, 999.1.1.1"
