"""A held meeting with a venue, agenda, topics, participants from three organisations
and one absentee (all four organisations partners of the cluster): what the follow-up
tests record and draft from."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from meetings.events.models import Meeting
from meetings.network.models import Contact, Organisation
from meetings.participants.models import Participant
from tests import factories


@dataclass
class Held:
    meeting: Meeting
    ihk: Organisation
    saxion: Organisation
    twente: Organisation
    absent_org: Organisation
    katrin: Contact
    bas: Contact
    pieter: Contact
    olaf: Contact
    participants: dict[str, Participant]


def make_held_meeting(**meeting_kw) -> Held:
    ihk = factories.make_organisation(name="IHK Nord Westfalen", country="DE", kind="chamber", is_partner=True)
    saxion = factories.make_organisation(name="Saxion Mechatronics Research Group", country="NL", is_partner=True)
    twente = factories.make_organisation(name="University of Twente", country="NL", is_partner=True)
    absent_org = factories.make_organisation(name="WFG Borken", country="DE", kind="agency", is_partner=True)
    katrin = factories.make_contact(name="Katrin Hoffmann", email="katrin@ihk.example", language="de", organisation=ihk)
    bas = factories.make_contact(name="Bas Smit", email="bas@saxion.example", language="nl", organisation=saxion)
    pieter = factories.make_contact(name="Pieter Jansen", email="pieter@utwente.example", language="en",
                                    organisation=twente)
    olaf = factories.make_contact(name="Olaf Terhorst", email="olaf@wfg.example", language="de",
                                  organisation=absent_org)
    venue = factories.make_venue(name="High Tech Factory", city="Enschede")
    topics = [factories.make_topic(name="AI", slug="ai"), factories.make_topic(name="Remanufacturing",
                                                                                slug="remanufacturing")]
    meeting_kw.setdefault("title", "Core Team kick-off meeting")
    meeting_kw.setdefault("starts_at", datetime(2024, 6, 5, 8, 0, tzinfo=timezone.utc))
    meeting_kw.setdefault("ends_at", datetime(2024, 6, 5, 13, 0, tzinfo=timezone.utc))
    meeting_kw.setdefault("status", "held")
    meeting_kw.setdefault("visibility", "public")
    meeting = factories.make_meeting(venue=venue, topics=topics, **meeting_kw)
    for position, (title, presenter) in enumerate((("Welcome", "Katrin Hoffmann"), ("AI", "Pieter Jansen"),
                                                   ("Remanufacturing", "Bas Smit"))):
        factories.make_agenda_item(meeting, title=title, presenter=presenter, position=position)
    participants = {}
    for contact, attended in ((katrin, True), (bas, True), (pieter, True), (olaf, False)):
        participants[contact.name] = factories.make_participant(
            meeting, contact, status="accepted", attended=attended,
            organisation_name=contact.organisation.name, country=contact.organisation.country)
    return Held(meeting, ihk, saxion, twente, absent_org, katrin, bas, pieter, olaf, participants)
