"""``flask demo load`` and ``flask demo login``: the demo cluster on an empty database."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from meetings.auth.models import User
from meetings.core.types import utcnow
from meetings.demo.data import DEMO_EMAIL, DEMO_PASSWORD, next_core_team_date, robotics_day_date
from meetings.events.models import Meeting, Topic
from meetings.events.services import agenda_for
from meetings.extensions import db
from meetings.network.models import Contact, Group, Organisation
from meetings.participants.models import Participant
from meetings.venues.models import Venue
from tests.factories import make_organisation
from tests.helpers import login, text_of

ORGANISATIONS = {
    "IHK Nord Westfalen": ("DE", "chamber", "https://www.ihk.de/nordwestfalen"),
    "Oost NL": ("NL", "agency", "https://oostnl.nl"),
    "WFG Borken": ("DE", "agency", "https://www.wfg-borken.de"),
    "University of Twente": ("NL", "university", "https://www.utwente.nl"),
    "Fraunhofer Innovation Platform at the University of Twente": ("NL", "institute", "https://www.fraunhofer.nl"),
    "Mechatronic Institute Bocholt of the Westfälische Hochschule": ("DE", "applied_university", "https://www.w-hs.de"),
    "FH Münster Department of Mechanical Engineering": ("DE", "applied_university", "https://www.fh-muenster.de"),
    "Saxion Mechatronics Research Group": ("NL", "applied_university", "https://www.saxion.nl"),
}
TOPICS = {"AI": "ai", "Cyber Security": "cyber-security", "Automation & Digitalisation": "automation-digitalisation",
          "Remanufacturing": "remanufacturing", "Data-driven Decision-making": "data-driven-decision-making"}
UTC = timezone.utc


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["demo", *args])
    db.session.expire_all()
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def meeting(slug_start: str) -> Meeting:
    return db.session.scalar(select(Meeting).where(Meeting.slug.startswith(slug_start)))


@pytest.fixture
def demo(app):
    result = run(app, "load")
    assert result.exit_code == 0, result.output
    return result


def test_load_reports_what_it_made(demo):
    assert "8 organisations" in demo.output
    assert "Core Team kick-off meeting" in demo.output and "Robotics Day" in demo.output


def test_the_eight_partners(demo):
    organisations = db.session.scalars(select(Organisation)).all()
    assert {o.name: (o.country, o.kind, o.website) for o in organisations} == ORGANISATIONS
    assert all(o.is_public for o in organisations)
    assert all(o.is_partner for o in organisations)  # named as the cluster's partners in follow-up posts
    wfg = db.session.scalar(select(Organisation).where(Organisation.name == "WFG Borken"))
    assert "Wirtschaftsförderungsgesellschaft für den Kreis Borken" in wfg.description


def test_contacts_speak_three_languages(demo):
    for organisation in db.session.scalars(select(Organisation)):
        assert 2 <= len(organisation.contacts) <= 3, organisation.name
    contacts = db.session.scalars(select(Contact)).all()
    assert {c.language for c in contacts} == {"de", "nl", "en"}
    # Reserved for examples (RFC 2606): example.org and its subdomains, or the .example TLD.
    # example.de and example.nl are real domains that would receive the demo's mail.
    domains = {c.email.rsplit("@", 1)[1] for c in contacts}
    assert all(d == "example.org" or d.endswith((".example.org", ".example")) for d in domains), domains
    assert len(domains) == 8, "one domain per organisation"


def test_core_team_has_one_or_two_people_per_partner(demo):
    group = db.session.scalar(select(Group).where(Group.name == "Core Team"))
    per_organisation: dict[str, int] = {}
    for member in group.members:
        per_organisation[member.organisation.name] = per_organisation.get(member.organisation.name, 0) + 1
    assert set(per_organisation) == set(ORGANISATIONS)
    assert set(per_organisation.values()) <= {1, 2}


def test_topics(demo):
    assert {t.name: t.slug for t in db.session.scalars(select(Topic))} == TOPICS


def test_high_tech_factory(demo):
    venue = db.session.scalar(select(Venue).where(Venue.name == "High Tech Factory"))
    assert (venue.address, venue.postal_code, venue.city, venue.country, venue.timezone) == \
        ("Hengelosestraat 500", "7521 AN", "Enschede", "NL", "Europe/Amsterdam")
    assert venue.room and venue.accessibility
    assert venue.map_url == "https://www.openstreetmap.org/search?query=High%20Tech%20Factory%20Enschede"


def test_inaugural_meeting_was_held_on_5_june_2024(demo):
    kick_off = meeting("core-team-kick-off")
    assert kick_off.starts_at == datetime(2024, 6, 5, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert kick_off.ends_at == datetime(2024, 6, 5, 13, 0, tzinfo=UTC)
    assert kick_off.local_start.hour == 10 and kick_off.timezone == "Europe/Amsterdam"
    assert (kick_off.status, kick_off.visibility, kick_off.venue.name) == ("held", "invitation", "High Tech Factory")
    titles = [item.title for item in kick_off.agenda_items]
    assert titles[0].startswith("Welcome")
    assert titles[1:6] == list(TOPICS)
    assert titles[-1] == "Next steps"
    assert {t.name for t in kick_off.topics} == set(TOPICS)


def test_core_team_took_part_in_the_inaugural_meeting(demo):
    kick_off = meeting("core-team-kick-off")
    core_team = db.session.scalar(select(Group).where(Group.name == "Core Team")).members
    participants = db.session.scalars(select(Participant).where(Participant.meeting_id == kick_off.id)).all()
    assert {p.contact_id for p in participants} == {c.id for c in core_team}
    assert {p.status for p in participants} == {"accepted"}
    attended = sum(p.attended for p in participants)
    assert len(participants) / 2 < attended <= len(participants)
    assert all(p.email and p.organisation_name and p.language for p in participants)


def test_next_core_team_meeting_is_scheduled_before_the_summer(demo):
    upcoming = meeting("core-team-meeting-")
    assert upcoming.status == "scheduled" and upcoming.visibility == "invitation"
    assert upcoming.starts_at > utcnow()
    assert upcoming.local_start.month == 6 and upcoming.local_start.day >= 20
    assert upcoming.local_start.time() == time(10, 0)
    assert upcoming.venue.name != "High Tech Factory"
    participants = db.session.scalars(select(Participant).where(Participant.meeting_id == upcoming.id)).all()
    assert len(participants) == len(db.session.scalar(select(Group).where(Group.name == "Core Team")).members)
    # One member answered with their calendar app's Accept button; the others have not yet.
    assert sorted(p.status for p in participants).count("invited") == len(participants) - 1
    (answered,) = [p for p in participants if p.status != "invited"]
    assert answered.status == "accepted" and answered.answered_in_calendar_at is not None
    assert answered.language == "nl"
    assert len(upcoming.agenda_items) >= 3


def test_every_agenda_fits_its_meeting(demo):
    for each in db.session.scalars(select(Meeting)):
        assert [slot.problem for slot in agenda_for(each)] == [None] * len(each.agenda_items), each.title


def test_public_event_is_open_for_registration(demo):
    event = meeting("robotics-day")
    now = utcnow()
    assert (event.visibility, event.status, event.capacity) == ("public", "scheduled", 60)
    assert event.registration_opens_at <= now < event.registration_closes_at < event.starts_at
    assert 20 <= (event.starts_at - now).days <= 60
    assert event.agenda_items and event.topics


def test_public_event_is_shown_to_anonymous_visitors(demo, client):
    event = meeting("robotics-day")
    listing = text_of(client.get("/events/"))
    assert "Robotics Day" in listing
    assert "Core Team" not in listing
    page = client.get(f"/events/{event.slug}")
    assert page.status_code == 200
    assert "Saxion" in text_of(page)
    assert client.get(f"/events/{meeting('core-team-kick-off').slug}").status_code == 404
    assert client.get(f"/events/{meeting('core-team-meeting-').slug}").status_code == 404


def test_public_event_is_announced_in_german_and_dutch_too(demo, client):
    event = meeting("robotics-day")
    assert set(event.translations) == {"de", "nl"}
    assert all(set(item.translations) == {"de", "nl"} for item in event.agenda_items)
    german = text_of(client.get(f"/events/{event.slug}", headers={"Accept-Language": "de"}))
    assert "Robotik-Tag" in german and "KI in der Fertigung" in german
    dutch = client.get(f"/events/{event.slug}.ics?lang=nl").data.decode()
    assert "SUMMARY:Roboticadag" in dutch and "Netwerkborrel" in dutch


def test_demo_organiser_can_log_in_as_administrator(demo, client):
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    assert user.is_admin and user.active and user.password_hash.startswith("$argon2id$")
    login(client, DEMO_EMAIL, DEMO_PASSWORD)
    assert client.get("/manage/accounts/").status_code == 200


def test_if_empty_does_nothing_the_second_time(demo, app):
    before = (count(Organisation), count(Contact), count(Meeting), count(Participant), count(User))
    result = run(app, "load", "--if-empty")
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert (count(Organisation), count(Contact), count(Meeting), count(Participant), count(User)) == before


def test_if_empty_skips_a_database_with_organisations(app):
    make_organisation(name="Someone else's partner")
    result = run(app, "load", "--if-empty")
    assert result.exit_code == 0 and "not loaded" in result.output
    assert count(Organisation) == 1 and count(Meeting) == 0


def test_load_without_if_empty_refuses_a_database_in_use(demo, app):
    result = run(app, "load")
    assert result.exit_code == 1
    assert "already holds" in result.output
    assert count(Organisation) == 8 and count(Meeting) == 3


def test_login_prints_the_demo_login(demo, app):
    result = run(app, "login")
    assert result.exit_code == 0
    assert DEMO_EMAIL in result.output and DEMO_PASSWORD in result.output
    assert "no such account" not in result.output


def test_login_before_load_says_to_load_first(app):
    result = run(app, "login")
    assert DEMO_EMAIL in result.output and "demo load" in result.output


def test_help_texts(app):
    assert "Advanced Manufacturing & Robotics" in run(app, "--help").output
    assert "--if-empty" in run(app, "load", "--help").output


@pytest.mark.parametrize("today,expected", [
    (date(2024, 11, 24), date(2025, 6, 26)),
    (date(2025, 1, 10), date(2025, 6, 26)),
    (date(2025, 6, 10), date(2026, 6, 25)),
    (date(2025, 8, 1), date(2026, 6, 25)),
    (date(2026, 11, 24), date(2027, 6, 24)),
])
def test_next_core_team_date_is_a_thursday_in_late_june(today, expected):
    assert next_core_team_date(today) == expected


@pytest.mark.parametrize("today,expected", [
    (date(2026, 11, 24), date(2026, 12, 17)),
    (date(2026, 11, 26), date(2026, 12, 17)),
    (date(2026, 11, 27), date(2027, 1, 7)),
    (date(2026, 12, 20), date(2027, 1, 14)),
    (date(2027, 3, 1), date(2027, 3, 25)),
])
def test_robotics_day_is_a_thursday_weeks_ahead_but_not_at_christmas(today, expected):
    assert robotics_day_date(today) == expected


def test_next_meeting_invitations_are_recorded_as_sent_on_the_day(demo):
    from meetings.mail.models import OutboxMessage

    upcoming = meeting("core-team-meeting-")
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == upcoming.id)).all()
    participants = db.session.scalars(select(Participant).where(Participant.meeting_id == upcoming.id)).all()
    assert sorted(m.to_email for m in messages) == sorted(p.email for p in participants)
    assert {m.status for m in messages} == {"sent"} and {m.ics_method for m in messages} == {"REQUEST"}
    assert {m.language for m in messages} == {"de", "nl", "en"}
    today = utcnow().date()
    assert all(m.sent_at.date() == today and m.next_attempt_at is None for m in messages)
    # Readable in the outbox as the invitee got it.
    assert all(m.subject and m.text_body and "/rsvp/" in m.text_body for m in messages)
    assert all(p.invited_at is not None and p.invited_at.date() == today for p in participants)
    assert {p.sent_sequence for p in participants} == {upcoming.sequence}
    assert upcoming.sent_fingerprint is not None


def test_nothing_waits_in_the_outbox_after_loading(demo, app):
    from meetings.mail.models import OutboxMessage

    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status != "sent")) == 0
    status = app.test_cli_runner().invoke(args=["mail", "status"])
    assert status.exit_code == 0, status.output
    assert "  queued: 0" in status.output and " failed: 0" in status.output


def test_kick_off_invitations_were_sent_before_the_answers(demo):
    kick_off = meeting("core-team-kick-off")
    for p in db.session.scalars(select(Participant).where(Participant.meeting_id == kick_off.id)):
        assert p.invited_at is not None and p.invited_at < p.responded_at < kick_off.starts_at
        assert p.sent_sequence == kick_off.sequence


def test_organiser_pages_offer_nothing_to_send_after_loading(demo, client):
    login(client, DEMO_EMAIL, DEMO_PASSWORD)
    upcoming = meeting("core-team-meeting-")
    responses = text_of(client.get(f"/manage/meetings/{upcoming.id}/responses"))
    assert "/invitations/send" not in responses
    invitees = text_of(client.get(f"/manage/meetings/{upcoming.id}/invitees"))
    assert "Everyone on the list is already invited." in invitees
    assert "On the list, not yet invited" not in invitees


def test_the_next_meeting_shows_a_proposal_and_an_answer_from_a_calendar_app(demo, client):
    from meetings.demo.data import CALENDAR_ANSWER_COMMENT, PROPOSAL_COMMENT
    from meetings.invitations.services import open_proposals

    upcoming = meeting("core-team-meeting-")
    (proposal,) = open_proposals(upcoming)
    assert proposal.participant.language == "de"
    assert proposal.starts_at - upcoming.starts_at == timedelta(hours=3)
    login(client, DEMO_EMAIL, DEMO_PASSWORD)
    responses = text_of(client.get(f"/manage/meetings/{upcoming.id}/responses"))
    assert "Proposals of another time" in responses and PROPOSAL_COMMENT in responses
    assert "in the calendar app" in responses and CALENDAR_ANSWER_COMMENT in responses


def test_the_kick_off_minutes_are_circulated_and_approved(demo):
    from meetings.followup.approval import status
    from meetings.followup.services import decisions_of
    from meetings.followup.states import MinutesState
    from meetings.mail.models import OutboxMessage

    kick_off = meeting("core-team-kick-off")
    minutes = status(kick_off)
    assert minutes.latest is minutes.approved and minutes.approved.state == MinutesState.APPROVED
    assert (minutes.approved.number, minutes.approved.approved_on) == (1, date(2024, 6, 19))
    assert "Münsterland" in minutes.approved.corrections
    assert len(minutes.approved.content["decisions"]) == 4
    assert [d.agenda_item.title for d in decisions_of(kick_off) if d.agenda_item] == ["AI"]
    circulated = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "minutes_circulated")).all()
    present = db.session.scalars(select(Participant).where(Participant.meeting_id == kick_off.id,
                                                           Participant.attended.is_(True))).all()
    assert len(circulated) == len(present) > 0
    assert all(m.status == "sent" for m in circulated)
