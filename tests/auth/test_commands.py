"""``flask users create`` from the shell."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.auth.models import User
from meetings.extensions import db


def create(app, *extra: str, email="ops@example.org", name="Otto Ops", password="a long password"):
    args = ["users", "create", "--email", email, "--name", name, "--password", password, *extra]
    return app.test_cli_runner().invoke(args=args)


def accounts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def test_create_an_organiser(app):
    result = create(app, "--language", "de")
    assert result.exit_code == 0, result.output
    assert "Created organiser ops@example.org" in result.output
    user = db.session.scalar(select(User))
    assert (user.name, user.language, user.is_admin, user.active) == ("Otto Ops", "de", False, True)
    assert user.password_hash.startswith("$argon2id$") and user.check_password("a long password")


def test_create_an_administrator_with_a_mixed_case_email(app):
    result = create(app, "--admin", email="Ops@Example.ORG")
    assert result.exit_code == 0, result.output
    assert "Created administrator" in result.output
    user = db.session.scalar(select(User))
    assert user.email == "ops@example.org" and user.is_admin


def test_the_password_can_be_typed_at_the_prompt(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "ops@example.org", "--name", "Otto"],
                                          input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User)).check_password("a long password")


def test_duplicate_email_is_refused(app):
    assert create(app).exit_code == 0
    result = create(app, email="OPS@example.org", name="Someone else")
    assert result.exit_code == 2
    assert "an account with OPS@example.org exists already" in result.output
    assert accounts() == 1


@pytest.mark.parametrize("kwargs,message", [
    ({"password": "short"}, "use at least 10 characters"),
    ({"email": "not-an-email"}, "--email"),
    ({"name": "  "}, "the name must not be empty"),
])
def test_invalid_account_is_refused(app, kwargs, message):
    result = create(app, **kwargs)
    assert result.exit_code == 2
    assert message in result.output
    assert accounts() == 0
