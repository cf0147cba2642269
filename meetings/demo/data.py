"""The demo cluster: its partners, contacts, Core Team, venues, topics and meetings.

``load_demo`` builds everything through the models and services the app itself
uses, with local times turned into UTC by ``to_utc`` like the meeting form does.
The kick-off's minutes are recorded through the follow-up services, and its
post is drafted from them as an organiser's "Draft follow-up post" would.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from meetings.auth.models import User
from meetings.auth.services import create_user, find_user
from meetings.core.timezones import to_utc
from meetings.core.types import utcnow
from meetings.events.models import Meeting, MeetingStatus, Topic
from meetings.events.services import add_agenda_item, save_meeting
from meetings.extensions import db
from meetings.network.models import Contact, Organisation
from meetings.network.services import save_contact, save_group, save_organisation
from meetings.invitations.services import answer, record_proposal, send_invitations
from meetings.mail.outbox import message_ids, prepare, record_sent
from meetings.participants.models import ParticipantStatus
from meetings.participants.services import invite_contacts
from meetings.venues.models import Venue
from meetings.venues.services import save_venue

DEMO_EMAIL = "demo@example.org"
DEMO_PASSWORD = "robotics-cluster-demo"
DEMO_NAME = "Demo Organiser"

CORE_TEAM = "Core Team"

TOPICS = [
    ("AI", "ai"),
    ("Cyber Security", "cyber-security"),
    ("Automation & Digitalisation", "automation-digitalisation"),
    ("Remanufacturing", "remanufacturing"),
    ("Data-driven Decision-making", "data-driven-decision-making"),
]

# name, short name, country, kind, website, description, contacts.
# Contacts: name, email, language, job title, member of the Core Team. The addresses use
# the reserved .example top-level domain (RFC 2606): example.de and example.nl are real
# domains, and a demo connected to a mail server must never write to them.
ORGANISATIONS = [
    ("IHK Nord Westfalen", "IHK", "DE", "chamber", "https://www.ihk.de/nordwestfalen",
     "Chamber of commerce and industry for the Münsterland and the Emscher-Lippe region.",
     [("Katrin Hoffmann", "katrin.hoffmann@ihk-nordwestfalen.example", "de", "Innovation and technology adviser", True),
      ("Markus Brinkmann", "markus.brinkmann@ihk-nordwestfalen.example", "de", "International business", False)]),
    ("Oost NL", None, "NL", "agency", "https://oostnl.nl",
     "Economic development agency for the provinces of Gelderland and Overijssel.",
     [("Sanne de Vries", "sanne.devries@oostnl.example", "nl", "Cluster manager high tech systems", True),
      ("Joris Bakker", "joris.bakker@oostnl.example", "en", "Cross-border business developer", True),
      ("Marloes Kuipers", "marloes.kuipers@oostnl.example", "nl", "Innovation adviser", False)]),
    ("WFG Borken", "WFG", "DE", "agency", "https://www.wfg-borken.de",
     "Wirtschaftsförderungsgesellschaft für den Kreis Borken: business development for the district of Borken.",
     [("Stefan Terhorst", "stefan.terhorst@wfg-borken.example", "de", "Technology transfer", True),
      ("Anna Wessels", "anna.wessels@wfg-borken.example", "en", "Start-ups and innovation", False)]),
    ("University of Twente", "UT", "NL", "university", "https://www.utwente.nl",
     "Technical university in Enschede, home of the High Tech Factory.",
     [("Pieter Jansen", "pieter.jansen@utwente.example", "nl", "Professor of robotics", True),
      ("Eva Mulder", "eva.mulder@utwente.example", "en", "Industry liaison", False),
      ("Lukas Meyer", "lukas.meyer@utwente.example", "de", "Researcher, production technology", False)]),
    ("Fraunhofer Innovation Platform at the University of Twente", "Fraunhofer IP@UT", "NL", "institute",
     "https://www.fraunhofer.nl",
     "Applied research in advanced manufacturing, working with companies on both sides of the border.",
     [("Daniel Krüger", "daniel.krueger@fraunhofer-ut.example", "de", "Head of the innovation platform", True),
      ("Femke Visser", "femke.visser@fraunhofer-ut.example", "nl", "Project manager", False)]),
    ("Mechatronic Institute Bocholt of the Westfälische Hochschule", "MIB", "DE", "applied_university",
     "https://www.w-hs.de",
     "Mechatronics research and teaching at the Bocholt campus of the Westfälische Hochschule.",
     [("Jan Büscher", "jan.buescher@w-hs.example", "de", "Professor of mechatronics", True),
      ("Laura Schmitz", "laura.schmitz@w-hs.example", "de", "Research associate", True),
      ("Tim Hüsing", "tim.huesing@w-hs.example", "en", "Laboratory engineer", False)]),
    ("FH Münster Department of Mechanical Engineering", "FH Münster", "DE", "applied_university",
     "https://www.fh-muenster.de",
     "Mechanical engineering at the Steinfurt campus of FH Münster University of Applied Sciences.",
     [("Christina Vogel", "christina.vogel@fh-muenster.example", "de", "Professor of manufacturing systems", True),
      ("Felix Wagner", "felix.wagner@fh-muenster.example", "en", "Research associate", False)]),
    ("Saxion Mechatronics Research Group", "Saxion", "NL", "applied_university", "https://www.saxion.nl",
     "Practice-oriented research in mechatronics and robotics at Saxion University of Applied Sciences.",
     [("Bas Smit", "bas.smit@saxion.example", "nl", "Professor of mechatronics", True),
      ("Lotte Hendriks", "lotte.hendriks@saxion.example", "nl", "Researcher", False),
      ("Ruben Kok", "ruben.kok@saxion.example", "en", "Lecturer", False)]),
]

HIGH_TECH_FACTORY = {
    "name": "High Tech Factory",
    "room": "Conference room, ground floor",
    "address": "Hengelosestraat 500",
    "postal_code": "7521 AN",
    "city": "Enschede",
    "country": "NL",
    "map_url": "https://www.openstreetmap.org/search?query=High%20Tech%20Factory%20Enschede",
    "directions": "On the campus of the University of Twente. By train to Enschede Kennispark, "
                  "then about ten minutes on foot; visitor parking next to the building.",
    "accessibility": "Step-free entrance at street level, lift to all floors, accessible toilet on the "
                     "ground floor. Please tell us in advance if you need assistance.",
    "timezone": "Europe/Amsterdam",
}

CAMPUS_BOCHOLT = {
    "name": "Westfälische Hochschule, Campus Bocholt",
    "room": "Mechatronic Institute Bocholt, seminar room",
    "address": "Münsterstraße 265",
    "postal_code": "46397",
    "city": "Bocholt",
    "country": "DE",
    "map_url": "https://www.openstreetmap.org/search?query=Westf%C3%A4lische%20Hochschule%20Bocholt",
    "directions": "Bus from Bocholt station to the campus; free parking on site.",
    "accessibility": "Step-free access to the ground floor; lift in the main building.",
    "timezone": "Europe/Berlin",
}

SAXION_ENSCHEDE = {
    "name": "Saxion, Campus Enschede",
    "room": "Mechatronics lab and lecture hall",
    "address": "M.H. Tromplaan 28",
    "postal_code": "7513 AB",
    "city": "Enschede",
    "country": "NL",
    "map_url": "https://www.openstreetmap.org/search?query=Saxion%20Enschede",
    "directions": "Five minutes on foot from Enschede railway station.",
    "accessibility": "Step-free entrance, lifts to all floors, induction loop in the lecture hall.",
    "timezone": "Europe/Amsterdam",
}

KICK_OFF_SLUG = "core-team-kick-off-2024"

KICK_OFF_DESCRIPTION = """\
The first meeting of the cluster's Core Team: the partners from both sides of the
border introduce their work and agree on the five topics the cluster starts with.

