"""The iCalendar builder, checked by ical.js, libical, the strict `ical` parser,
recurring_ical_events and byte checks. No database: meetings are unsaved objects."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest

from config import testing_config as config_for_tests
from meetings import create_app
from meetings.calendar import builder
from meetings.calendar.timezones import transitions, vtimezone
from meetings.core.timezones import to_utc
from meetings.events.models import AgendaItem, Meeting, Topic
from meetings.venues.models import Venue

BASE = "http://meetings.test"
UPDATED = datetime(2030, 2, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
NASTY = 'Core; team, "Q3" \\ C:\\New\\Notes\r\nsecond line 😀 مرحبا بكم שלום: done'


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """An app for translations and settings; these tests never touch a database."""
    app = create_app(config_for_tests(tmp_path_factory.mktemp("instance"), "sqlite://"))
    with app.app_context():
        yield app


def venue(**kw) -> Venue:
    kw.setdefault("name", "High Tech Factory")
    kw.setdefault("room", "Room 1")
    kw.setdefault("address", "Hengelosestraat 500")
    kw.setdefault("postal_code", "7521 AN")
    kw.setdefault("city", "Enschede")
    kw.setdefault("country", "NL")
    return Venue(**kw)


def meeting(**kw) -> Meeting:
    kw.setdefault("uid", "m1@cluster-meetings")
    kw.setdefault("slug", "core-team")
    kw.setdefault("title", "Core Team meeting")
    kw.setdefault("description", "Second meeting of the Core Team.")
    kw.setdefault("language", "en")
    kw.setdefault("starts_at", datetime(2030, 7, 4, 8, 0, tzinfo=timezone.utc))
    kw.setdefault("ends_at", kw["starts_at"] + timedelta(hours=4))
    kw.setdefault("timezone", "Europe/Amsterdam")
    if "venue" not in kw:
        kw["venue"] = venue()
    kw.setdefault("visibility", "public")
    kw.setdefault("status", "scheduled")
    kw.setdefault("sequence", 0)
    kw.setdefault("created_at", datetime(2030, 1, 5, 12, 0, tzinfo=timezone.utc))
    kw.setdefault("updated_at", UPDATED)
    return Meeting(**kw)


class Participant:
    """What the builder reads of a participant."""

    def __init__(self, email="jan@example.org", name="Jan de Vries", status="invited", language="en"):
        self.email, self.name, self.status, self.language = email, name, status, language


def invitation(m, participant=None, method="REQUEST", **kw):
    return builder.invitation(m, participant or Participant(), method=method, organizer_email="cluster@meetings.test",
                              organizer_name="Cluster office", base_url=BASE, rsvp_url=f"{BASE}/rsvp/secret-token", **kw)


def lines(data: bytes) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", data.decode()).split("\r\n")


def offset(moment: datetime, zone: str) -> int:
    return int(moment.astimezone(ZoneInfo(zone)).utcoffset().total_seconds())


def ambiguous(moment: datetime, zone: str) -> bool:
    local = moment.astimezone(ZoneInfo(zone))
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


# --- time zones ------------------------------------------------------------------------------

@pytest.mark.parametrize("zone,july,january", [
    ("Europe/Amsterdam", "+02:00", "+01:00"),
    ("Europe/Berlin", "+02:00", "+01:00"),
    ("America/New_York", "-04:00", "-05:00"),
    ("Asia/Tokyo", "+09:00", "+09:00"),
])
def test_july_and_january_offsets_in_ical_js(bare_app, validated, zone, july, january):
    summer = meeting(uid="summer@t", timezone=zone, starts_at=to_utc(datetime(2030, 7, 4, 10), zone))
    winter = meeting(uid="winter@t", timezone=zone, starts_at=to_utc(datetime(2031, 1, 9, 10), zone))
    parsed = validated(builder.calendar([summer, winter], base_url=BASE).to_ical())
    starts = {e["uid"]: e["start"] for e in parsed["events"]}
    assert starts["summer@t"]["iso"] == f"2030-07-04T10:00:00{july}"
    assert starts["winter@t"]["iso"] == f"2031-01-09T10:00:00{january}"
    assert starts["summer@t"]["zone"] == zone
    assert parsed["timezones"] == [zone]


ZONES = ["Europe/Amsterdam", "Europe/Berlin", "Europe/London", "Europe/Dublin", "America/New_York",
         "America/Santiago", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata", "Africa/Casablanca",
         "Pacific/Chatham"]


@pytest.mark.parametrize("zone", ZONES)
def test_every_offset_matches_zoneinfo_around_every_change(bare_app, validated, zone):
    """Events every nine days for two years, and 90 minutes either side of each change."""
    instants = [to_utc(datetime(2030, 1, 2, 12) + timedelta(days=9 * i), zone) for i in range(82)]
    for year in (2030, 2031):
        for change in transitions(zone, year):
            instants += [change.at_utc - timedelta(minutes=90), change.at_utc + timedelta(minutes=90)]
    meetings = [meeting(uid=f"e{i}@t", timezone=zone, starts_at=start, ends_at=start + timedelta(minutes=30))
                for i, start in enumerate(instants)]
    parsed = validated(builder.calendar(meetings, base_url=BASE).to_ical())
    seen = {e["uid"]: e for e in parsed["events"]}
    assert len(seen) == len(meetings)
    for m in meetings:
        event = seen[m.uid]
        if event["start"]["zone"] == "UTC":
            # A start or end in the hour a change back repeats is written in UTC.
            assert ambiguous(m.starts_at, zone) or ambiguous(m.ends_at, zone), event
        else:
            assert event["start"]["zone"] == zone
            assert event["start"]["utc_offset_seconds"] == offset(m.starts_at, zone), (m.starts_at, event["start"])
        assert event["start"]["unix"] == int(m.starts_at.timestamp())
        assert event["end"]["unix"] == int(m.ends_at.timestamp())
    assert sum(1 for e in parsed["events"] if e["start"]["zone"] == "UTC") <= 2 * 2 * 2


def test_times_in_a_repeated_hour_are_written_in_utc(bare_app, validated):
    # 02:30 on 27 October 2030 happens twice in Amsterdam; this is the first one.
    first = datetime(2030, 10, 27, 0, 30, tzinfo=timezone.utc)
    data = builder.download(meeting(starts_at=first - timedelta(hours=1), ends_at=first), base_url=BASE,
                            language="en")
    assert "DTSTART:20301026T233000Z" in lines(data) and "DTEND:20301027T003000Z" in lines(data)
    event = validated(data)["events"][0]
    assert event["end"]["unix"] == int(first.timestamp())


def test_vtimezone_uses_yearly_rules_not_lists_of_dates():
    data = vtimezone("Europe/Amsterdam", [2030]).to_ical().decode()
    assert "RDATE" not in data and "COMMENT" not in data
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in data
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in data
    assert data.count("BEGIN:DAYLIGHT") == 1 and data.count("BEGIN:STANDARD") == 1
    # The first onset lies in the year before, so 1 January already has its offset.
    assert "DTSTART:20290325T020000" in data and "DTSTART:20291028T030000" in data


def test_zone_without_changes_has_one_standard_observance():
    data = vtimezone("Asia/Tokyo", [2030, 2031]).to_ical().decode()
    assert data.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in data
    assert "TZOFFSETFROM:+0900" in data and "TZOFFSETTO:+0900" in data


def test_a_rule_that_stopped_gets_an_until(bare_app):
    # The US changed its rules in 2007: first Sunday of April became second Sunday of March.
    data = vtimezone("America/New_York", [2007]).to_ical().decode()
    assert "BYDAY=1SU;BYMONTH=4" not in data  # a single 2006 onset needs no rule
    assert "DTSTART:20060402T020000" in data
    wide = vtimezone("America/New_York", [2000, 2010]).to_ical().decode()
    assert re.search(r"RRULE:FREQ=YEARLY;UNTIL=20060402T070000Z;BYDAY=1SU;BYMONTH=4", wide), wide


def test_each_zone_once_and_only_the_zones_used(bare_app, validated):
    meetings = [meeting(uid="a@t"), meeting(uid="b@t", starts_at=datetime(2031, 1, 8, 9, tzinfo=timezone.utc)),
                meeting(uid="c@t", timezone="America/New_York")]
    data = builder.calendar(meetings, base_url=BASE).to_ical()
    assert data.count(b"BEGIN:VTIMEZONE") == 2
    assert validated(data)["timezones"] == ["America/New_York", "Europe/Amsterdam"]


# --- the event ----------------------------------------------------------------------------------

def schedule_for(m: Meeting):
    zone = ZoneInfo(m.timezone)
    start = m.starts_at.astimezone(zone)
    return [(item, start + timedelta(minutes=20 * i), start + timedelta(minutes=20 * (i + 1)))
            for i, item in enumerate(m.agenda_items)]


def test_event_carries_what_calendars_need(bare_app, validated):
    m = meeting(sequence=4, topics=[Topic(name="AI"), Topic(name="Cyber Security")],
                agenda_items=[AgendaItem(position=0, title="Welcome", presenter="Ann Smit"),
                              AgendaItem(position=1, title="Robotics roadmap")])
    data = builder.download(m, base_url=BASE, language="en", agenda=schedule_for(m))
    parsed = validated(data)
    assert parsed["method"] is None and parsed["prodid"] == builder.PRODID and parsed["version"] == "2.0"
    (event,) = parsed["events"]
    assert event["uid"] == "m1@cluster-meetings" and event["sequence"] == 4
    assert event["summary"] == "Core Team meeting"
    assert event["start"]["iso"] == "2030-07-04T10:00:00+02:00" and event["end"]["iso"] == "2030-07-04T14:00:00+02:00"
    assert event["dtstamp"]["iso"] == "2030-02-01T09:30:15+00:00"  # the last change, not now
    assert event["last_modified"]["iso"] == "2030-02-01T09:30:15+00:00"
    assert event["status"] == "CONFIRMED"
    assert event["categories"] == ["AI", "Cyber Security"]
    assert event["url"] == f"{BASE}/events/core-team"
    assert event["location"] == "High Tech Factory, Room 1, Hengelosestraat 500, 7521 AN Enschede, Netherlands"
    assert event["description"] == (
        "Second meeting of the Core Team.\n\n"
        "Agenda:\n10:00\u201310:20  Welcome (Ann Smit)\n10:20\u201310:40  Robotics roadmap\n\n"
        f"Meeting page: {BASE}/events/core-team")
    assert event["organizer"] is None and event["attendees"] == []
    assert b"ORGANIZER" not in data and b"ATTENDEE" not in data and b"METHOD" not in data


def test_agenda_without_schedule_uses_the_items_own_times(bare_app):
    m = meeting(agenda_items=[AgendaItem(position=1, title="Lunch"),
                              AgendaItem(position=0, title="Opening", start_time=time(9, 30))])
    text = builder.meeting_event(m, base_url=BASE, language="en")["DESCRIPTION"]
    assert "Agenda:\n09:30  Opening\n- Lunch" in text


@pytest.mark.parametrize("status,expected", [
    ("draft", "TENTATIVE"), ("scheduled", "CONFIRMED"), ("held", "CONFIRMED"), ("cancelled", "CANCELLED")])
def test_status_follows_the_meeting(bare_app, validated, status, expected):
    parsed = validated(builder.download(meeting(status=status), base_url=BASE, language="en"))
    assert parsed["events"][0]["status"] == expected


def test_invitation_only_meeting_has_no_public_page(bare_app, validated):
    data = builder.download(meeting(visibility="invitation"), base_url=BASE, language="en")
    event = validated(data)["events"][0]
    assert event["url"] is None and "/events/" not in event["description"]


def test_online_meeting_without_venue(bare_app, validated):
    m = meeting(venue=None, online_url="https://meet.example.org/core-team?pwd=a,b;c")
    event = validated(builder.download(m, base_url=BASE, language="en"))["events"][0]
    assert event["location"] == "https://meet.example.org/core-team?pwd=a,b;c"
    assert "Join online: https://meet.example.org/core-team?pwd=a,b;c" in event["description"]


@pytest.mark.parametrize("language,country", [("en", "Netherlands"), ("de", "Niederlande"), ("nl", "Nederland")])
def test_text_written_by_the_app_is_in_the_readers_language(bare_app, language, country):
    event = builder.meeting_event(meeting(), base_url=BASE, language=language)
    assert str(event["LOCATION"]).endswith(f"Enschede, {country}")


def test_nasty_text_round_trips_through_ical_js(bare_app, validated):
    expected = NASTY.replace("\r\n", "\n")
    m = meeting(title=NASTY, description=NASTY, venue=venue(name=NASTY.replace("\r\n", " ")),
                topics=[Topic(name="Data, \"AI\"; \\ ML 😀")],
                agenda_items=[AgendaItem(position=0, title=NASTY.replace("\r\n", " "), presenter='Ö\'Brien, "Dr."; x')])
    person = Participant(email="jan@example.org", name='de Vries, Jan "JJ"; 😀 مرحبا: x\\y')
    data = invitation(m, person)
    event = validated(data)["events"][0]
    assert event["summary"] == expected
    assert event["description"].startswith(expected + "\n\nAgenda:\n- " + NASTY.replace("\r\n", " "))
    assert 'Ö\'Brien, "Dr."; x' in event["description"]
    assert event["location"].startswith(NASTY.replace("\r\n", " ") + ", Room 1")
    assert event["categories"] == ['Data, "AI"; \\ ML 😀']
    # The quote character is dropped from CN (Outlook shows RFC 6868's ^' as it is).
    assert event["attendees"][0]["cn"] == 'de Vries, Jan JJ; 😀 مرحبا: x\\y'
    assert event["attendees"][0]["value"] == "mailto:jan@example.org"
    attendee_line = next(line for line in lines(data) if line.startswith("ATTENDEE"))
    assert attendee_line.startswith("ATTENDEE;CN=\"de Vries, Jan JJ; 😀 مرحبا: x\\y\";")  # quoted, no ^'


def test_backslash_n_in_text_stays_a_backslash(bare_app):
    data = builder.download(meeting(title="Share: \\\\files\\New folder"), base_url=BASE, language="en")
    assert "SUMMARY:Share: \\\\\\\\files\\\\New folder" in lines(data)
    assert icalendar.Calendar.from_ical(data).events[0]["SUMMARY"] == "Share: \\\\files\\New folder"


def test_control_characters_are_dropped(bare_app, validated):
    data = builder.download(meeting(title="Bell\x07 and NUL\x00 and tab\tkept"), base_url=BASE, language="en")
    assert validated(data)["events"][0]["summary"] == "Bell and NUL and tab\tkept"


def test_same_data_gives_the_same_bytes(bare_app):
    first = builder.download(meeting(), base_url=BASE, language="en")
    again = builder.download(meeting(), base_url=BASE, language="en")
    assert first == again
    assert builder.download(meeting(sequence=1), base_url=BASE, language="en") != first


# --- feeds ----------------------------------------------------------------------------------------

def test_feed_calendar_properties(bare_app, validated):
    data = builder.feed([(meeting(), None), (meeting(uid="m2@t", slug="second"), None)], name="Cluster meetings",
                        uid=builder.stable_uid(BASE, "calendar", ""), base_url=BASE, language="en")
    text = lines(data)
    assert "NAME:Cluster meetings" in text and "X-WR-CALNAME:Cluster meetings" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text and "X-PUBLISHED-TTL:PT1H" in text
    assert f"UID:{builder.stable_uid(BASE, 'calendar', '')}" in text
    assert not any(line.startswith("METHOD") for line in text)
    assert data.count(b"BEGIN:VTIMEZONE") == 1
    parsed = validated(data)
    assert parsed["name"] == "Cluster meetings" and parsed["refresh_interval"] == "PT1H"
    assert [e["uid"] for e in parsed["events"]] == ["m1@cluster-meetings", "m2@t"]


# --- invitations --------------------------------------------------------------------------------------

def test_invitation_request_passes_itip_checks(bare_app, validated):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    data = invitation(meeting(sequence=2))
    parsed = validated(data)  # libical's iTIP restriction check included
    assert parsed["method"] == "REQUEST"
    (event,) = parsed["events"]
    assert event["sequence"] == 2 and event["status"] == "CONFIRMED"
    assert event["organizer"]["value"] == "mailto:cluster@meetings.test"
    assert event["organizer"]["cn"] == "Cluster office"
    (attendee,) = event["attendees"]
    assert attendee["value"] == "mailto:jan@example.org" and attendee["cn"] == "Jan de Vries"
    assert attendee["params"]["partstat"] == "NEEDS-ACTION" and attendee["params"]["rsvp"] == "TRUE"
    assert attendee["params"]["role"] == "REQ-PARTICIPANT"
    assert event["description"].endswith(f"Your answer: {BASE}/rsvp/secret-token")
    stamp = datetime.fromisoformat(event["dtstamp"]["iso"])
    assert before <= stamp <= datetime.now(timezone.utc)


def test_invitation_cancel(bare_app, validated):
    parsed = validated(invitation(meeting(sequence=3, status="cancelled"), method="CANCEL"))
    assert parsed["method"] == "CANCEL"
    event = parsed["events"][0]
    assert event["status"] == "CANCELLED" and event["sequence"] == 3 and len(event["attendees"]) == 1


def test_removing_one_invitee_cancels_for_them_only(bare_app, validated):
    parsed = validated(invitation(meeting(), method="CANCEL", sequence=7))
    event = parsed["events"][0]
    assert event["status"] == "CANCELLED" and event["sequence"] == 7


@pytest.mark.parametrize("status,partstat", sorted(builder.PARTSTAT_BY_STATUS.items()))
def test_partstat_follows_the_answer(bare_app, status, partstat):
    event = icalendar.Calendar.from_ical(invitation(meeting(), Participant(status=status))).events[0]
    assert event["ATTENDEE"].params["PARTSTAT"] == partstat


def test_invitation_only_meeting_links_to_the_personal_page(bare_app, validated):
    event = validated(invitation(meeting(visibility="invitation")))["events"][0]
    assert event["url"] == f"{BASE}/rsvp/secret-token"


def test_update_message_opens_the_description(bare_app):
    event = icalendar.Calendar.from_ical(invitation(meeting(), message="We moved to room 2.")).events[0]
    assert str(event["DESCRIPTION"]).startswith("We moved to room 2.\n\nSecond meeting")


@pytest.mark.parametrize("email", ["jan@example.org\r\nBcc: x@example.org", "no-at-sign"])
def test_addresses_with_line_breaks_are_refused(bare_app, email):
    with pytest.raises(ValueError):
        invitation(meeting(), Participant(email=email))


def test_only_request_and_cancel(bare_app):
    with pytest.raises(ValueError):
        invitation(meeting(), method="PUBLISH")


PEOPLE = [
    Participant(),
    Participant(email="anna.mueller@example.de", name=NASTY, status="accepted", language="de"),
    Participant(email="x@example.nl", name='Dr. "Quoted", Name; with ^ caret ' + "ü" * 60, status="declined"),
    Participant(email="no-name@example.org", name=None, status="tentative"),
]


def _alone(m, person, *, method, rsvp_url, stamp, message=None, sequence=None):
    """The calendar of one participant built directly, as the Invitation of many must reproduce it."""
    with builder.force_locale("en"):
        answer = builder._("Your answer: %(url)s", url=rsvp_url)
    description = builder.plain(m.description)
    if message:
        description = f"{message}\n\n{description}"
    event = builder.meeting_event(
        m, base_url=BASE, language="en", description_text=description, include_organizer=True,
        organizer=builder.Person(email="cluster@meetings.test", name="Cluster office"),
        attendee=builder.Person(email=person.email, name=person.name,
                                partstat=builder.PARTSTAT_BY_STATUS[person.status]),
        status="CANCELLED" if method == "CANCEL" else "CONFIRMED", stamp=stamp, sequence=sequence,
        url=None if m.is_public else rsvp_url, links=[answer])
    return builder.calendar([event], method=method).to_ical()


@pytest.mark.parametrize("visibility", ["public", "invitation"])
@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_one_invitation_for_many_gives_each_the_bytes_written_for_them_alone(bare_app, validated, visibility,
                                                                            method):
    m = meeting(visibility=visibility, description=NASTY,
                agenda_items=[AgendaItem(position=0, title=NASTY, presenter="Anna Müller", start_time=time(9))])
    stamp = datetime(2030, 3, 1, 10, 0, 5, tzinfo=timezone.utc)
    shared = builder.Invitation(m, method=method, organizer_email="cluster@meetings.test",
                                organizer_name="Cluster office", base_url=BASE, language="en", stamp=stamp,
                                sequence=4, message="Room 2; bring, your \\ badge")
    for number, person in enumerate(PEOPLE):
        # An odd base address too: its commas and semicolons are escaped in TEXT, kept in URL.
        rsvp_url = f"{BASE}/rsvp/token-{number}" if number % 2 else f"{BASE}/a,b;c/rsvp/token-{number}"
        data = shared.for_participant(person, rsvp_url)
        assert data == _alone(m, person, method=method, rsvp_url=rsvp_url, stamp=stamp, sequence=4,
                              message="Room 2; bring, your \\ badge")
        assert builder._MARK not in data.decode()
        event = validated(data)["events"][0]
        assert person.email in str(event)


def test_fold_gives_icalendars_bytes():
    import random

    from icalendar.parser.content_line import Contentline

    pieces = ["a", "Z", " ", "\\", "^", "\\,", "ü", "€", "😀", "مر", ";", ":"]
    generator = random.Random(5545)
    for length in list(range(60, 90)) + [150, 151, 152, 300, 1000]:
        for _ in range(20):
            line = "DESCRIPTION:" + "".join(generator.choice(pieces) for _ in range(length))
            assert builder.fold(line) == Contentline(line).to_ical(), line
    assert builder.fold("SUMMARY:short") == b"SUMMARY:short"


def test_serialise_gives_icalendars_bytes(bare_app):
    m = meeting(description=NASTY, agenda_items=[AgendaItem(position=0, title=NASTY * 3, start_time=time(9))])
    cal = builder.calendar([builder.meeting_event(m, base_url=BASE, language="de")], name=NASTY, uid="u",
                           refresh=builder.REFRESH)
    assert builder.serialise(cal) == cal.to_ical()


# --- what the description and attendee say ---------------------------------------------------

MARKDOWN = ("## Plan\n\nWe meet to plan **the next year** with *all* partners.\n\n"
            "- Read [the report](https://example.org/report) first\n- Bring <b>slides</b>\n\n"
            "More at <https://example.org/more>.")


def test_the_description_is_plain_text_from_the_markdown(bare_app, validated):
    for data in (invitation(meeting(description=MARKDOWN)),
                 builder.download(meeting(description=MARKDOWN), base_url=BASE, language="en")):
        description = validated(data)["events"][0]["description"]
        assert description.startswith(
            "Plan\n\nWe meet to plan the next year with all partners.\n\n"
            "- Read the report (https://example.org/report) first\n- Bring slides\n\n"
            "More at https://example.org/more.")
        for markup in ("**", "##", "](", "<b>", "<https"):
            assert markup not in description


def test_an_invitation_only_meeting_lists_the_answer_link_once(bare_app, validated):
    event = validated(invitation(meeting(visibility="invitation")))["events"][0]
    assert event["description"].count(f"{BASE}/rsvp/secret-token") == 1
    assert "Your answer: " in event["description"] and "Meeting page" not in event["description"]
    assert event["url"] == f"{BASE}/rsvp/secret-token"
    public = validated(invitation(meeting()))["events"][0]["description"]
    assert "Meeting page: http://meetings.test/events/core-team" in public and "Your answer: " in public


def test_delegation_names_the_colleague_and_whom_they_stand_in_for(bare_app, validated):
    delegator = invitation(meeting(), Participant(status="delegated"), delegated_to="bas@example.nl")
    (attendee,) = [line for line in lines(delegator) if line.startswith("ATTENDEE")]
    assert "PARTSTAT=DELEGATED" in attendee and 'DELEGATED-TO="mailto:bas@example.nl"' in attendee
    assert "RSVP=TRUE" not in attendee
    colleague = invitation(meeting(), Participant(email="bas@example.nl", name="Bas"),
                           delegated_from="jan@example.org")
    (attendee,) = [line for line in lines(colleague) if line.startswith("ATTENDEE")]
    assert 'DELEGATED-FROM="mailto:jan@example.org"' in attendee and "PARTSTAT=NEEDS-ACTION" in attendee
    validated(delegator)
    validated(colleague)
    assert icalendar.Calendar.from_ical(delegator).events[0]["ATTENDEE"].params["DELEGATED-TO"] == \
        "mailto:bas@example.nl"


# --- declining a proposal of another time ------------------------------------------------------

def decline_counter(m, participant=None, **kw):
    kw.setdefault("language", "en")
    return builder.decline_counter(m, participant or Participant(), organizer_email="cluster@meetings.test",
                                   organizer_name="Cluster office", **kw)


@pytest.mark.parametrize("language", ["en", "de", "nl"])
@pytest.mark.parametrize("comment", [None, NASTY])
def test_declinecounter_passes_itip_checks(bare_app, validated, language, comment):
    data = decline_counter(meeting(sequence=3), Participant(status="accepted", name=NASTY), language=language,
                           comment=comment)
    parsed = validated(data)  # libical's restriction check included (see LIBICAL_DIFFERS_FROM_RFC_5546)
    assert parsed["method"] == "DECLINECOUNTER"
    (event,) = parsed["events"]
    assert event["uid"] == "m1@cluster-meetings" and event["sequence"] == 3
    assert event["organizer"]["value"] == "mailto:cluster@meetings.test"
    (attendee,) = event["attendees"]
    assert attendee["value"] == "mailto:jan@example.org" and attendee["params"]["partstat"] == "ACCEPTED"
    assert "rsvp" not in attendee["params"]
    assert event["start"] is None and event["summary"] is None and event["location"] is None
    text = lines(data)
    assert not any(line.startswith(("DTSTART", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION", "BEGIN:VTIMEZONE"))
                   for line in text)
    (comment_line,) = [line for line in text if line.startswith("COMMENT")]
    if comment is None:
        assert comment_line != "COMMENT:"
    comment_value = str(icalendar.Calendar.from_ical(data).events[0]["COMMENT"])
    assert comment_value == (builder.plain(NASTY).strip() if comment else comment_value)


def test_declinecounter_comment_is_in_the_proposers_language(bare_app):
    words = {language: str(icalendar.Calendar.from_ical(decline_counter(meeting(), language=language))
                           .events[0]["COMMENT"]) for language in ("en", "de", "nl")}
    assert words["en"] == "The organiser keeps the meeting at the time planned."
    assert len(set(words.values())) == 3


def test_declinecounter_echoes_the_sequence_given(bare_app):
    event = icalendar.Calendar.from_ical(decline_counter(meeting(sequence=5), sequence=5)).events[0]
    assert int(event["SEQUENCE"]) == 5
    stamp = datetime(2030, 3, 1, 10, 0, 5, 123, tzinfo=timezone.utc)
    event = icalendar.Calendar.from_ical(decline_counter(meeting(), stamp=stamp)).events[0]
    assert event["DTSTAMP"].dt == stamp.replace(microsecond=0)
