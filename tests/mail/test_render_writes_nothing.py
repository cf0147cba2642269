"""Rendering an email writes nothing: the personal feed link a template shows is only read,
and whoever queues the email makes the feed token before the templates render."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template
from sqlalchemy import event

from meetings.calendar.personal import current_feed_url
from meetings.events.queries import agenda_schedule
from meetings.extensions import db
from meetings.invitations import services as invitations
from meetings.mail.outbox import prepare
from meetings.registration import notifications as registration
from tests.blog.helpers import make_post
from tests.factories import make_contact, make_meeting, make_participant
from tests.registration.helpers import outbox

EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"
TEMPLATES = sorted(f"emails/{path.name}" for path in EMAILS.iterdir() if not path.name.startswith("_"))


@contextmanager
def writes():
    """What the app's session and engine write inside the block: flushes and the SQL
    statements that change rows (listeners on this app's session and engine only)."""
    seen: dict[str, list] = {"flushes": [], "statements": []}

    def flushed(session, context, instances):
        seen["flushes"].append(list(session.new) + list(session.dirty))

    def executed(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen["statements"].append(statement)

    event.listen(db.session, "before_flush", flushed)
    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(db.session, "before_flush", flushed)
        event.remove(db.engine, "before_cursor_execute", executed)


@pytest.fixture
def tokenless(app):
    """A registrant whose contact has no feed token yet, on a meeting with an agenda."""
    meeting = make_meeting(agenda=2)
    person = make_participant(meeting, make_contact(email="lena@example.org"), kind="registrant",
                              status="registered")
    db.session.commit()
    assert person.contact.feed_token is None
    return person


def test_every_email_template_is_rendered_here():
    assert "emails/registration_confirmed.txt" in TEMPLATES and "emails/invitation.html" in TEMPLATES
    assert len(TEMPLATES) == len(list(EMAILS.glob("[!_]*")))


@pytest.mark.parametrize("template", TEMPLATES)
def test_rendering_an_email_writes_nothing(tokenless, template):
    meeting = tokenless.meeting
    post = make_post("Our report", meeting=meeting)
    context = dict(meeting=meeting, participant=tokenless, post=post, schedule=agenda_schedule(meeting), language="en",
                   manage_url="http://meetings.test/manage", confirm_url="http://meetings.test/confirm",
                   rsvp_url="http://meetings.test/rsvp", link="http://meetings.test/link",
                   meeting_url="http://meetings.test/meeting", post_url="http://meetings.test/post", kind="invitation",
                   # A proposal of another time (declinecounter) and a mail passed on (inbound_forward).
                   proposal=SimpleNamespace(starts_at=meeting.starts_at, ends_at=meeting.ends_at), comment="No.",
                   parsed=SimpleNamespace(sender="lena@example.org", sender_name="Lena", subject="Late",
                                          body_text="Ten minutes late."),
                   # A date poll and one of its dates (poll_*), a contact-form message (contact_*),
                   # circulated minutes (minutes_circulated).
                   poll=SimpleNamespace(slots=[meeting], deadline_at=meeting.starts_at, hold_dates=True, note="Bring dates."),
                   slot=meeting, vote_url="http://meetings.test/poll", note="Please answer.", name="Lena",
                   message=SimpleNamespace(name="Lena", email="lena@example.org", organisation="Institute",
                                           subject="A question", message="Hello."),
                   detail_url="http://meetings.test/manage/message", site_url="http://meetings.test/",
                   version=SimpleNamespace(number=1), comment_url="http://meetings.test/minutes",
                   content={"items": [], "decisions": [], "next_meeting_on": None, "next_meeting_note": None})
    with writes() as seen:
        body = render_template(template, **context)
        assert not db.session.new and not db.session.dirty
    assert seen == {"flushes": [], "statements": []}
    # A contact-form mail is about no meeting.
    assert (context["message"].name if template.startswith("emails/contact_") else meeting.title) in body
    assert tokenless.contact.feed_token is None


def test_a_template_shows_the_feed_a_contact_already_has(tokenless):
    from meetings.calendar.personal import ensure_feed_token

    ensure_feed_token(tokenless.contact)
    db.session.commit()
    with writes() as seen:
        body = render_template("emails/registration_confirmed.txt", meeting=tokenless.meeting,
                               participant=tokenless, schedule=[], language="en")
    assert seen == {"flushes": [], "statements": []}
    assert current_feed_url(tokenless.contact) in body


@pytest.mark.parametrize("send, kind, status, listed", [
    (registration.send_confirmation_request, "registration_confirm", "pending", False),
    (registration.send_confirmed, "registration_confirmed", "registered", True),
    (registration.send_promoted, "registration_promoted", "registered", True),
])
def test_queued_registration_mail_links_to_a_feed_that_answers(client, tokenless, send, kind, status, listed):
    """The token is made as the email is queued; the feed holds the meeting once the seat is held."""
    tokenless.status = status
    send(tokenless)
    db.session.commit()
    message = outbox(kind)[-1]
    _assert_working_feed(client, tokenless, message, listed=listed)


def test_prepared_invitation_links_to_a_feed_that_answers(client, app):
    meeting = make_meeting(visibility="invitation")
    person = make_participant(meeting, make_contact(email="noor@example.org"))
    db.session.commit()
    invitations.send_invitations(meeting)
    db.session.commit()
    assert prepare() == []
    db.session.commit()
    _assert_working_feed(client, person, outbox("invitation")[-1], listed=True)


def _assert_working_feed(client, participant, message, *, listed: bool) -> None:
    db.session.expire_all()
    url = current_feed_url(participant.contact)
    assert url is not None
    assert url in message.text_body and url in message.html_body
    response = client.get(url.removeprefix("http://meetings.test"))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = response.get_data(as_text=True)
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert (participant.meeting.uid in calendar) is listed
