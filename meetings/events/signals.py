"""What the events capability announces; higher capabilities connect at app setup."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

meeting_deleting = _signals.signal("meeting-deleting")
"""Sent with a draft meeting just before it is deleted, so the rows hanging on it go in the same
transaction."""

capacity_check = _signals.signal("capacity-check")
"""Asked before an organiser's new ``capacity`` is saved, with the meeting as sender: a receiver returns
the number of seats taken when that is more than the capacity, else None."""

meeting_changed = _signals.signal("meeting-changed")
"""Sent after an organiser saved a meeting's details, with the meeting as sender: receivers act on the
change and return something true when they changed more, which the caller then commits."""
