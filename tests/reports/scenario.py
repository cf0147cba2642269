"""A half year of the cluster: meetings on both sides of the border under three topics, people
without an organisation or a country, an organisation without a country, organisations met
before the period and some reached for the first time, and meetings that do not count (a
draft, a cancelled one, one after the period). Built through the factories and the
follow-up services; the expected figures are worked out in the tests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from meetings.events.models import Meeting, Topic
from meetings.extensions import db
from meetings.followup.services import add_walk_in, record_attendance
from tests import factories

START, END = date(2025, 1, 1), date(2025, 6, 30)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@dataclass
class Cluster:
    ai: Topic
    cyber: Topic
    reman: Topic
    data: Topic
    new_year: Meeting
    kick_off: Meeting
    cyber_day: Meeting
    lab_visit: Meeting


def meeting(title: str, starts_at: datetime, **kw) -> Meeting:
    kw.setdefault("visibility", "invitation")
    kw.setdefault("status", "held")
    return factories.make_meeting(title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=3), **kw)


def make_cluster() -> Cluster:
    ai = factories.make_topic(name="AI", slug="ai")
    cyber = factories.make_topic(name="Cyber Security", slug="cyber-security")
    reman = factories.make_topic(name="Remanufacturing", slug="remanufacturing")
    data = factories.make_topic(name="Data-driven Decision-making", slug="data")
    ihk = factories.make_organisation(name="IHK Nord Westfalen", country="DE", kind="chamber")
    oost = factories.make_organisation(name="Oost NL", country="NL", kind="agency")
    twente = factories.make_organisation(name="University of Twente", country="NL", kind="university")
    # Entered without a country (an import, or a record from before countries were asked).
    fraunhofer = factories.make_organisation(name="Fraunhofer Innovation Platform", country="", kind="institute")
    saxion = factories.make_organisation(name="Saxion", country="NL", kind="applied_university")
    katrin = factories.make_contact(name="Katrin Hoffmann", email="katrin@ihk.example", organisation=ihk)
    bas = factories.make_contact(name="Bas Smit", email="bas@oost.example", organisation=oost)
    pieter = factories.make_contact(name="Pieter Jansen", email="pieter@utwente.example", organisation=twente)
    anke = factories.make_contact(name="Anke Wolf", email="anke@fraunhofer.example", organisation=fraunhofer)
    olaf = factories.make_contact(name="Olaf Terhorst", email="olaf@saxion.example", organisation=saxion)

    # Before the period: IHK and the University of Twente were there already.
    earlier = meeting("Core Team autumn meeting", utc(2024, 11, 5, 9), topics=[ai])
    for contact in (katrin, pieter):
        factories.make_participant(earlier, contact, status="accepted", attended=True)
    factories.make_participant(earlier, bas, status="declined")

    # 00:30 on 1 January in Amsterdam: inside the period, though still 2024 in UTC.
    new_year = meeting("New Year reception", utc(2024, 12, 31, 23, 30), topics=[reman])
    factories.make_participant(new_year, bas, status="accepted", attended=True)

    kick_off = meeting("Core Team kick-off", utc(2025, 2, 10, 9), topics=[ai])
    present = [factories.make_participant(kick_off, contact, status="accepted").id for contact in (katrin, bas, pieter)]
    factories.make_participant(kick_off, olaf, status="accepted")
    record_attendance(kick_off, present)
    # Came unannounced: no organisation, no email, no country.
    add_walk_in(kick_off, {"name": "Lena", "email": None, "organisation_id": None, "organisation_name": None,
                           "country": None, "language": "de"})

    cyber_day = meeting("Cyber Security Day", utc(2025, 3, 15, 9), topics=[cyber], visibility="public")
    factories.make_participant(cyber_day, katrin, status="accepted", attended=True)
    for name, email, organisation, country, attended in (
            ("Eva Weber", "eva@robo.example", "Robo GmbH", "DE", True),
            ("Max Mustermann", "max@example.org", None, "DE", False),
            ("Nina de Boer", "nina@example.org", None, "NL", True)):
        factories.make_participant(cyber_day, email=email, name=name, kind="registrant", status="registered",
                                   organisation_name=organisation, country=country, attended=attended)
    factories.make_participant(cyber_day, email="paul@example.org", name="Paul Pending", kind="registrant",
                               status="pending")
    # A name typed at the door for an organisation of the network, in other case and spacing.
    add_walk_in(cyber_day, {"name": "Jan Visser", "email": "jan@utwente.example", "organisation_id": None,
                            "organisation_name": "university  of twente", "country": "NL", "language": "nl"})

    # Still marked scheduled: it counts as held in the period all the same.
    lab_visit = meeting("Lab visit", utc(2025, 5, 20, 12), topics=[ai], status="scheduled")
    for contact in (katrin, anke):
        factories.make_participant(lab_visit, contact, status="accepted", attended=True)

    # Do not count: cancelled, draft, after the period (00:30 on 1 July in Amsterdam).
    for title, starts_at, status in (("Cancelled workshop", utc(2025, 6, 1, 9), "cancelled"),
                                     ("Draft meeting", utc(2025, 4, 1, 9), "draft"),
                                     ("Summer meeting", utc(2025, 6, 30, 22, 30), "held")):
        late = meeting(title, starts_at, topics=[ai], status=status)
        factories.make_participant(late, katrin, status="accepted", attended=True)
        factories.make_participant(late, email=f"{status}@newcomer.example", name="New Comer",
                                   organisation_name="Newcomer BV", country="BE", attended=True)
    db.session.commit()
    return Cluster(ai, cyber, reman, data, new_year, kick_off, cyber_day, lab_visit)
