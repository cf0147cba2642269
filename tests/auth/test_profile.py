"""An organiser's own profile: name, interface language and password."""
from __future__ import annotations

import pytest

from meetings.auth.models import User
from meetings.extensions import db
from tests.factories import PASSWORD
from tests.helpers import post_form, text_of

NEW_PASSWORD = "a brand new password"


def profile(**changes) -> dict:
    data = {"name": "Olga Organiser", "language": "en", "current_password": "", "password": "", "confirm": ""}
    data.update(changes)
    return data


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_profile_shows_the_current_values(organiser_client):
    html = text_of(organiser_client.get("/manage/profile"))
    assert 'value="Olga Organiser"' in html
    assert 'for="current_password"' in html


def test_changing_the_language_changes_the_interface(organiser_client, organiser):
    response = post_form(organiser_client, "/manage/profile", profile(name="Olga Neu", language="de"))
    assert response.status_code == 302
    user = reload(organiser)
    assert (user.name, user.language) == ("Olga Neu", "de")
    assert '<html lang="de">' in text_of(organiser_client.get("/manage/profile"))
    assert user.check_password(PASSWORD)


def test_unknown_language_is_refused(organiser_client, organiser):
    response = post_form(organiser_client, "/manage/profile", profile(language="fr"))
    assert response.status_code == 422
    assert 'id="language-error"' in text_of(response)
    assert reload(organiser).language == "en"


def test_new_password_with_the_current_one(organiser_client, organiser, client_factory):
    response = post_form(organiser_client, "/manage/profile",
                         profile(current_password=PASSWORD, password=NEW_PASSWORD, confirm=NEW_PASSWORD))
    assert response.status_code == 302
    user = reload(organiser)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    other = client_factory()
    assert post_form(other, "/login", {"email": user.email, "password": PASSWORD}).status_code == 422
    assert post_form(other, "/login", {"email": user.email, "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize("field,changes,message", [
    ("current_password", {"current_password": "", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
     "Your current password is needed to set a new one."),
    ("current_password", {"current_password": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
     "Your current password is needed to set a new one."),
    ("password", {"current_password": PASSWORD, "password": "short", "confirm": "short"}, "Use at least 10 characters."),
    ("confirm", {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": "different"},
     "The two passwords differ."),
    ("name", {"name": ""}, "Please enter a name."),
])
def test_invalid_profile_change_is_refused_at_the_field(organiser_client, organiser, field, changes, message):
    response = post_form(organiser_client, "/manage/profile", profile(language="nl", **changes))
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html and message in html
    user = reload(organiser)
    assert user.check_password(PASSWORD)
    assert user.language == "en"
