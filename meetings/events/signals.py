"""What the events capability announces; higher capabilities connect at app setup."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

meeting_deleting = _signals.signal("meeting-deleting")
"""Sent with a draft meeting just before it is deleted, so the rows hanging on it go in the same
transaction."""