Each topic is opened by a short introduction from a partner, followed by a discussion
of what companies in the region need and which partners take the lead.
"""

# (start time, minutes, title, presenter, notes); None for a topic item takes its name.
KICK_OFF_AGENDA = [
    (time(10, 0), 30, "Welcome and introductions", "Katrin Hoffmann",
     "Round of introductions; aims of the Advanced Manufacturing & Robotics cluster."),
    (time(10, 30), 60, "AI", "Pieter Jansen", "AI for robotics and production: what is ready for SMEs."),
    (time(11, 30), 45, "Cyber Security", "Stefan Terhorst",
     "Securing connected machines; support programmes on both sides of the border."),
    (time(13, 0), 45, "Automation & Digitalisation", "Jan Büscher",
     "After lunch. Automation for small series; digital twins in the lab."),
    (time(13, 45), 30, "Remanufacturing", "Bas Smit", "Giving machines and parts a second life."),
    (time(14, 15), 30, "Data-driven Decision-making", "Daniel Krüger",
     "Using production data for decisions; shared data spaces."),
    (time(14, 45), 15, "Next steps", "Sanne de Vries", "Topic leads, next meeting, first public event."),
]

KICK_OFF_ABSENT = "Laura Schmitz"

NEXT_MEETING_AGENDA = [
    (time(10, 0), 20, "Welcome", "Jan Büscher", "Welcome to the Bocholt campus and a tour of the labs."),
    (time(10, 20), 90, "Reports from the topic leads", None,
     "AI, Cyber Security, Automation & Digitalisation, Remanufacturing, Data-driven Decision-making."),
    (time(12, 30), 60, "Joint project proposals", "Sanne de Vries", "Cross-border funding calls and partners."),
    (time(13, 30), 60, "Events in the second half of the year", "Katrin Hoffmann", None),
    (time(14, 30), 30, "Next steps", "Katrin Hoffmann", None),
]

ROBOTICS_DAY_AGENDA = [
    (time(13, 0), 15, "Welcome", "Bas Smit", None),
    (time(13, 15), 45, "Robots for small series: examples from the region", "Jan Büscher", None),
    (time(14, 0), 45, "AI on the shop floor", "Pieter Jansen", None),
    (time(14, 45), 30, "Break and lab tour", None, "Demonstrations in the mechatronics lab."),
    (time(15, 15), 45, "Funding and support for cross-border projects", "Joris Bakker", None),
    (time(16, 0), 90, "Networking drinks", None, None),
]


# The public event is announced on both sides of the border: its texts in German and Dutch too.
ROBOTICS_DAY_TRANSLATIONS = {
    "de": {"title": "Robotik-Tag", "description": """\
