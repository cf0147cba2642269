"""Where an attendee's proposal of another time stands: the values stored in
``time_proposals.state`` (a CHECK constraint holds the database to them), and the
reasons a proposal is kept without being offered (``time_proposals.reason``)."""
from __future__ import annotations

import enum


class ProposalState(enum.StrEnum):
    # Waiting for the organiser to accept or decline it.
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    # Kept for the record, never offered: ``reason`` says why.
    RECORDED = "recorded"


class ProposalReason(enum.StrEnum):
    # Proposed for a version of the meeting older than the one sent since (a lower SEQUENCE).
    STALE = "stale"
    # The meeting is cancelled.
    CANCELLED = "meeting_cancelled"
    # The meeting has started or is over.
    PAST = "meeting_past"
    # The same person proposed again; the newer proposal is the one offered.
    SUPERSEDED = "superseded"
    # The organiser accepted another proposal, which moved the meeting.
    MOVED = "meeting_moved"
