"""One check of an email address (``core.emails.checked_email``) behind every form, the
contact import and the account command."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from meetings.core.emails import MAX_EMAIL, InvalidEmail, checked_email

ROOT = Path(__file__).resolve().parents[2] / "meetings"


@pytest.mark.parametrize("value,stored", [
    ("anna@example.org", "anna@example.org"),
    ("  Anna.Berg@Example.ORG ", "anna.berg@example.org"),
    ("jörg@bücher.example", "jörg@bücher.example"),
    ("x+tag@sub.example.nl", "x+tag@sub.example.nl"),
])
def test_addresses_are_stored_stripped_and_lower_case(value, stored):
    assert checked_email(value) == stored


@pytest.mark.parametrize("value", [
    "", "   ", "anna", "anna@", "@example.org", "anna@@example.org", "anna@example", "an na@example.org",
    "anna@example.org\x00", "anna\n@example.org", "a" * (MAX_EMAIL - len("@example.org") + 1) + "@example.org",
])
def test_what_is_not_an_address_is_refused(value):
    with pytest.raises(InvalidEmail):
        checked_email(value)


def test_the_same_check_in_a_form_an_import_and_the_command(app):
    from meetings.auth.forms import LoginForm
    from meetings.network.services import plan_import

    with app.test_request_context(method="POST", data={"email": "anna@example", "password": "x"}):
        form = LoginForm(meta={"csrf": False})
        assert not form.validate() and form.email.errors
    rows = plan_import("Name,Email\nAnna,anna@example\nBen,ben@example.org\n").rows
    assert [bool(row.errors) for row in rows] == [True, False]
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "anna@example", "--name", "Anna",
                                                "--password", "a long password"])
    assert result.exit_code != 0 and "--email" in result.output


def test_only_one_module_checks_addresses():
    found = []
    for path in ROOT.rglob("*.py"):
        if path.relative_to(ROOT).as_posix() == "core/emails.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [getattr(node, "module", None) or ""] + [a.name for a in node.names]
                if any(n.split(".")[0] == "email_validator" for n in names) or (
                        isinstance(node, ast.ImportFrom) and node.module == "wtforms.validators"
                        and any(a.name == "Email" for a in node.names)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
