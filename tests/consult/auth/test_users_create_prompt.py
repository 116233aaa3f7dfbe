"""`consult users create` says the password rule before asking, and refuses a weak password
as soon as it is typed (not after it has been typed twice)."""

from __future__ import annotations

from sqlalchemy import select

from consult.cli import cli
from consult.db import get_db
from consult.models import User

GOOD = "violet tractor oyster lantern"


def _create(runner, typed: list[str]):
    return runner.invoke(
        cli, ["users", "create", "--email", "new.lead@example.org", "--role", "analyst"],
        input="".join(f"{t}\n" for t in typed),
    )


def test_the_rule_comes_before_the_first_prompt(app, runner):
    result = _create(runner, [GOOD, GOOD])
    assert result.exit_code == 0, result.output
    rule = result.output.index("at least 12 characters")
    assert rule < result.output.index("Password:")
    assert "Created analyst new.lead@example.org" in result.output
    with app.app_context():
        assert get_db().scalar(select(User.email)) == "new.lead@example.org"


def test_a_short_password_is_refused_before_it_is_repeated(app, runner):
    result = _create(runner, ["too short", GOOD, GOOD])
    assert result.exit_code == 0, result.output
    out = result.output
    refused = out.index("Error: Enter a password of at least 12 characters")
    assert refused < out.index("Repeat for confirmation")  # asked again at once
    assert out.count("Repeat for confirmation") == 1
