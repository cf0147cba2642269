"""Where a meeting stands: the values stored in ``meetings.status`` (a CHECK
constraint holds the database to them).

Kept apart from the models so the calendar builder can read them without
importing the models of a capability.
"""
from __future__ import annotations

import enum


class MeetingStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"
