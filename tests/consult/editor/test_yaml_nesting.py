"""YAML nested thousands of levels deep (issue 23, finding 10: a 500 RecursionError at
/admin/editor/import): refused with a clear message, in the editor and in
`consult surveys validate`."""

from __future__ import annotations

import pytest

from consult.cli import cli
from tests.consult.auth.test_auth import signed_in_as
from tests.consult.editor.test_editor import upload

DEEP = {
    "flow": "id: deep\ntitles: " + "[" * 4000 + "]" * 4000 + "\n",
    "block": "id: deep\nx:\n" + "".join(" " * i + "a:\n" for i in range(1, 1200)),  # under 1 MB
}


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deep_yaml_upload_is_refused_saying_why(app, client, shape):
    signed_in_as(app, client, "admin")
    response = upload(client, DEEP[shape].encode(), "deep.yaml")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The selected file is not a valid survey definition" in html
    assert "nested more than 50 levels deep" in html


def test_deep_yaml_file_is_refused_by_surveys_validate(runner, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text(DEEP["flow"])
    result = runner.invoke(cli, ["surveys", "validate", str(path)])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "nested more than 50 levels deep" in result.output
