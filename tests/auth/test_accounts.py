"""Administrators manage organiser accounts; other organisers may not."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.auth.models import User
from meetings.extensions import db
from tests.factories import PASSWORD, make_user
from tests.helpers import login, post_form, text_of

NEW = {
    "name": "Nina Neu",
    "email": "nina.neu@example.de",
    "language": "de",
    "is_admin": "",
    "active": "y",
    "password": "a long new password",
    "confirm": "a long new password",
}


def account_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def fields_of(user: User, **changes) -> dict:
    data = {"name": user.name, "email": user.email, "language": user.language,
            "password": "", "confirm": ""}
    if user.is_admin:
        data["is_admin"] = "y"
    if user.active:
        data["active"] = "y"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.mark.parametrize("path", ["/manage/accounts/", "/manage/accounts/new", "/manage/accounts/{id}"])
def test_organisers_who_are_not_admins_get_403(organiser_client, organiser, path):
    assert organiser_client.get(path.format(id=organiser.id)).status_code == 403


def test_organiser_cannot_create_an_account_by_posting(organiser_client):
    response = post_form(organiser_client, "/manage/accounts/new", NEW, form_url="/manage/profile")
    assert response.status_code == 403
    assert account_count() == 1


def test_organiser_cannot_make_themselves_admin(organiser_client, organiser):
    response = post_form(organiser_client, f"/manage/accounts/{organiser.id}", fields_of(organiser, is_admin="y"),
                         form_url="/manage/profile")
    assert response.status_code == 403
    assert not reload(organiser).is_admin


def test_admin_sees_the_accounts_and_the_menu_entry(admin_client, organiser):
    html = text_of(admin_client.get("/manage/accounts/"))
    assert "Olga Organiser" in html and "organiser@example.org" in html
    assert 'href="/manage/accounts/"' in html


def test_menu_entry_is_hidden_from_other_organisers(organiser_client):
    assert 'href="/manage/accounts/"' not in text_of(organiser_client.get("/manage/profile"))


def test_admin_creates_an_account(admin_client, client_factory):
    response = post_form(admin_client, "/manage/accounts/new", NEW)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nina.neu@example.de"))
    assert user.name == "Nina Neu" and user.language == "de" and not user.is_admin and user.active
    assert user.password_hash.startswith("$argon2id$")
    login(client_factory(), "nina.neu@example.de", NEW["password"])


def test_admin_creates_another_admin(admin_client):
    post_form(admin_client, "/manage/accounts/new", {**NEW, "is_admin": "y"})
    assert db.session.scalar(select(User).where(User.email == "nina.neu@example.de")).is_admin


@pytest.mark.parametrize("field,changes,message", [
    ("email", {"email": "organiser@example.org"}, "There is already an account with this email."),
    ("email", {"email": "ORGANISER@example.org"}, "There is already an account with this email."),
    ("email", {"email": "not an email"}, "Please enter a valid email address"),
    ("email", {"email": ""}, "Please enter an email address."),
    ("name", {"name": ""}, "Please enter a name."),
    ("name", {"name": "x" * 121}, "Field cannot be longer than 120 characters."),
    ("password", {"password": "short", "confirm": "short"}, "Use at least 10 characters."),
    ("password", {"password": "", "confirm": ""}, "Please set a password for the new account."),
    ("confirm", {"confirm": "a different password"}, "The two passwords differ."),
])
def test_invalid_new_account_is_refused_at_the_field(admin_client, organiser, field, changes, message):
    before = account_count()
    response = post_form(admin_client, "/manage/accounts/new", {**NEW, **changes})
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html
    assert message in html
    assert account_count() == before


def test_admin_edits_an_account(admin_client, organiser, client_factory):
    response = post_form(admin_client, f"/manage/accounts/{organiser.id}",
                         fields_of(organiser, name="Olga Neu", language="nl", is_admin="y",
                                   password="another long one", confirm="another long one"))
    assert response.status_code == 302
    user = reload(organiser)
    assert (user.name, user.language, user.is_admin) == ("Olga Neu", "nl", True)
    login(client_factory(), organiser.email, "another long one")


def test_editing_without_a_password_keeps_the_old_one(admin_client, organiser):
    post_form(admin_client, f"/manage/accounts/{organiser.id}", fields_of(organiser, name="Olga Neu"))
    assert reload(organiser).check_password(PASSWORD)


@pytest.mark.parametrize("field,changes,message", [
    ("email", {"email": "admin@example.org"}, "There is already an account with this email."),
    ("password", {"password": "short", "confirm": "short"}, "Use at least 10 characters."),
    ("confirm", {"password": "a long new password", "confirm": "something else"}, "The two passwords differ."),
])
def test_invalid_edit_is_refused_at_the_field(admin_client, organiser, field, changes, message):
    response = post_form(admin_client, f"/manage/accounts/{organiser.id}", fields_of(organiser, name="Changed", **changes))
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html and message in html
    user = reload(organiser)
    assert user.name == "Olga Organiser" and user.email == "organiser@example.org"
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("changes", [{"is_admin": None}, {"active": None}])
def test_last_administrator_cannot_remove_their_own_admin_role(admin_client, admin_user, changes):
    response = post_form(admin_client, f"/manage/accounts/{admin_user.id}", fields_of(admin_user, **changes))
    assert response.status_code == 422
    html = text_of(response)
    assert 'id="is_admin-error"' in html
    assert "This is the last administrator" in html
    user = reload(admin_user)
    assert user.is_admin and user.active


def test_an_administrator_may_step_down_when_another_remains(admin_client, admin_user):
    make_user(email="second.admin@example.org", is_admin=True)
    response = post_form(admin_client, f"/manage/accounts/{admin_user.id}", fields_of(admin_user, is_admin=None))
    assert response.status_code == 302
    assert not reload(admin_user).is_admin
    assert admin_client.get("/manage/accounts/").status_code == 403


def test_disabled_account_cannot_log_in(admin_client, organiser, client_factory):
    response = post_form(admin_client, f"/manage/accounts/{organiser.id}", fields_of(organiser, active=None))
    assert response.status_code == 302
    assert not reload(organiser).active
    assert "Disabled" in text_of(admin_client.get("/manage/accounts/"))
    refused = post_form(client_factory(), "/login", {"email": organiser.email, "password": PASSWORD})
    assert refused.status_code == 422
    assert "Email or password is wrong." in text_of(refused)


def test_unknown_account_is_404(admin_client):
    assert admin_client.get("/manage/accounts/9999").status_code == 404


def test_account_form_without_csrf_token_is_refused(admin_client):
    response = admin_client.post("/manage/accounts/new", data=NEW)
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == NEW["email"])) is None
