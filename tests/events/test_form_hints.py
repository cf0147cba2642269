"""What a first-time organiser is told on the meeting form: the agenda comes after saving."""
from __future__ import annotations

from tests.factories import make_meeting
from tests.helpers import text_of

HINT = "The agenda is added after saving: the meeting's page, which opens next, has the form for its items."


def test_the_new_meeting_form_says_the_agenda_is_added_after_saving(organiser_client):
    html = text_of(organiser_client.get("/manage/meetings/new"))
    assert HINT.replace("'", "&#39;") in html or HINT in html
    # The edit form of a saved meeting links to its agenda instead of announcing it.
    meeting = make_meeting()
    assert "The agenda is added after saving" not in text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/edit"))
