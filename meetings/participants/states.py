"""What kind of participant a row is and where they stand: the values stored in
``participants.kind`` and ``participants.status`` (a CHECK constraint holds the
database to them).

Kept apart from the models so the calendar builder can read them without
importing the models of a capability.
"""
from __future__ import annotations

import enum


class ParticipantKind(enum.StrEnum):
    INVITEE = "invitee"
    REGISTRANT = "registrant"
    WALK_IN = "walk_in"


class ParticipantStatus(enum.StrEnum):
    # An invitee's answers.
    INVITED = "invited"
    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    DELEGATED = "delegated"
    # A registrant: email not yet confirmed, then a seat or a place in the waiting list.
    PENDING = "pending"
    REGISTERED = "registered"
    WAITING = "waiting"
    # Taken off the list by the organiser, or withdrawn by the person.
    CANCELLED = "cancelled"
