"""Searches take ``%``, ``_`` and ``\\`` literally (SQLAlchemy's ``autoescape=True``), on both databases."""
from __future__ import annotations

import pytest

from meetings.extensions import db
from meetings.network.services import contacts_query
from meetings.participants.services import search_contacts
from meetings.registration.services import ParticipantFilter, list_participants
from tests.factories import make_contact, make_meeting, make_organisation, make_participant

NAMES = ["100% Research", "1000 Research", "A_B Lab", "AxB Lab", "Back\\slash Lab", "Backslash Lab"]


@pytest.fixture
def people(app):
    contacts = {}
    for name in NAMES:
        organisation = make_organisation(name=name)
        contacts[name] = make_contact(name=f"Contact of {name}", organisation_id=organisation.id)
    db.session.commit()
    return contacts


@pytest.mark.parametrize("text,expected", [
    ("0% r", ["100% Research"]), ("%", ["100% Research"]), ("a_b", ["A_B Lab"]), ("_", ["A_B Lab"]),
    ("k\\s", ["Back\\slash Lab"]), ("research", ["100% Research", "1000 Research"]),
])
def test_searches_match_wildcards_literally(people, text, expected):
    want = sorted(f"Contact of {name}" for name in expected)
    assert sorted(c.name for c in db.session.scalars(contacts_query(search=text))) == want
    assert sorted(c.name for c in search_contacts(text)) == want


@pytest.mark.parametrize("text,expected", [("0%", ["100% Research"]), ("a_b", ["A_B Lab"]),
                                           ("k\\s", ["Back\\slash Lab"])])
def test_participant_filter_matches_wildcards_literally(people, text, expected):
    meeting = make_meeting()
    for contact in people.values():
        make_participant(meeting, contact)
    db.session.commit()
    found = list_participants(meeting, ParticipantFilter(organisation=text))
    assert sorted(p.organisation.name for p in found) == expected
