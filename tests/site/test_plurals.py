"""Messages with a count say "1 invitation" and "3 invitations", in every language; sentences
with a link inside are translated whole."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from meetings.extensions import db
from tests.factories import make_contact, make_group, make_meeting, make_participant
from tests.helpers import post_form, text_of

ROOT = Path(__file__).resolve().parents[2]
# Messages with a number that are not plurals, each checked: the number follows a label
# ("Invitees (3)", "New contacts: 3"), is a place or a line ("number 2", "line 7"), or the
# words around it do not change with it ("3 of 5 present"). Any other count needs ngettext.
SINGULAR_ONLY = {
    # A poll's numbered options and its counts per answer (labels beside a number, not nouns).
    "%(yes)d yes, %(maybe)d if need be, %(no)d no",
    "Option %(num)d",
    "The same date and time as option %(num)d.",
    "Enter between %(low)d and %(high)d dates.",
    "%(name)s is now number %(position)d on the waiting list.",
    "%(name)s is on the waiting list, number %(position)d.",
    "%(count)d of %(total)d (%(share)s)",
    "%(present)d of %(total)d present.",
    "%(taken)d (no limit)",
    "%(taken)d of %(capacity)d",
    "Attendance saved: %(count)d present.",
    "Existing contacts to update: %(count)d",
    "Import finished. New contacts: %(created)d; updated: %(updated)d; lines skipped because of errors: "
    "%(skipped)d.",
    "Invitees (%(count)d)",
    "Added to the list: %(added)d. Already on the list: %(already)d.",
    "Line %(line)d cannot be read as CSV. Check the quotes on that line, or save the file again as “CSV UTF-8”.",
    "Lines with errors, which will be skipped: %(count)d",
    "Meetings with people present from both the Netherlands and Germany: %(count)d of %(total)d.",
    "New contacts: %(count)d",
    "Organisations without a country: %(count)d.",
    "Page %(page)d of %(pages)d",
    "People without an organisation: %(none)d. People without a country: %(unknown)d.",
    "The email address is already on line %(line)d.",
    "The meeting is full. You are on the waiting list, number %(position)d. If a place becomes free, you move "
    "up and we tell you at once.",
    "Waiting list, number %(position)d: %(title)s",
    "You are on the waiting list, number %(position)d.",
    "Your address is confirmed. The meeting is full: you are on the waiting list, number %(position)d.",
    "no. %(position)d",
    # A version's number, a label.
    "Approved version %(number)d",
    "Here are the minutes of %(meeting)s (version %(number)d) for your comments. They will be approved at a later "
    "meeting.",
    "The minutes changed since version %(number)d was approved: the changes need a new approval.",
    "Version %(number)d",
    "Version %(number)d:",
    "Version %(number)d of the minutes is approved.",
    "on version %(number)d",
}


def test_every_counted_message_has_plural_forms_or_needs_none():
    with open(ROOT / "meetings" / "translations" / "messages.pot", "rb") as handle:
        counted = {m.id for m in read_po(handle)
                   if m.id and isinstance(m.id, str) and re.search(r"%\([a-z_]+\)d", m.id)}
    assert counted - SINGULAR_ONLY == set()


def flash_after_sending(client, meeting) -> str:
    response = post_form(client, f"/manage/meetings/{meeting.id}/invitations/send",
                         form_url=f"/manage/meetings/{meeting.id}/responses")
    assert response.status_code == 303
    return text_of(client.get(response.headers["Location"]))


@pytest.mark.parametrize("language,one,three", [
    ("en", "1 invitation queued.", "3 invitations queued."),
    ("de", "1 Einladung steht zum Versand bereit.", "3 Einladungen stehen zum Versand bereit."),
    ("nl", "1 uitnodiging staat klaar voor verzending.", "3 uitnodigingen staan klaar voor verzending."),
])
def test_sending_invitations_counts_in_the_organisers_language(organiser_client, organiser, language, one, three):
    organiser.language = language
    db.session.commit()
    single = make_meeting(visibility="invitation")
    make_participant(single, make_contact())
    assert one in flash_after_sending(organiser_client, single)
    several = make_meeting(visibility="invitation")
    for _ in range(3):
        make_participant(several, make_contact())
    assert three in flash_after_sending(organiser_client, several)


def test_group_sizes_on_the_invitees_page(organiser_client):
    make_group(name="Core Team", members=[make_contact()])
    make_group(name="Board", members=[make_contact(), make_contact()])
    meeting = make_meeting()
    html = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/invitees"))
    assert "Core Team (1 person)" in html and "Board (2 people)" in html


@pytest.mark.parametrize("language,sentence", [
    ("en", 'Read the <a href="/privacy">privacy statement</a>.'),
    ("de", 'Lesen Sie die <a href="/privacy">Datenschutzerklärung</a>.'),
    ("nl", 'Lees de <a href="/privacy">privacyverklaring</a>.'),
])
def test_a_sentence_with_a_link_is_translated_whole(client, language, sentence):
    make_meeting(slug="robotics-day", capacity=10)
    html = text_of(client.get("/events/robotics-day", headers={"Accept-Language": language}))
    assert sentence in html