Ein Nachmittag für Unternehmen aus der deutsch-niederländischen Grenzregion: Roboter im
Mechatronik-Labor der Saxion im Einsatz erleben, hören, wie Partner des Clusters KI und
Automatisierung nutzen, und die Menschen kennenlernen, die bei Ihrem nächsten Projekt helfen.

Die Vorträge sind auf Englisch. Der Eintritt ist frei; bitte melden Sie sich an.
"""},
    "nl": {"title": "Roboticadag", "description": """\
Een middag voor bedrijven uit de Nederlands-Duitse grensregio: zie robots aan het werk in
het mechatronicalab van Saxion, hoor hoe partners van het cluster AI en automatisering
inzetten, en ontmoet de mensen die u verder kunnen helpen met uw volgende project.

De presentaties zijn in het Engels. De toegang is gratis; meld u wel aan.
"""},
}

ROBOTICS_DAY_ITEM_TITLES = {
    "Welcome": {"de": "Begrüßung", "nl": "Welkom"},
    "Robots for small series: examples from the region": {
        "de": "Roboter für kleine Serien: Beispiele aus der Region",
        "nl": "Robots voor kleine series: voorbeelden uit de regio"},
    "AI on the shop floor": {"de": "KI in der Fertigung", "nl": "AI op de werkvloer"},
    "Break and lab tour": {"de": "Pause und Laborführung", "nl": "Pauze en rondleiding door het lab"},
    "Funding and support for cross-border projects": {
        "de": "Förderung und Unterstützung für grenzüberschreitende Projekte",
        "nl": "Subsidies en ondersteuning voor grensoverschrijdende projecten"},
    "Networking drinks": {"de": "Get-together", "nl": "Netwerkborrel"},
}

ROBOTICS_DAY_DESCRIPTION = """\
An afternoon for companies from the Dutch-German border region: see robots at work in
the Saxion mechatronics lab, hear how partners of the cluster use AI and automation,
and meet the people who can help with your next project.

