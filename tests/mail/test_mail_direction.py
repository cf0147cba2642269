"""Right-to-left user text in emails, and the personal feed offered as a webcal:// link.

Real messages of every kind are queued through the services (and one delivered through
the SMTP server on loopback); their HTML part is parsed, and every piece of the Arabic or
Hebrew text the users typed must sit inside an element with ``dir="auto"``.
"""
from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

from meetings.extensions import db
from meetings.invitations import services
from meetings.mail.delivery import deliver_due
from meetings.participants.services import SentBy
from meetings.registration import notifications as registration
from tests.blog.helpers import make_post
from tests.factories import make_agenda_item, make_contact, make_meeting, make_participant, make_venue
from tests.invitations.helpers import outbox

TITLE = "\u0627\u062c\u062a\u0645\u0627\u0639 \u0627\u0644\u0641\u0631\u064a\u0642"  # Arabic: team meeting
NAME = "\u05d3\u05e0\u05d4 \u05db\u05d4\u05df"  # Hebrew: Dana Cohen
VENUE = "\u0628\u064a\u062a \u0627\u0644\u0635\u0646\u0627\u0639\u0629"  # Arabic: house of industry
ITEM = "\u05e1\u05d3\u05e8 \u05d9\u05d5\u05dd"  # Hebrew: agenda
NOTE = "\u05d4\u05d9\u05e9\u05d9\u05d1\u05d4 \u05e0\u05d3\u05d7\u05ea\u05d4"  # Hebrew: the meeting is postponed
ASKED_BY = "\u0633\u0627\u0631\u0629"  # Arabic: Sara
ORGANISATION = "\u062c\u0627\u0645\u0639\u0629"  # Arabic: university
MESSAGE = "\u0645\u0631\u062d\u0628\u0627 \u0645\u0646 \u0633\u0627\u0631\u0629"  # Arabic: hello from Sara
POST = "\u05d3\u05d5\u05d7 \u05d4\u05e4\u05d2\u05d9\u05e9\u05d4"  # Hebrew: report of the meeting


class _Placement(HTMLParser):
    """For every piece of text in the body: whether an element around it has dir="auto"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.pieces: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "meta", "img", "hr", "input", "link"):
            self.stack.append((tag, dict(attrs).get("dir") == "auto"))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if any(tag == "head" for tag, _ in self.stack):
            return
        self.pieces.append((data, any(auto for _, auto in self.stack)))


def assert_marked(html: str, *texts: str) -> None:
    """Each of ``texts`` is in the HTML's body, and every time only inside a dir="auto" element."""
    parser = _Placement()
    parser.feed(html)
    for text in texts:
        places = [auto for data, auto in parser.pieces if text in data]
        assert places, f"{text!r} not in the HTML part"
        assert all(places), f"{text!r} printed outside a dir=auto element"


def _rtl_meeting(**kw):
    meeting = make_meeting(title=TITLE, description=f"{NOTE}\n\n{ITEM}", venue=make_venue(name=VENUE), **kw)
    make_agenda_item(meeting, title=ITEM, presenter=NAME, duration_minutes=20)
    return meeting


def _person(meeting, email, **kw):
    return make_participant(meeting, make_contact(name=NAME, email=email, language="en"), **kw)


def _html(kind: str, to: str) -> str:
    messages = [m for m in outbox(kind) if m.to_email == to]
    assert messages, f"no {kind} to {to}"
    return messages[-1].html_body


def test_every_invitation_mail_marks_right_to_left_text(app):
    meeting = _rtl_meeting(visibility="invitation")
    _person(meeting, "dana@example.org")
    gone = _person(meeting, "gone@example.org")
    services.send_invitations(meeting)
    db.session.commit()
    assert_marked(_html("invitation", "dana@example.org"), TITLE, NAME, VENUE, ITEM, NOTE)
    services.remind(meeting)
    db.session.commit()
    assert_marked(_html("reminder", "dana@example.org"), TITLE, NAME, VENUE, ITEM)
    services.remove_invitee(gone)
    db.session.commit()
    assert_marked(_html("removal", "gone@example.org"), TITLE, NAME)
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    services.send_update(meeting, NOTE)
    db.session.commit()
    assert_marked(_html("update", "dana@example.org"), TITLE, NAME, VENUE, ITEM, NOTE)
    services.cancel_meeting(meeting, NOTE)
    db.session.commit()
    assert_marked(_html("cancellation", "dana@example.org"), TITLE, NAME, NOTE)


