"""What the venues capability announces; higher capabilities connect at app setup."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

venue_in_use = _signals.signal("venue-in-use")
"""Asked before a venue is deleted, with the venue as sender: each receiver returns how many of its
records are held there."""