The talks are in English. Admission is free; please register.
"""


# Minutes of the kick-off: notes per agenda item (by title), decisions, action items
# (what, owner, due date, done), and the next meeting's intent.
KICK_OFF_NOTES = {
    "AI": "Partners see most demand from SMEs for **vision-based quality inspection**. "
          "The University of Twente offers lab days in the High Tech Factory.",
    "Cyber Security": "Both regions run support programmes; companies rarely know the other side's. "
                      "A shared overview would help.",
    "Remanufacturing": "Saxion proposes a pilot with two companies from the Achterhoek and the Münsterland.",
    "Next steps": "Topic leads agreed; the next Core Team meeting is planned before the summer holidays.",
}
KICK_OFF_DECISIONS = """\
Each of the five topics gets a lead partner who reports at every Core Team meeting.
The cluster holds a public Robotics Day for companies from both sides of the border.
The Core Team meets about twice a year, alternating between Dutch and German venues."""
# Decisions on one agenda item (by title).
KICK_OFF_ITEM_DECISIONS = {"AI": "The University of Twente hosts the first lab day on vision-based inspection."}
# The minutes went round a week after the meeting and were approved, with one correction, a week later.
KICK_OFF_CIRCULATED = datetime(2024, 6, 12, 8, 0, tzinfo=timezone.utc)
KICK_OFF_APPROVED = date(2024, 6, 19)
KICK_OFF_CORRECTIONS = "The Remanufacturing pilot includes companies from the Münsterland as well."
KICK_OFF_ACTIONS = [
    ("Overview of cross-border support programmes for cyber security", "Stefan Terhorst", date(2024, 9, 30), False),
    ("Programme and venue for the first Robotics Day", "Bas Smit", date(2024, 10, 31), False),
    ("Circulate the list of topic leads", "Sanne de Vries", date(2024, 6, 14), True),
]
KICK_OFF_NEXT = "before the summer holidays"
# What the member who proposed a later start for the next Core Team meeting wrote.
CALENDAR_ANSWER_COMMENT = "Ik kom met de trein uit Enschede."
PROPOSAL_COMMENT = "Vormittags habe ich eine Vorlesung; ab 13 Uhr könnte ich dabei sein."
KICK_OFF_POST_PUBLISHED = datetime(2024, 6, 12, 8, 0, tzinfo=timezone.utc)


@dataclass
class DemoSummary:
    """What ``load_demo`` created, for the command's report."""

    organisations: int
    contacts: int
    core_team: int
    meetings: list[Meeting]
    organiser: User


def is_empty() -> bool:
    """True when the database holds no organisation and no meeting."""
    organisations = db.session.scalar(select(func.count()).select_from(Organisation)) or 0
    meetings = db.session.scalar(select(func.count()).select_from(Meeting)) or 0
    return organisations == 0 and meetings == 0


def next_core_team_date(today: date) -> date:
    """A Thursday in the last week of June, before the summer holidays, at least three weeks ahead."""
    for year in (today.year, today.year + 1):
        day = date(year, 6, 22)
        day += timedelta(days=(3 - day.weekday()) % 7)
        if day >= today + timedelta(days=21):
            return day
    raise AssertionError("unreachable: next year's June is always ahead")


def robotics_day_date(today: date) -> date:
    """The first Thursday at least three weeks ahead, outside the Christmas holidays."""
    day = _thursday_from(today + timedelta(days=21))
    if (day.month, day.day) >= (12, 20):
        day = _thursday_from(date(day.year + 1, 1, 7))
    elif (day.month, day.day) < (1, 7):
        day = _thursday_from(date(day.year, 1, 7))
    return day


def _thursday_from(day: date) -> date:
    return day + timedelta(days=(3 - day.weekday()) % 7)


def _local(day: date, at: time, zone: str) -> datetime:
    return to_utc(datetime.combine(day, at), zone)


