"""Fixtures for the calendar tests. Other test folders that check iCalendar can use the
same ones: ``from tests.calendar.conftest import validated, libical_available  # noqa: F401``."""
from __future__ import annotations

import pytest

from tests.calendar.checks import libical_available, validate_all  # noqa: F401


@pytest.fixture
def validated(node, libical_available):
    """``validated(data) -> dict``: every parser and byte check on ``data``; ical.js's view back."""
    return validate_all
