"""Bad input on the staff side and the command line: the sign-in form, the CSV import (file
contents, file names, the mapping form) and `consult users create`. No 500s, no markup
rendered, no typed text spliced into SQL."""

from __future__ import annotations

import csv
import io

from consult.cli import cli
from tests.consult.admin.test_import import GOOD_ROWS, HEADERS, make_csv, upload, version_id
from tests.consult.journey.test_bad_input import _assert_safe_html, statement_log
from tests.data.naughty import naughty_strings
from tests.support import sign_in, signed_in_as


def _sample(step: int):
    return [(i, s) for i, s in enumerate(naughty_strings()) if i % step == 0]


def test_naughty_sign_in_attempts(app):
    client = app.test_client()
    with statement_log(app) as log:
        for i, naughty in _sample(24):
            marker = f"Sg{i:04d}"
            for email, password in ((f"{marker}{naughty}", "x"), (f"{marker}@example.org", f"{marker}{naughty}")):
                response = sign_in(client, email, password)
                assert response.status_code < 500, (response.status_code, naughty[:60])
                _assert_safe_html(response.get_data(as_text=True), email)
            log.assert_only_bound(marker)


def test_naughty_csv_contents_and_names(app):
    client = app.test_client()
    signed_in_as(app, client, role="analyst")
    vid = version_id(app)
    with statement_log(app) as log:
        for i, naughty in _sample(8):
            marker = f"Cv{i:04d}"
            row = list(GOOD_ROWS[0])
            row[6] = f"{marker} {naughty}"  # worry_text
            row[0] = naughty if i % 16 == 0 else row[0]  # sometimes an impossible district
            content = make_csv([row])
            name = f"{marker}{naughty[:40]}.csv".replace("/", "_")
            response = upload(client, vid, content, name=name)
            assert response.status_code < 500, (response.status_code, naughty[:60])
            if response.status_code == 302:
                page = client.get(response.location)
                assert page.status_code < 500
                _assert_safe_html(page.get_data(as_text=True), f"{marker} {naughty}")
            log.assert_only_bound(marker)


def test_broken_csv_files(app):
    client = app.test_client()
    signed_in_as(app, client, role="analyst")
    vid = version_id(app)
    out = io.StringIO()
    csv.writer(out).writerow(HEADERS)
    header = out.getvalue().encode()
    for content in [
        b"",
        b"\x00\x00\x00",
        b"\xff\xfe" + "district\n".encode("utf-16-le"),
        "Caf\u00e9,Worthing\n".encode("cp1252"),
        header + b'"unterminated,quote\n',
        header + b"a," * 5000 + b"\n",
        b"\n" * 10000,
        header + b"=cmd|' /C calc'!A0,+1,-1,@SUM(1)\n",
        b"<script>alert(1)</script>\n<b>x</b>\n",
    ]:
        response = upload(client, vid, content)
        assert response.status_code < 500, content[:40]
        if response.status_code == 302:
            assert client.get(response.location).status_code < 500
        else:
            _assert_safe_html(response.get_data(as_text=True), "<script>alert(1)</script>")


def test_naughty_values_for_the_cli(runner):
    for i, naughty in _sample(25):
        if "\x00" in naughty:
            continue  # a NUL cannot be passed in a real command line
        result = runner.invoke(
            cli,
            ["users", "create", "--email", naughty, "--role", "analyst", "--name", naughty,
             "--password-stdin"],
            input="a long enough password 123\n",
        )
        # Either created, or refused with a message: never a traceback.
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            naughty[:60], result.output, result.exception,
        )
    for naughty in ("../../etc/passwd", "<script>", "' OR 1=1 --", "\u202efile.yaml"):
        result = runner.invoke(cli, ["surveys", "validate", naughty])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
