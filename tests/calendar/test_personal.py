"""A contact's personal feed at /feeds/<token>.ics: what it holds, its validators, and its token's life
(made on first need, shown on the answer page and in invitation emails, renewed or switched off)."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from meetings.calendar import personal
from meetings.core.timezones import to_utc
from meetings.core.types import utcnow
from meetings.events.models import AgendaItem, Meeting
from meetings.extensions import db
from meetings.invitations import services as invitations
from meetings.mail.models import OutboxMessage
from meetings.mail.outbox import prepare
from meetings.network.models import Contact
from meetings.participants.models import Participant
from tests.factories import make_contact, make_meeting, make_participant, make_venue
from tests.helpers import assert_newer_copy, count_queries, post_form, text_of

NEXT_YEAR = datetime.now(timezone.utc).year + 1
JULY = to_utc(datetime(NEXT_YEAR, 7, 2, 10, 0), "Europe/Amsterdam")
JANUARY = to_utc(datetime(NEXT_YEAR + 1, 1, 14, 10, 0), "Europe/Amsterdam")


def lines(data: bytes) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", data.decode()).split("\r\n")


def date(header: str) -> datetime:
    return parsedate_to_datetime(header)


def feed_of(contact: Contact) -> str:
    db.session.refresh(contact)
    return f"/feeds/{contact.feed_token}.ics"


def with_feed(contact: Contact) -> Contact:
    personal.ensure_feed_token(contact)
    db.session.commit()
    return contact


def backdate(*objects, hours: int = 1) -> None:
    """Move last changes back, so that a change now is a later second."""
    for obj in objects:
        if isinstance(obj, Meeting):
            obj.updated_at = utcnow() - timedelta(hours=hours)
        else:
            obj.created_at = utcnow() - timedelta(hours=hours)
            obj.responded_at = None
    db.session.commit()


@pytest.fixture
def anna(app):
    return with_feed(make_contact(name="Anna Schmidt", email="anna@example.org", language="de"))


# --- what the feed holds ------------------------------------------------------------------------

def test_feed_holds_the_contacts_meetings_with_their_answers(client, anna, validated):
    other = make_contact()
    invited = make_meeting(title="Core Team", starts_at=JULY, ends_at=JULY + timedelta(hours=3), agenda=2,
                           visibility="invitation")
    accepted = make_meeting(title="Robotics day", starts_at=JANUARY, ends_at=JANUARY + timedelta(hours=2))
    maybe = make_meeting(title="Maybe")
    registered = make_meeting(title="Open lab")
    declined = make_meeting(title="Declined")
    draft = make_meeting(title="Draft", status="draft")
    cancelled = make_meeting(title="Called off", status="cancelled")
    someone_elses = make_meeting(title="Not hers")
    pending = make_meeting(title="Unconfirmed")
    make_participant(invited, anna)
    make_participant(accepted, anna, status="accepted")
    make_participant(maybe, anna, status="tentative")
    # A public registration with her address, confirmed: registering links no contact.
    make_participant(registered, None, kind="registrant", status="registered", email="anna@example.org",
                     name="Anna")
    make_participant(pending, None, kind="registrant", status="pending", email="anna@example.org")
    make_participant(declined, anna, status="declined")
    make_participant(draft, anna)
    make_participant(cancelled, anna, status="accepted")
    make_participant(someone_elses, other, status="accepted")

    response = client.get(feed_of(anna))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "Set-Cookie" not in response.headers
    parsed = validated(response.data)
    events = {e["summary"]: e for e in parsed["events"]}
    assert set(events) == {"Core Team", "Robotics day", "Maybe", "Open lab", "Called off"}
    # In her language (German), with her answer first.
    assert parsed["name"] == parsed["x_wr_calname"]
    assert events["Core Team"]["start"]["iso"] == f"{NEXT_YEAR}-07-02T10:00:00+02:00"
    assert events["Robotics day"]["start"]["iso"] == f"{NEXT_YEAR + 1}-01-14T10:00:00+01:00"
    assert events["Called off"]["status"] == "CANCELLED"
    assert events["Maybe"]["status"] == "TENTATIVE"
    assert events["Robotics day"]["status"] == "CONFIRMED"
    # The invitation-only meeting links to her answer page, not to a public page.
    participant = db.session.scalar(select(Participant).where(Participant.meeting_id == invited.id))
    assert events["Core Team"]["url"] == f"http://meetings.test/rsvp/{participant.token}"
    assert events["Core Team"]["uid"] == invited.uid
    assert events["Robotics day"]["url"] == f"http://meetings.test/events/{accepted.slug}"
    assert b"ORGANIZER" not in response.data and b"ATTENDEE" not in response.data
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines(response.data)
    assert "VALARM" not in response.data.decode()


@pytest.mark.parametrize("status,expected", [
    ("invited", "Your answer: not given yet"), ("accepted", "Your answer: accepted"),
    ("tentative", "Your answer: tentative"), ("registered", "Your registration: confirmed"),
    ("waiting", "Your registration: on the waiting list"),
])
def test_each_event_opens_with_the_readers_answer(client, validated, status, expected):
    contact = with_feed(make_contact(language="en"))
    meeting = make_meeting(agenda=1)
    make_participant(meeting, contact, status=status, kind="registrant" if status in ("registered", "waiting")
                     else "invitee")
    (event,) = validated(client.get(feed_of(contact)).data)["events"]
    assert event["description"].startswith(expected + "\n\n")
    assert "Agenda:" in event["description"]
    if status in ("registered", "waiting"):
        assert "Change your answer" not in event["description"]
    else:
        assert "Change your answer: http://meetings.test/rsvp/" in event["description"]


def test_the_lang_parameter_chooses_the_language(client, anna):
    make_participant(make_meeting(), anna)
    german = client.get(feed_of(anna))
    english = client.get(feed_of(anna) + "?lang=en")
    assert any(line.startswith("LOCATION:") and line.endswith("Niederlande") for line in lines(german.data))
    assert any(line.startswith("LOCATION:") and line.endswith("Netherlands") for line in lines(english.data))
    assert "X-WR-CALNAME:My cluster meetings" in lines(english.data)
    assert german.headers["ETag"] != english.headers["ETag"]


def test_one_entry_per_meeting(client, anna, validated):
    meeting = make_meeting()
    make_participant(meeting, anna, status="accepted")
    assert len(validated(client.get(feed_of(anna)).data)["events"]) == 1


def test_empty_personal_feed_is_valid(client, anna, validated):
    response = client.get(feed_of(anna))
    assert response.status_code == 200 and validated(response.data)["events"] == []


# --- the reminder ---------------------------------------------------------------------------------

def test_reminder_asked_for_on_the_answer_page_appears_as_an_alarm(client, anna, validated):
    meeting = make_meeting(starts_at=JULY, ends_at=JULY + timedelta(hours=2))
    participant = make_participant(meeting, anna)
    before = client.get(feed_of(anna))
    page = f"/rsvp/{participant.token}"
    response = post_form(client, f"{page}/feed/alarm", {"alarm": "60"}, form_url=page)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{page}#feed-heading")
    db.session.refresh(anna)
    assert anna.feed_alarm_minutes == 60
    after = client.get(feed_of(anna), headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert_newer_copy(client, feed_of(anna), before, after)
    text = lines(after.data)
    assert "BEGIN:VALARM" in text and "ACTION:DISPLAY" in text and "TRIGGER:-PT1H" in text
    validated(after.data)
    # And off again.
    post_form(client, f"{page}/feed/alarm", {"alarm": "none"}, form_url=page)
    assert b"VALARM" not in client.get(feed_of(anna)).data


@pytest.mark.parametrize("value", ["5", "", "forever"])
def test_a_reminder_not_offered_is_refused(client, anna, value):
    participant = make_participant(make_meeting(), anna)
    page = f"/rsvp/{participant.token}"
    response = post_form(client, f"{page}/feed/alarm", {"alarm": value}, form_url=page)
    assert response.status_code == 400
    db.session.refresh(anna)
    assert anna.feed_alarm_minutes is None


# --- validators -----------------------------------------------------------------------------------

def test_same_data_same_bytes_and_a_304_from_one_query(client, anna, monkeypatch):
    make_participant(make_meeting(agenda=2), anna, status="accepted")
    first, second = client.get(feed_of(anna)), client.get(feed_of(anna))
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]

    def must_not_build(*args, **kwargs):
        raise AssertionError("the feed was built for a 304")

    monkeypatch.setattr(personal, "personal_feed_rows", must_not_build)
    for n, headers in enumerate(({"If-None-Match": first.headers["ETag"]},
                                 {"If-Modified-Since": first.headers["Last-Modified"]})):
        with count_queries() as queries:
            response = client.get(f"/feeds/{anna.feed_token}.ics", headers=headers)
        assert response.status_code == 304 and response.data == b""
        assert response.headers["Cache-Control"] == "private, max-age=3600"
        # One lookup of the feed's mark, then the mark this process read a moment ago.
        assert len(queries) == (1 if n == 0 else 0), queries


@pytest.mark.parametrize("change", ["answer", "meeting", "removed", "meeting_deleted", "meeting_draft",
                                    "added", "language"])
def test_a_change_gives_a_new_etag_and_a_later_last_modified(client, anna, change):
    kept = make_meeting()
    meeting = make_meeting()
    kept_row = make_participant(kept, anna, status="accepted")
    row = make_participant(meeting, anna)
    backdate(kept, meeting, kept_row, row, hours=2)
    url = feed_of(anna)
    before = client.get(url)
    if change == "answer":
        post_form(client, f"/rsvp/{row.token}", {"status": "accepted"})
    elif change == "meeting":
        meeting.title = "Moved"
    elif change == "removed":
        db.session.delete(row)
    elif change == "meeting_deleted":
        db.session.delete(meeting)
    elif change == "meeting_draft":
        meeting.status = "draft"
    elif change == "added":
        make_participant(make_meeting(), anna)
        backdate(*db.session.scalars(select(Participant)).all(), hours=2)
    else:
        anna.language = "nl"
    db.session.commit()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.data != before.data
    assert after.headers["ETag"] != before.headers["ETag"]
    assert date(after.headers["Last-Modified"]) > date(before.headers["Last-Modified"])
    by_date = client.get(url, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert by_date.status_code == 200


def test_head(client, anna):
    make_participant(make_meeting(), anna)
    full = client.get(feed_of(anna))
    head = client.head(feed_of(anna))
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == full.headers["ETag"]
    assert client.head(feed_of(anna), headers={"If-None-Match": full.headers["ETag"]}).status_code == 304
    assert client.head("/feeds/" + "x" * 43 + ".ics").status_code == 404


def _many(contact: Contact, count: int) -> None:
    venue = make_venue()
    for i in range(count):
        start = JULY + timedelta(days=i)
        meeting = Meeting(title=f"Meeting {i}", slug=f"p-{count}-{i}", starts_at=start,
                          ends_at=start + timedelta(hours=2), venue=venue, visibility="invitation",
                          status="scheduled")
        meeting.agenda_items = [AgendaItem(position=p, title=f"Item {p}", duration_minutes=15,
                                           start_time=time(10, 0) if p == 0 else None) for p in range(5)]
        db.session.add(meeting)
        db.session.add(Participant(meeting=meeting, contact=contact, email=contact.email, name=contact.name,
                                   kind="invitee", status="accepted" if i % 2 else "invited"))
    db.session.commit()


def test_queries_do_not_grow_with_the_number_of_meetings(client, anna):
    url = feed_of(anna)
    _many(anna, 10)
    db.session.expire_all()
    with count_queries() as few:
        small = client.get(url)
    _many(anna, 990)
    db.session.expire_all()
    with count_queries() as many:
        large = client.get(url)
    with count_queries() as revalidated:
        assert client.get(url, headers={"If-None-Match": large.headers["ETag"]}).status_code == 304
    # Validators (and moving the feed's mark, as new data does), the rows with their meetings and
    # venues, then topics and agenda: five whatever the number of meetings.
    assert len(few) == len(many) <= 5, many
    assert len(revalidated) == 1
    assert small.data.count(b"BEGIN:VEVENT") == 10 and large.data.count(b"BEGIN:VEVENT") == 1000


# --- the token ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("token", ["x" * 43, "short", "a%00b", "x" * 300])
def test_unknown_tokens_are_404(client, anna, token):
    assert client.get(f"/feeds/{token}.ics").status_code == 404


def test_tokens_are_unguessable_and_distinct(app):
    contacts = [with_feed(make_contact()) for _ in range(20)]
    tokens = {c.feed_token for c in contacts}
    assert len(tokens) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)  # 256 bits from secrets


def test_no_token_until_needed(app):
    contact = make_contact()
    assert contact.feed_token is None
    make_participant(make_meeting(), contact)
    assert contact.feed_token is None


@pytest.fixture
def invited(app):
    contact = make_contact(name="Jan Visser", email="jan@example.org", language="en")
    meeting = make_meeting(visibility="invitation", title="Core Team")
    participant = make_participant(meeting, contact)
    return contact, meeting, participant


def test_the_invitation_email_brings_the_feed_made_on_first_need(client, invited, validated):
    contact, meeting, participant = invited
    invitations.send_invitations(meeting)
    db.session.commit()
    # The address is made when the email is written (at delivery, or when opened in the outbox).
    prepare()
    db.session.commit()
    assert contact.feed_token
    (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "invitation")).all()
    url = f"http://meetings.test/feeds/{contact.feed_token}.ics"
    assert url in message.text_body and f'href="{url}"' in message.html_body
    # A second email uses the same address.
    invitations.remind(meeting)
    db.session.commit()
    prepare()
    db.session.commit()
    reminder = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).one()
    assert url in reminder.text_body
    (event,) = validated(client.get(f"/feeds/{contact.feed_token}.ics").data)["events"]
    assert event["uid"] == meeting.uid


def test_the_answer_page_shows_the_feed_and_its_links(client, invited):
    contact, meeting, participant = invited
    page = f"/rsvp/{participant.token}"
    html = text_of(client.get(page))
    # Not made yet: the page offers to make it (a GET changes nothing).
    assert 'id="feed-heading"' in html and "/feed/renew" in html
    db.session.refresh(contact)
    assert contact.feed_token is None
    response = post_form(client, f"{page}/feed/renew", form_url=page)
    assert response.status_code == 303
    db.session.refresh(contact)
    html = text_of(client.get(page))
    webcal = f"webcal://meetings.test/feeds/{contact.feed_token}.ics"
    assert webcal in html
    assert f"http://meetings.test/feeds/{contact.feed_token}.ics" in html
    assert "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fmeetings.test%2Ffeeds%2F" in html
    assert "https://outlook.live.com/calendar/0/addfromweb?url=webcal%3A%2F%2Fmeetings.test%2Ffeeds%2F" in html
    assert 'href="/calendar/subscribe"' in html
    assert 'name="alarm"' in html


def test_contact_renews_and_switches_off_from_the_answer_page(client, invited):
    contact, meeting, participant = invited
    with_feed(contact)
    old = feed_of(contact)
    page = f"/rsvp/{participant.token}"
    assert client.get(old).status_code == 200
    assert post_form(client, f"{page}/feed/renew", form_url=page).status_code == 303
    new = feed_of(contact)
    assert new != old
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200
    assert post_form(client, f"{page}/feed/revoke", form_url=page).status_code == 303
    assert client.get(new).status_code == 404
    db.session.refresh(contact)
    assert contact.feed_token is None and contact.feed_revoked_at is not None
    assert "Get my calendar feed" in text_of(client.get(page))
    # A later email does not switch it back on by itself.
    invitations.send_invitations(meeting)
    db.session.commit()
    prepare()
    db.session.commit()
    db.session.refresh(contact)
    assert contact.feed_token is None
    message = db.session.scalars(select(OutboxMessage)).one()
    assert "/feeds/" not in message.text_body


def test_feed_forms_need_csrf_and_a_valid_token(client, invited):
    contact, meeting, participant = invited
    with_feed(contact)
    token = contact.feed_token
    assert client.post(f"/rsvp/{participant.token}/feed/revoke").status_code == 400
    page = f"/rsvp/{participant.token}"
    assert post_form(client, f"/rsvp/{'y' * 43}/feed/revoke", form_url=page).status_code == 404
    db.session.refresh(contact)
    assert contact.feed_token == token


def test_organiser_renews_and_switches_off_on_the_contacts_page(organiser_client, client, invited):
    contact, meeting, participant = invited
    with_feed(contact)
    old = feed_of(contact)
    page = f"/manage/contacts/{contact.id}"
    html = text_of(organiser_client.get(page))
    assert 'id="feed-heading"' in html
    response = post_form(organiser_client, f"/manage/contacts/{contact.id}/feed/renew", form_url=page)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{page}#feed-heading")
    new = feed_of(contact)
    assert new != old and client.get(old).status_code == 404 and client.get(new).status_code == 200
    post_form(organiser_client, f"/manage/contacts/{contact.id}/feed/revoke", form_url=page)
    assert client.get(new).status_code == 404
    assert "switched off" in text_of(organiser_client.get(page))
    assert post_form(organiser_client, f"/manage/contacts/{10**6}/feed/revoke", form_url=page).status_code == 404


def test_visitors_cannot_manage_a_contacts_feed(client, invited):
    contact, meeting, participant = invited
    with_feed(contact)
    token = contact.feed_token
    response = post_form(client, f"/manage/contacts/{contact.id}/feed/revoke", form_url="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.refresh(contact)
    assert contact.feed_token == token


def test_renewing_drops_the_old_marks(client, anna):
    from meetings.calendar.models import FeedMark

    make_participant(make_meeting(), anna)
    client.get(feed_of(anna))
    client.get(feed_of(anna) + "?lang=nl")
    old = anna.feed_token
    personal.renew_feed_token(anna)
    db.session.commit()
    keys = db.session.scalars(select(FeedMark.key)).all()
    assert not any(old in key for key in keys)



def test_a_cancelled_meeting_says_so_instead_of_asking_for_an_answer(client, validated):
    contact = with_feed(make_contact(language="en"))
    meeting = make_meeting(title="Called off", status="cancelled", visibility="invitation",
                           description="See [our page](https://example.org/page) for **news**.")
    make_participant(meeting, contact, status="invited")
    (event,) = validated(client.get(feed_of(contact)).data)["events"]
    assert event["status"] == "CANCELLED"
    assert event["description"].startswith("This meeting is cancelled.\n\n")
    assert "Your answer" not in event["description"] and "Change your answer" not in event["description"]
    # Plain text from the Markdown, the link as its address.
    assert "See our page (https://example.org/page) for news." in event["description"]
    assert "**" not in event["description"]


def test_an_invitation_only_meeting_lists_the_answer_page_once(client, validated):
    contact = with_feed(make_contact(language="en"))
    meeting = make_meeting(visibility="invitation")
    participant = make_participant(meeting, contact, status="accepted")
    (event,) = validated(client.get(feed_of(contact)).data)["events"]
    assert event["description"].count(f"/rsvp/{participant.token}") == 1
    assert event["url"].endswith(f"/rsvp/{participant.token}")
