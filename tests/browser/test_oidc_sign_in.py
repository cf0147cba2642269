"""Signing in at a partner's OpenID Connect provider in Chromium: the button on the login
page (axe-clean), the provider's page, back into the app, and out again."""
from __future__ import annotations

import pytest

from meetings.auth.identities import link_identity
from meetings.extensions import db
from tests import factories
from tests.auth.oidc_provider import _oidc_servers, oidc_provider, oidc_settings  # noqa: F401
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


@pytest.fixture
def app_settings(oidc_settings):  # noqa: F811
    return oidc_settings


def test_sign_in_at_the_provider_and_log_out(app, live_server, page, axe_script, oidc_provider):  # noqa: F811
    # The provider sends the browser back to the address the app is served at.
    app.config["BASE_URL"] = live_server
    user = factories.make_user(email="olga@partner.example", name="Olga Organiser")
    link_identity(user, oidc_provider.issuer, "olga-in-chromium")
    db.session.commit()
    oidc_provider.set_user("olga-in-chromium", email="olga@partner.example", email_verified=True)

    page.goto(f"{live_server}/login")
    assert_accessible(page, axe_script, "the login page with provider buttons")
    page.get_by_role("link", name="Sign in with Partner ID").click()
    page.wait_for_url(f"{oidc_provider.issuer}/oauth2/authorize?*")
    page.get_by_placeholder("sub").fill("olga-in-chromium")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{live_server}/manage/meetings/")
    assert page.get_by_role("button", name="Log out").is_visible()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/manage/profile")
    assert page.url.startswith(f"{live_server}/login")
