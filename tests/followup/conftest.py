"""Fixtures for the follow-up tests: the loopback SMTP server the circulated minutes go to."""
from __future__ import annotations

from tests.mail.conftest import manual_app, smtp_server, stop_background  # noqa: F401
