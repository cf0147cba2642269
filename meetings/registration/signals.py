"""What the registration capability asks of others; they connect at app setup."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

invitee_removal = _signals.signal("invitee-removal")
"""Asked when an organiser takes an invitee off the list on the registration pages, with the participant
as sender: the invitations capability takes them off and returns False when they had already left."""
