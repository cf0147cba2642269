"""A second, independent browser for the account tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def client_factory(app):
    """Make fresh test clients (own cookies) on the same app."""
    return app.test_client


# --- OpenID Connect providers on loopback -------------------------------------------

@pytest.fixture(scope="session")
def _oidc_servers():
    from tests.auth.oidc_provider import STALE_OPTIONS, MockProvider

    partner, stale = MockProvider().start(), MockProvider(**STALE_OPTIONS).start()
    yield partner, stale
    partner.stop()
    stale.stop()


@pytest.fixture
def oidc_provider(_oidc_servers):
    """The "partner" provider, behaving and with nothing recorded at the start of each test."""
    partner, stale = _oidc_servers
    partner.reset()
    stale.reset()
    yield partner
    partner.reset()


@pytest.fixture
def stale_provider(_oidc_servers):
    """The "stale" provider: its id_tokens have expired when they arrive."""
    return _oidc_servers[1]


@pytest.fixture
def oidc_settings(_oidc_servers):
    """OIDC_PROVIDERS for partner, stale, and an offline provider, as create_app reads them."""
    from config import oidc_providers
    from tests.auth.oidc_provider import closed_port, providers_setting

    return {"OIDC_PROVIDERS": oidc_providers(providers_setting(*_oidc_servers, closed_port()))}