def _meeting(venue: Venue, day: date, starts: time, ends: time, agenda, topics: list[Topic], *,
             item_titles: dict[str, dict[str, str]] | None = None, **data) -> Meeting:
    """A meeting in English; ``translations`` (meeting texts) and ``item_titles`` (agenda titles
    by their English title) give the German and Dutch texts where there are any."""
    meeting = save_meeting(None, {
        **data, "language": "en", "timezone": venue.timezone, "venue_id": venue.id,
        "starts_at": _local(day, starts, venue.timezone), "ends_at": _local(day, ends, venue.timezone),
        "topic_ids": [topic.id for topic in topics]})
    for start_time, minutes, title, presenter, notes in agenda:
        titles = (item_titles or {}).get(title, {})
        add_agenda_item(meeting, {"title": title, "start_time": start_time, "duration_minutes": minutes,
                                  "presenter": presenter, "notes": notes,
                                  "translations": {language: {"title": text} for language, text in titles.items()}})
    return meeting


def _organiser() -> User:
    existing = find_user(DEMO_EMAIL)
    if existing is not None:
        return existing
    return create_user(DEMO_EMAIL, DEMO_NAME, DEMO_PASSWORD, is_admin=True, language="en")


def record_kick_off(kick_off: Meeting, people: dict[str, Contact]) -> None:
    """Minutes and action items of the kick-off through the follow-up services, circulated
    to those present and approved; and its post drafted from that record, published on
    12 June 2024."""
    from meetings.blog.services import create_followup_post, publish_post
    from meetings.followup.approval import approve, circulate, minutes_changed
    from meetings.followup.services import add_action_item, save_minutes, set_action_done

    notes = {item.id: KICK_OFF_NOTES[item.title] for item in kick_off.agenda_items if item.title in KICK_OFF_NOTES}
    decisions = {None: KICK_OFF_DECISIONS, **{item.id: KICK_OFF_ITEM_DECISIONS[item.title]
                                              for item in kick_off.agenda_items
                                              if item.title in KICK_OFF_ITEM_DECISIONS}}
    save_minutes(kick_off, notes, decisions, None, KICK_OFF_NEXT)
    minutes_changed(kick_off)
    version, _count = circulate(kick_off)
    # Recorded as sent on the day: nothing waits in the outbox for the demo's addresses.
    ids = message_ids(kick_off.id)
    prepare(ids)
    record_sent(ids)
    version.circulated_at = KICK_OFF_CIRCULATED
    approve(kick_off, _organiser(), KICK_OFF_APPROVED, None, KICK_OFF_CORRECTIONS)
    for what, owner, due, done in KICK_OFF_ACTIONS:
        item = add_action_item(kick_off, what, people[owner].id, due)
        if done:
            set_action_done(item, True)
    post = create_followup_post(kick_off, "en")
    publish_post(post)
    post.published_at = KICK_OFF_POST_PUBLISHED
    post.created_at = post.updated_at = KICK_OFF_POST_PUBLISHED
    db.session.flush()


def record_invitations_sent(meeting: Meeting) -> None:
    """Send the meeting's invitations as an organiser would, and record them as sent now.

    They pass through the invitation service (personal links, SEQUENCE, what was sent),
    and the outbox keeps each message, readable, as delivered on the day the demo was
    loaded: nothing waits there to go out to the demo's addresses once a mail server
    is configured.
    """
    send_invitations(meeting)
    ids = message_ids(meeting.id)
    prepare(ids)
    record_sent(ids)


