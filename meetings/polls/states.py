"""Where a poll stands and what a person answered: the values stored in ``polls.state``
and ``poll_votes.answer`` (CHECK constraints hold the database to them).

Kept apart from the models so the calendar builder and the templates can read them
without importing the models."""
from __future__ import annotations

import enum


class PollState(enum.StrEnum):
    # Open for answers; holds (if any) stand in the calendars as tentative entries.
    OPEN = "open"
    # A slot was chosen: the meeting has that date and its invitations went out.
    CLOSED = "closed"
    # Called off: everyone asked was told, every hold removed.
    CANCELLED = "cancelled"


class PollAnswer(enum.StrEnum):
    YES = "yes"
    IF_NEED_BE = "if_need_be"
    NO = "no"
