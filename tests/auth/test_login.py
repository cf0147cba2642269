"""Logging in and out, the ``next`` parameter, and which pages need a login."""
from __future__ import annotations

import pytest

from meetings.auth.models import User
from meetings.extensions import db
from tests.factories import PASSWORD, make_user
from tests.helpers import login, post_form, text_of

WRONG = "Email or password is wrong."


def error_of(html: str, field: str) -> str:
    """The text of a field's error paragraph."""
    start = html.index(f'id="{field}-error"')
    return html[html.index(">", start) + 1:html.index("</p>", start)]


def test_login_page_has_labelled_fields(client):
    html = text_of(client.get("/login"))
    assert 'for="email"' in html and 'for="password"' in html
    assert 'name="csrf_token"' in html


def test_login_success_opens_the_organiser_pages(client, organiser):
    response = post_form(client, "/login", {"email": organiser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/meetings/"
    assert client.get("/manage/profile").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, organiser.id).last_login_at is not None


def test_email_is_matched_whatever_its_case(client, organiser):
    response = post_form(client, "/login", {"email": "  Organiser@EXAMPLE.org ", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("email,password", [
    ("organiser@example.org", "wrong password"),
    ("nobody@example.org", PASSWORD),
])
def test_wrong_password_and_unknown_email_get_the_same_answer(client, organiser, email, password):
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 422
    assert error_of(text_of(response), "password") == WRONG
    assert client.get("/manage/profile").status_code == 302


@pytest.mark.parametrize("field,data,message", [
    ("email", {"email": "", "password": PASSWORD}, "Please enter an email address."),
    ("email", {"email": "not-an-email", "password": PASSWORD}, "Please enter a valid email address"),
    ("password", {"email": "organiser@example.org", "password": ""}, "Please enter your password."),
])
def test_incomplete_login_is_refused_at_the_field(client, organiser, field, data, message):
    response = post_form(client, "/login", data)
    assert response.status_code == 422
    assert message in error_of(text_of(response), field)


def test_disabled_account_cannot_log_in(client):
    make_user(email="gone@example.org", active=False)
    response = post_form(client, "/login", {"email": "gone@example.org", "password": PASSWORD})
    assert response.status_code == 422
    assert error_of(text_of(response), "password") == WRONG
    assert client.get("/manage/profile").status_code == 302


def test_disabling_an_account_ends_its_open_session(organiser_client, organiser):
    assert organiser_client.get("/manage/profile").status_code == 200
    organiser.active = False
    db.session.commit()
    response = organiser_client.get("/manage/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_password_is_stored_as_an_argon2_hash(organiser):
    stored = db.session.get(User, organiser.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert organiser.check_password(PASSWORD)
    assert not organiser.check_password(PASSWORD + "x")


def test_login_without_csrf_token_is_refused(client, organiser):
    response = client.post("/login", data={"email": organiser.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/manage/profile").status_code == 302


def test_logged_in_visitor_is_sent_on_from_the_login_page(organiser_client):
    response = organiser_client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/meetings/"


# --- logout ---------------------------------------------------------------------

def test_logout_by_get_is_not_allowed(organiser_client):
    assert organiser_client.get("/logout").status_code == 405
    assert organiser_client.get("/manage/profile").status_code == 200


def test_logout_without_csrf_token_is_refused(organiser_client):
    assert organiser_client.post("/logout").status_code == 400
    assert organiser_client.get("/manage/profile").status_code == 200


def test_logout(organiser_client):
    response = post_form(organiser_client, "/logout", form_url="/manage/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert organiser_client.get("/manage/profile").status_code == 302


# --- where the login leads ------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/manage/profile",
    "/manage/accounts/",
    "/manage/accounts/new",
    "/manage/accounts/1",
    "/manage/venues/",
    "/manage/meetings/",
    "/manage/organisations/",
    "/manage/contacts/",
    "/manage/groups/",
])
def test_organiser_pages_send_anonymous_visitors_to_the_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    assert path.replace("/", "%2F") in location


def test_login_returns_to_the_page_asked_for(client, organiser):
    location = client.get("/manage/venues/").headers["Location"]
    response = post_form(client, location, {"email": organiser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/venues/"


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "evil.example",
])
def test_next_never_leads_off_the_site(client, organiser, target):
    response = post_form(client, "/login", {"email": organiser.email, "password": PASSWORD, "next": target},
                         form_url="/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/meetings/"


def test_next_is_kept_for_a_local_path_with_query(client, organiser):
    response = post_form(client, "/login", {"email": organiser.email, "password": PASSWORD,
                                            "next": "/manage/venues/?page=2"})
    assert response.headers["Location"] == "/manage/venues/?page=2"


def test_login_helper_logs_in(client, organiser):
    login(client, organiser.email, PASSWORD)
    assert client.get("/manage/profile").status_code == 200
