"""Fixtures for registration: a public event with registration open and a few seats."""
from __future__ import annotations

import pytest

from tests.factories import make_meeting


@pytest.fixture
def event(app):
    """A public Robotics Day with 2 seats, a waiting list, and registration open now."""
    return make_meeting(title="Robotics Day", slug="robotics-day", capacity=2, agenda=2)