def load_demo(today: date | None = None) -> DemoSummary:
    """Create the demo cluster in the current session and flush; the caller commits.

    ``today`` (default: the current UTC date) places the scheduled meeting and the
    public event in the future.
    """
    today = today or utcnow().date()
    organiser = _organiser()

    # Slugs are fixed rather than made from the names: they are the topics' public feed addresses.
    topics = {name: Topic(name=name, slug=slug) for name, slug in TOPICS}
    db.session.add_all(topics.values())
    db.session.flush()

    contacts: list[Contact] = []
    core_team: list[Contact] = []
    for name, short_name, country, kind, website, description, people in ORGANISATIONS:
        organisation = save_organisation(None, {
            "name": name, "short_name": short_name, "country": country, "kind": kind,
            "website": website, "description": description, "is_public": True,
            "is_partner": True})
        for person, email, language, job_title, core in people:
            contact = save_contact(None, {"name": person, "email": email, "language": language,
                                          "job_title": job_title, "organisation_id": organisation.id})
            contacts.append(contact)
            if core:
                core_team.append(contact)
    save_group(None, {"name": CORE_TEAM, "member_ids": [c.id for c in core_team],
                      "description": "One or two people per partner who steer the cluster and meet "
                                     "about twice a year."})

    htf = save_venue(None, HIGH_TECH_FACTORY)
    bocholt = save_venue(None, CAMPUS_BOCHOLT)
    saxion = save_venue(None, SAXION_ENSCHEDE)

    all_topics = list(topics.values())
    kick_off = _meeting(
        htf, date(2024, 6, 5), time(10, 0), time(15, 0), KICK_OFF_AGENDA, all_topics,
        title="Core Team kick-off meeting", slug=KICK_OFF_SLUG, description=KICK_OFF_DESCRIPTION,
        visibility="invitation", status=MeetingStatus.HELD)
    sent = _local(date(2024, 5, 14), time(9, 0), htf.timezone)
    answered = _local(date(2024, 5, 21), time(9, 0), htf.timezone)
    invited = invite_contacts(kick_off, core_team).added
    for participant in invited:
        # Invited three weeks ahead, answered a week later.
        participant.invited_at, participant.sent_sequence = sent, kick_off.sequence
        participant.status = ParticipantStatus.ACCEPTED
        participant.responded_at = answered
        # One member sent word on the day that they could not come after all.
        participant.attended = participant.name != KICK_OFF_ABSENT

    next_day = next_core_team_date(today)
    next_meeting = _meeting(
        bocholt, next_day, time(10, 0), time(15, 0), NEXT_MEETING_AGENDA, all_topics,
        title="Core Team meeting before the summer", slug=f"core-team-meeting-{next_day.year}-06",
        description="The Core Team meets at the Mechatronic Institute Bocholt to review the first year "
                    "and plan the next one.",
        visibility="invitation", status=MeetingStatus.SCHEDULED)
    invited_next = invite_contacts(next_meeting, core_team).added
    db.session.flush()
    record_invitations_sent(next_meeting)
    # One member proposed another time from their calendar ("propose new time"), for the
    # organiser to accept or decline on the responses page.
    proposer = next(p for p in invited_next if p.language == "de")
    # Another accepted with the Accept button of their calendar app (an iTIP REPLY).
    answer(next(p for p in invited_next if p.language == "nl"), ParticipantStatus.ACCEPTED,
           CALENDAR_ANSWER_COMMENT, in_calendar=True)
    record_proposal(proposer, starts_at=next_meeting.starts_at + timedelta(hours=3),
                    ends_at=next_meeting.ends_at + timedelta(hours=3), sequence=next_meeting.sequence,
                    comment=PROPOSAL_COMMENT)

    event_day = robotics_day_date(today)
    robotics_day = _meeting(
        saxion, event_day, time(13, 0), time(17, 30), ROBOTICS_DAY_AGENDA,
        [topics["AI"], topics["Automation & Digitalisation"]],
        title="Robotics Day", slug=f"robotics-day-{event_day.year}", description=ROBOTICS_DAY_DESCRIPTION,
        translations=ROBOTICS_DAY_TRANSLATIONS, item_titles=ROBOTICS_DAY_ITEM_TITLES,
        visibility="public", status=MeetingStatus.SCHEDULED, capacity=60,
        registration_opens_at=_local(today - timedelta(days=1), time(9, 0), saxion.timezone),
        registration_closes_at=_local(event_day - timedelta(days=2), time(23, 0), saxion.timezone))

    db.session.flush()
    record_kick_off(kick_off, {c.name: c for c in core_team})
    return DemoSummary(organisations=len(ORGANISATIONS), contacts=len(contacts), core_team=len(core_team),
                       meetings=[kick_off, next_meeting, robotics_day], organiser=organiser)
