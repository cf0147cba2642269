"""PASSWORD_LOGIN=false: the login page offers the providers only, and passwords are refused."""
from __future__ import annotations

import pytest

from meetings.auth.identities import link_identity
from meetings.extensions import db
from tests.auth.oidc_flow import sign_in
from tests.factories import PASSWORD, make_user
from tests.helpers import text_of


@pytest.fixture
def app_settings(oidc_settings):
    return {**oidc_settings, "PASSWORD_LOGIN": False}


def test_login_page_shows_only_the_provider_buttons(client):
    html = text_of(client.get("/login"))
    assert 'name="password"' not in html and 'name="email"' not in html
    assert 'href="/login/oidc/partner"' in html and "Sign in with Partner ID" in html


def _csrf_token(client) -> str:
    """A valid CSRF token of this client's session, as a form of the app would carry it
    (the login page has no form to take one from)."""
    from itsdangerous import URLSafeTimedSerializer

    with client.session_transaction() as session:
        session["csrf_token"] = raw = "a" * 40
    return URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token").dumps(raw)


def test_a_password_is_refused_even_the_right_one(client):
    make_user(email="olga@example.org")
    response = client.post("/login", data={"email": "olga@example.org", "password": PASSWORD,
                                           "csrf_token": _csrf_token(client)})
    assert response.status_code == 403
    assert "Logging in with a password is turned off" in text_of(response)
    assert client.get("/manage/profile").status_code == 302


def test_providers_still_sign_in(client, oidc_provider):
    user = make_user()
    link_identity(user, oidc_provider.issuer, "only-sub")
    db.session.commit()
    assert sign_in(client, oidc_provider, "only-sub").status_code == 302
    assert client.get("/manage/profile").status_code == 200
