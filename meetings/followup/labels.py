"""How the minutes' state reads, in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from meetings.followup.states import MinutesState

MINUTES_STATE_LABELS = {MinutesState.DRAFT: _l("Draft, not yet circulated"),
                        MinutesState.CIRCULATED: _l("Circulated for comments"),
                        MinutesState.APPROVED: _l("Approved")}


def minutes_state_label(state: str) -> str:
    """The words for a state of the minutes."""
    label = MINUTES_STATE_LABELS.get(state)
    return str(label) if label is not None else state
