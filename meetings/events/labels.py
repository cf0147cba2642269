"""How a meeting's status reads, in the reader's language: the one mapping that
forms, badges and pages use (through the ``status_label`` template filter)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from meetings.events.states import MeetingStatus

MEETING_STATUS_LABELS = {MeetingStatus.DRAFT: _l("Draft"), MeetingStatus.SCHEDULED: _l("Scheduled"),
                         MeetingStatus.CANCELLED: _l("Cancelled"), MeetingStatus.HELD: _l("Held")}


def meeting_status_label(status: str) -> str:
    """The words for a meeting status (``scheduled`` -> "Geplant" in German)."""
    label = MEETING_STATUS_LABELS.get(status)
    return str(label) if label is not None else status
