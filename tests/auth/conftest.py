"""A second, independent browser for the account tests."""
from __future__ import annotations

import pytest

# The OpenID Connect providers on loopback (the browser tests use them too).
from tests.auth.oidc_provider import _oidc_servers, oidc_provider, oidc_settings, stale_provider  # noqa: F401


@pytest.fixture
def client_factory(app):
    """Make fresh test clients (own cookies) on the same app."""
    return app.test_client