def test_waiting_list_cancellation_notice_marks_right_to_left_text(app):
    meeting = _rtl_meeting()
    _person(meeting, "waiting@example.org", kind="registrant", status="waiting", waitlist_position=1)
    services.cancel_meeting(meeting, NOTE)
    db.session.commit()
    assert_marked(_html("cancellation_notice", "waiting@example.org"), TITLE, NAME, NOTE)


def test_every_registration_mail_marks_right_to_left_text(app):
    meeting = _rtl_meeting()
    pending = _person(meeting, "pending@example.org", kind="registrant", status="pending")
    seated = _person(meeting, "seated@example.org", kind="registrant", status="registered")
    registration.send_confirmation_request(pending)
    registration.send_confirmed(seated)
    registration.send_promoted(seated)
    registration.send_link(seated)
    registration.send_already_on_list(seated, asked_by=SentBy(ASKED_BY, ORGANISATION, MESSAGE))
    registration.send_cancelled(seated, with_calendar=True)
    db.session.commit()
    assert_marked(_html("registration_confirm", "pending@example.org"), TITLE, NAME, VENUE, ITEM)
    for kind in ("registration_confirmed", "registration_promoted", "registration_already"):
        assert_marked(_html(kind, "seated@example.org"), TITLE, NAME, VENUE, ITEM)
    assert_marked(_html("registration_already", "seated@example.org"), ASKED_BY, ORGANISATION, MESSAGE)
    assert_marked(_html("registration_link", "seated@example.org"), TITLE)
    assert_marked(_html("registration_cancelled", "seated@example.org"), TITLE, NAME)


def test_post_published_mail_marks_right_to_left_text(app):
    from meetings.blog.notifications import send_post_published

    meeting = _rtl_meeting()
    person = _person(meeting, "came@example.org", status="accepted", attended=True)
    post = make_post(POST, meeting=meeting, slug="rtl-post")
    send_post_published(post, person)
    db.session.commit()
    assert_marked(_html("post_published", "came@example.org"), TITLE, NAME, POST)


def test_delivered_invitation_marks_names_and_titles(manual_app, smtp_server):
    meeting = _rtl_meeting(visibility="invitation")
    _person(meeting, "dana@example.org")
    services.send_invitations(meeting)
    db.session.commit()
    deliver_due()
    message = smtp_server.recorder.wait_for(1)[0].message
    html = message.get_payload()[0].get_payload()[1].get_content()
    assert_marked(html, TITLE, NAME, VENUE, ITEM, NOTE)


def _feed_links(text: str, html: str, feed: str) -> None:
    assert feed.startswith(("http://", "https://")) and feed.endswith(".ics")
    webcal = "webcal://" + feed.split("://", 1)[1]
    assert f'href="{webcal}"' in html and f'href="{feed}"' in html and f">{feed}</a>" in html
    assert webcal in text and feed in text
    # The web address is offered beside the webcal one, never as the only link.
    assert text.index(webcal) < text.index(feed)


def test_delivered_invitation_offers_the_feed_as_webcal_with_its_web_address(manual_app, smtp_server):
    meeting = make_meeting(visibility="invitation")
    people = [make_participant(meeting, make_contact(email=email, language=language))
              for email, language in (("anna@example.org", "en"), ("jo@example.org", "de"),
                                      ("els@example.org", "nl"))]
    services.send_invitations(meeting)
    db.session.commit()
    deliver_due()
    received = {r.rcpt_tos[0]: r.message for r in smtp_server.recorder.wait_for(3)}
    for person in people:
        alternative = received[person.email].get_payload()[0]
        text, html = (alternative.get_payload()[n].get_content() for n in (0, 1))
        assert person.contact.feed_token in html
        feed = next(word for word in text.split() if person.contact.feed_token in word and word.startswith("http"))
        _feed_links(text, html, feed)
        assert "webcal://" not in html.replace("webcal://" + feed.split("://", 1)[1], "")


def test_registration_mail_offers_the_feed_as_webcal_with_its_web_address(app):
    meeting = make_meeting()
    seated = make_participant(meeting, make_contact(email="seated@example.org"), kind="registrant",
                              status="registered")
    registration.send_confirmed(seated)
    db.session.commit()
    message = outbox("registration_confirmed")[-1]
    token = seated.contact.feed_token
    assert token
    feed = next(word for word in message.text_body.split() if token in word and word.startswith("http"))
    _feed_links(message.text_body, message.html_body, feed)
