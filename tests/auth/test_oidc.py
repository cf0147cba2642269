"""Signing in at an OpenID Connect provider on loopback, through the whole redirect flow:
the app's redirect, the provider's page, the redirect back, the code exchanged and the
id_token checked; and every way it is refused."""
from __future__ import annotations

import base64
import hashlib

import pytest
from sqlalchemy import select

from meetings.auth.identities import add_domain, link_identity
from meetings.auth.models import LinkedIdentity, User
from meetings.extensions import db
from tests.auth.oidc_flow import BASE, query_of, sign_in, start, to_provider_and_back, with_query
from tests.auth.oidc_provider import CLIENT_ID
from tests.factories import make_user
from tests.helpers import post_form, text_of


@pytest.fixture
def app_settings(oidc_settings):
    return oidc_settings


@pytest.fixture
def olga(app, oidc_provider):
    """An organiser whose account at the partner provider is linked."""
    user = make_user(email="olga@partner.example", name="Olga Organiser")
    link_identity(user, oidc_provider.issuer, "olga-at-partner")
    db.session.commit()
    oidc_provider.set_user("olga-at-partner", email="olga@partner.example", email_verified=True, name="Olga O.")
    return user


def signed_in(client) -> bool:
    return client.get("/manage/profile").status_code == 200


def refused(response, status: int, text: str) -> None:
    assert response.status_code == status, text_of(response)[:3000]
    assert text in text_of(response).replace("&#39;", "'")


# --- the login page ------------------------------------------------------------------

def test_login_page_offers_each_provider_beside_the_password(client):
    html = text_of(client.get("/login"))
    assert 'name="password"' in html
    for name, label in (("partner", "Sign in with Partner ID"), ("stale", "Sign in with Stale ID"),
                        ("offline", "Sign in with Offline ID")):
        assert f'href="/login/oidc/{name}"' in html and label in html


def test_the_label_follows_the_interface_language(client):
    html = text_of(client.get("/login", headers={"Accept-Language": "de"}))
    assert "Mit Partner-ID anmelden" in html


def test_unknown_provider_is_404(client):
    assert client.get("/login/oidc/elsewhere").status_code == 404
    assert client.get("/login/oidc/elsewhere/callback?code=x&state=y").status_code == 404


# --- signing in ------------------------------------------------------------------------

def test_linked_identity_signs_in(client, oidc_provider, olga):
    response = sign_in(client, oidc_provider, "olga-at-partner")
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/meetings/"
    assert signed_in(client)
    db.session.expire_all()
    assert db.session.get(User, olga.id).last_login_at is not None
    identity = db.session.scalar(select(LinkedIdentity))
    assert identity.last_used_at is not None and identity.email == "olga@partner.example"


def test_the_flow_uses_discovery_pkce_state_and_nonce(client, oidc_provider, olga):
    back = to_provider_and_back(client, oidc_provider, "olga-at-partner")
    assert client.get(back).status_code == 302
    assert oidc_provider.recorded("/.well-known/openid-configuration")
    assert oidc_provider.recorded("/jwks")
    asked = oidc_provider.recorded("/oauth2/authorize")[0]["query"]
    assert asked["response_type"] == "code" and asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == f"{BASE}/login/oidc/partner/callback"
    assert "openid" in asked["scope"].split() and "email" in asked["scope"].split()
    assert len(asked["state"]) >= 20 and len(asked["nonce"]) >= 20
    assert asked["code_challenge_method"] == "S256"
    assert query_of(back)["state"] == asked["state"]
    exchange = oidc_provider.recorded("/oauth2/token")[0]
    verifier = exchange["form"]["code_verifier"]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert digest == asked["code_challenge"]
    assert exchange["form"]["grant_type"] == "authorization_code"
    assert exchange["authorization"].startswith("Basic ")  # the client secret, not in the address


