"""A second, independent browser for the account tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def client_factory(app):
    """Make fresh test clients (own cookies) on the same app."""
    return app.test_client
