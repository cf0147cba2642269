"""How a participant's state reads, in the reader's language: the one mapping that the
invitees, responses and participants pages, the filters and the export use.

An invitee's state is more than the stored status: someone on the list whose
invitation was never sent is "on the list, not yet invited", not ``invited``; an
invitee the organiser took off the list is "no longer invited".
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus

LISTED = "listed"
REMOVED = "removed"

PARTICIPANT_STATUS_LABELS = {
    LISTED: _l("On the list, not yet invited"),
    ParticipantStatus.INVITED: _l("Invited, no answer yet"),
    ParticipantStatus.ACCEPTED: _l("Accepted"),
    ParticipantStatus.TENTATIVE: _l("Tentative"),
    ParticipantStatus.DECLINED: _l("Declined"),
    ParticipantStatus.DELEGATED: _l("Sent a colleague"),
    ParticipantStatus.PENDING: _l("Not yet confirmed"),
    ParticipantStatus.REGISTERED: _l("Registered"),
    ParticipantStatus.WAITING: _l("Waiting list"),
    ParticipantStatus.CANCELLED: _l("Cancelled"),
    REMOVED: _l("No longer invited"),
}


def participant_state(participant: Participant) -> str:
    """The key of what the participant's row says: a status, or ``listed`` / ``removed`` for invitees."""
    if participant.kind == ParticipantKind.INVITEE:
        if participant.status == ParticipantStatus.INVITED and participant.invited_at is None:
            return LISTED
        if participant.status == ParticipantStatus.CANCELLED:
            return REMOVED
    return participant.status


def participant_status_label(value: Participant | str) -> str:
    """The words for a participant (their state) or for a status key."""
    key = participant_state(value) if isinstance(value, Participant) else value
    label = PARTICIPANT_STATUS_LABELS.get(key)
    return str(label) if label is not None else key


def participant_status_labels() -> dict[str, str]:
    """Every status key with its words, for filters and exports."""
    return {key: str(label) for key, label in PARTICIPANT_STATUS_LABELS.items()}