def test_sign_in_leads_to_the_page_asked_for(client, oidc_provider, olga):
    response = sign_in(client, oidc_provider, "olga-at-partner", next_path="/manage/venues/")
    assert response.headers["Location"] == "/manage/venues/"


def test_sign_in_ignores_a_next_address_elsewhere(client, oidc_provider, olga):
    response = sign_in(client, oidc_provider, "olga-at-partner", next_path="//evil.example/")
    assert response.headers["Location"] == "/manage/meetings/"


def test_signed_in_organiser_is_sent_on(client, oidc_provider, olga):
    sign_in(client, oidc_provider, "olga-at-partner")
    response = start(client)
    assert response.status_code == 302 and response.headers["Location"] == "/manage/meetings/"


def test_logout_ends_the_session_of_a_provider_sign_in(client, oidc_provider, olga):
    sign_in(client, oidc_provider, "olga-at-partner")
    response = post_form(client, "/logout", form_url="/manage/profile")
    assert response.status_code == 302
    assert not signed_in(client)
    assert sign_in(client, oidc_provider, "olga-at-partner").status_code == 302
    assert signed_in(client)


# --- answers that do not belong to this browser's sign-in -----------------------------

def test_forged_state_is_refused(client, oidc_provider, olga):
    back = to_provider_and_back(client, oidc_provider, "olga-at-partner")
    response = client.get(with_query(back, state="forged-by-someone"))
    refused(response, 400, "does not belong to a sign-in started in this browser")
    assert not signed_in(client)


def test_answer_without_a_sign_in_started_here_is_refused(client, client_factory, oidc_provider, olga):
    back = to_provider_and_back(client_factory(), oidc_provider, "olga-at-partner")
    refused(client.get(back), 400, "does not belong to a sign-in started in this browser")
    assert not signed_in(client)
    assert not oidc_provider.recorded("/oauth2/token")


def test_the_same_answer_works_once(client, oidc_provider, olga):
    back = to_provider_and_back(client, oidc_provider, "olga-at-partner")
    assert client.get(back).status_code == 302
    post_form(client, "/logout", form_url="/manage/profile")
    refused(client.get(back), 400, "does not belong to a sign-in started in this browser")
    assert not signed_in(client)


def test_replayed_code_is_refused(client, oidc_provider, olga):
    back = to_provider_and_back(client, oidc_provider, "olga-at-partner")
    assert client.get(back).status_code == 302
    post_form(client, "/logout", form_url="/manage/profile")
    # A new sign-in, with its own state, answered with the code that was used already.
    fresh = to_provider_and_back(client, oidc_provider, "olga-at-partner")
    replay = with_query(fresh, code=query_of(back)["code"])
    refused(client.get(replay), 400, "did not accept the sign-in code")
    assert not signed_in(client)


def test_provider_that_does_not_sign_in_is_refused(client, oidc_provider, olga):
    back = to_provider_and_back(client, oidc_provider, None, deny=True)
    refused(client.get(back), 403, "did not sign you in")
    assert not signed_in(client)


# --- id_tokens that are not what they must be ------------------------------------------

@pytest.mark.parametrize("tamper", [
    pytest.param({"token_issuer_host": "other"}, id="wrong-issuer"),
    pytest.param({"audience": "another-application"}, id="wrong-audience"),
    pytest.param({"nonce": "not-the-nonce-of-this-sign-in"}, id="wrong-nonce"),
    pytest.param({"foreign_keys": True}, id="bad-signature"),
])
def test_id_token_that_does_not_verify_is_refused(client, oidc_provider, olga, tamper):
    for name, value in tamper.items():
        setattr(oidc_provider, name, oidc_provider.other_host if value == "other" else value)
    response = sign_in(client, oidc_provider, "olga-at-partner")
    refused(response, 403, "could not be verified")
    assert not signed_in(client)
    assert db.session.get(User, olga.id).last_login_at is None


