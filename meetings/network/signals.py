"""What the network capability announces; higher capabilities connect at app setup."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

organisation_deleting = _signals.signal("organisation-deleting")
"""Sent with the organisation just before it is deleted, so records pointing at it let go."""

contact_deleting = _signals.signal("contact-deleting")
"""Sent with the contact just before it is deleted, so records pointing at it let go."""
