"""Administrators link provider identities to accounts and let email domains in."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from meetings.auth.identities import add_domain, link_identity
from meetings.auth.models import LinkedIdentity, SignInDomain
from meetings.extensions import db
from tests.auth.oidc_flow import sign_in
from tests.factories import PASSWORD, make_user
from tests.helpers import login, post_form, text_of


@pytest.fixture
def app_settings(oidc_settings):
    return oidc_settings


def test_account_page_lists_links_and_offers_the_providers(admin_client, oidc_provider):
    user = make_user(email="olga@partner.example")
    link_identity(user, oidc_provider.issuer, "olga-sub", email="olga@partner.example")
    db.session.commit()
    html = text_of(admin_client.get(f"/manage/accounts/{user.id}"))
    assert "olga-sub" in html and "Partner ID" in html
    assert 'for="provider"' in html and 'for="subject"' in html


def test_administrator_links_an_identity_that_then_signs_in(admin_client, client_factory, oidc_provider):
    user = make_user(email="olga@partner.example")
    response = post_form(admin_client, f"/manage/accounts/{user.id}/identities",
                         {"provider": "partner", "subject": "olga-sub"}, form_url=f"/manage/accounts/{user.id}")
    assert response.status_code == 303
    identity = db.session.scalar(select(LinkedIdentity))
    assert (identity.user_id, identity.issuer, identity.subject) == (user.id, oidc_provider.issuer, "olga-sub")
    browser = client_factory()
    assert sign_in(browser, oidc_provider, "olga-sub").status_code == 302
    assert browser.get("/manage/profile").status_code == 200


@pytest.mark.parametrize("data,message", [
    ({"provider": "partner", "subject": ""}, "Please enter the subject."),
    ({"provider": "partner", "subject": "taken-sub"}, "This identity is linked to an account already."),
    ({"provider": "nowhere", "subject": "x"}, "Not a valid choice"),
])
def test_link_form_refuses_at_the_field(admin_client, oidc_provider, data, message):
    other = make_user()
    link_identity(other, oidc_provider.issuer, "taken-sub")
    user = make_user()
    db.session.commit()
    response = post_form(admin_client, f"/manage/accounts/{user.id}/identities", data,
                         form_url=f"/manage/accounts/{user.id}")
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalars(select(LinkedIdentity).where(LinkedIdentity.user_id == user.id)).all() == []


def test_removing_a_link_ends_its_sessions(admin_client, client_factory, oidc_provider):
    user = make_user()
    identity = link_identity(user, oidc_provider.issuer, "gone-sub")
    db.session.commit()
    browser = client_factory()
    sign_in(browser, oidc_provider, "gone-sub")
    assert browser.get("/manage/profile").status_code == 200
    response = post_form(admin_client, f"/manage/accounts/identities/{identity.id}/delete", {},
                         form_url=f"/manage/accounts/{user.id}")
    assert response.status_code == 303
    assert db.session.scalars(select(LinkedIdentity)).all() == []
    assert browser.get("/manage/profile").status_code == 302
    assert sign_in(browser, oidc_provider, "gone-sub").status_code == 403


def test_domains_page_adds_and_removes(admin_client, oidc_provider):
    response = post_form(admin_client, "/manage/accounts/sign-in-domains",
                         {"provider": "partner", "domain": "@Partner.Example"})
    assert response.status_code == 303
    entry = db.session.scalar(select(SignInDomain))
    assert (entry.issuer, entry.domain) == (oidc_provider.issuer, "partner.example")
    html = text_of(admin_client.get("/manage/accounts/sign-in-domains"))
    assert "partner.example" in html and "Partner ID" in html
    response = post_form(admin_client, f"/manage/accounts/sign-in-domains/{entry.id}/delete", {},
                         form_url="/manage/accounts/sign-in-domains")
    assert response.status_code == 303
    assert db.session.scalars(select(SignInDomain)).all() == []


@pytest.mark.parametrize("domain,message", [
    ("", "Please enter a domain."),
    ("not a domain", "Please enter a domain name such as partner.example."),
    ("partner", "Please enter a domain name such as partner.example."),
    ("partner.example", "This domain is listed for this provider already."),
])
def test_domain_form_refuses_at_the_field(admin_client, oidc_provider, domain, message):
    add_domain(oidc_provider.issuer, "partner.example")
    db.session.commit()
    response = post_form(admin_client, "/manage/accounts/sign-in-domains", {"provider": "partner", "domain": domain})
    assert response.status_code == 422
    assert message in text_of(response)
    assert len(db.session.scalars(select(SignInDomain)).all()) == 1


def test_organisers_who_are_no_administrators_cannot_manage_sign_in(client, oidc_provider):
    user = make_user(email="plain@example.org")
    identity = link_identity(user, oidc_provider.issuer, "plain-sub")
    entry = add_domain(oidc_provider.issuer, "partner.example")
    db.session.commit()
    login(client, "plain@example.org", PASSWORD)
    assert client.get("/manage/accounts/sign-in-domains").status_code == 403
    token_page = "/manage/profile"
    for url, data in ((f"/manage/accounts/{user.id}/identities", {"provider": "partner", "subject": "x"}),
                      (f"/manage/accounts/identities/{identity.id}/delete", {}),
                      ("/manage/accounts/sign-in-domains", {"provider": "partner", "domain": "x.example"}),
                      (f"/manage/accounts/sign-in-domains/{entry.id}/delete", {})):
        assert post_form(client, url, data, form_url=token_page).status_code == 403
    assert len(db.session.scalars(select(LinkedIdentity)).all()) == 1
    assert len(db.session.scalars(select(SignInDomain)).all()) == 1


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/manage/accounts/sign-in-domains")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