def test_expired_id_token_is_refused(client, stale_provider, olga):
    db.session.add(LinkedIdentity(user=olga, issuer=stale_provider.issuer, subject="olga-at-stale"))
    db.session.commit()
    stale_provider.set_user("olga-at-stale", email="olga@partner.example", email_verified=True)
    response = sign_in(client, stale_provider, "olga-at-stale", provider_name="stale")
    refused(response, 403, "could not be verified")
    assert not signed_in(client)


def test_discovery_of_another_issuer_is_refused(client, oidc_provider, olga):
    oidc_provider.discovery_host = oidc_provider.other_host
    refused(start(client), 502, "names another issuer")


def test_provider_that_cannot_be_reached(client):
    refused(start(client, "offline"), 502, "cannot be reached right now")


# --- who may come in -------------------------------------------------------------------

def test_disabled_account_is_refused(client, oidc_provider, olga):
    olga.active = False
    db.session.commit()
    refused(sign_in(client, oidc_provider, "olga-at-partner"), 403, "Your organiser account is disabled")
    assert not signed_in(client)


def test_unknown_identity_is_refused_and_told_what_to_give_the_administrator(client, oidc_provider):
    oidc_provider.set_user("stranger-1", email="stranger@else.example", email_verified=True)
    response = sign_in(client, oidc_provider, "stranger-1")
    refused(response, 403, "is not linked to an organiser account here")
    assert "stranger-1" in text_of(response) and oidc_provider.issuer in text_of(response)
    assert db.session.scalars(select(User)).all() == []


def test_listed_domain_with_verified_email_comes_in_as_a_new_organiser(client, oidc_provider):
    add_domain(oidc_provider.issuer, "partner.example")
    db.session.commit()
    oidc_provider.set_user("new-1", email="Nina@Partner.example", email_verified=True, name="Nina New", locale="nl-NL")
    response = sign_in(client, oidc_provider, "new-1")
    assert response.status_code == 302 and signed_in(client)
    user = db.session.scalar(select(User).where(User.email == "nina@partner.example"))
    assert user.name == "Nina New" and not user.is_admin and user.active and user.language == "nl"
    assert not user.check_password("")
    identity = db.session.scalar(select(LinkedIdentity))
    assert (identity.user_id, identity.issuer, identity.subject) == (user.id, oidc_provider.issuer, "new-1")
    # The next time, the link finds the account.
    post_form(client, "/logout", form_url="/manage/profile")
    assert sign_in(client, oidc_provider, "new-1").status_code == 302
    assert len(db.session.scalars(select(User)).all()) == 1


def test_listed_domain_of_another_provider_does_not_count(client, oidc_provider, stale_provider):
    add_domain(stale_provider.issuer, "partner.example")
    db.session.commit()
    oidc_provider.set_user("new-2", email="nils@partner.example", email_verified=True)
    refused(sign_in(client, oidc_provider, "new-2"), 403, "is not linked to an organiser account here")


@pytest.mark.parametrize("claims", [
    pytest.param({"email": "nils@partner.example"}, id="no-claim"),
    pytest.param({"email": "nils@partner.example", "email_verified": False}, id="false"),
])
def test_listed_domain_with_unverified_email_is_refused(client, oidc_provider, claims):
    add_domain(oidc_provider.issuer, "partner.example")
    db.session.commit()
    oidc_provider.set_user("new-3", **claims)
    refused(sign_in(client, oidc_provider, "new-3"), 403, "has not verified your email address")
    assert db.session.scalars(select(User)).all() == []


def test_listed_domain_does_not_take_over_an_existing_account(client, oidc_provider):
    make_user(email="boss@partner.example", is_admin=True)
    add_domain(oidc_provider.issuer, "partner.example")
    db.session.commit()
    oidc_provider.set_user("new-4", email="boss@partner.example", email_verified=True)
    refused(sign_in(client, oidc_provider, "new-4"), 409, "is not linked to your account at")
    assert not signed_in(client)
    assert db.session.scalars(select(LinkedIdentity)).all() == []
