"""Invitation emails as a mail server receives them, checked by real calendar parsers."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from meetings.extensions import db
from meetings.invitations import services
from meetings.mail.delivery import deliver_due
from tests.factories import make_contact, make_meeting, make_participant
from tests.invitations.helpers import vevent


def _tree(message) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


def test_invitation_as_received(manual_app, smtp_server, invited, validated):
    meeting, people = invited
    services.send_invitations(meeting)
    db.session.commit()
    deliver_due()
    received = smtp_server.recorder.wait_for(3)
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(p.email for p in people)
    for item in received:
        message = item.message
        assert len(item.rcpt_tos) == 1 and item.rcpt_tos[0] in message["To"]
        assert _tree(message) == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html",
                                  "text/calendar", "text/calendar"] or \
            _tree(message)[:5] == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html",
                                   "text/calendar"]
        alternative = message.get_payload()[0]
        calendar_part = alternative.get_payload()[2]
        assert calendar_part.get_param("method") == "REQUEST"
        assert calendar_part.get("Content-Disposition") is None
        data = calendar_part.get_payload(decode=True)
        parsed = validated(data)
        event = parsed["events"][0]
        assert event["uid"] == meeting.uid
        # 10:00 in Enschede in July is +02:00 in ical.js too.
        assert event["start"]["iso"].endswith("+02:00")
        attachment = message.get_payload()[1]
        assert attachment.get_filename() == "invite.ics"


def test_german_and_dutch_invitees_get_their_own_language(manual_app, smtp_server, invited):
    meeting, people = invited
    services.send_invitations(meeting)
    db.session.commit()
    deliver_due()
    received = {r.rcpt_tos[0]: r.message for r in smtp_server.recorder.wait_for(3)}
    assert received["juergen@example.de"]["Content-Language"] == "de"
    assert received["annelies@example.nl"]["Content-Language"] == "nl"


def test_winter_meeting_offset(manual_app, smtp_server, validated):
    year = datetime.now(timezone.utc).year + 1
    meeting = make_meeting(starts_at=datetime(year, 1, 14, 9, 0, tzinfo=timezone.utc),
                           ends_at=datetime(year, 1, 14, 11, 0, tzinfo=timezone.utc))
    make_participant(meeting, make_contact())
    services.send_invitations(meeting)
    db.session.commit()
    deliver_due()
    message = smtp_server.recorder.wait_for(1)[0].message
    data = message.get_payload()[0].get_payload()[2].get_payload(decode=True)
    assert validated(data)["events"][0]["start"]["iso"].endswith("+01:00")


def test_hostile_text_is_escaped_everywhere(manual_app, smtp_server, validated):
    title = 'Kern\u00adteam; "AI", RTL \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \\ emoji \U0001f916 <b>bold</b>'
    meeting = make_meeting(title=title, description="Line one\r\nLine two; with, commas \\ and <script>x</script>")
    contact = make_contact(name='Müller, "Jo"; \u05d3\u05df \U0001f600', email="jo@example.de", language="de")
    make_participant(meeting, contact)
    services.send_invitations(meeting)
    db.session.commit()
    deliver_due()
    received = smtp_server.recorder.wait_for(1)[0]
    raw_headers = received.data.split(b"\r\n\r\n", 1)[0]
    assert b"Bcc" not in raw_headers
    message = received.message
    assert title in str(message["Subject"])
    assert "jo@example.de" in str(message["To"])
    html = message.get_payload()[0].get_payload()[1].get_content()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>" not in html
    data = message.get_payload()[0].get_payload()[2].get_payload(decode=True)
    parsed = validated(data)
    assert parsed["events"][0]["summary"] == title
    _, event = vevent(data)
    # Outlook does not decode RFC 6868's ^', so the quote character is dropped from CN.
    assert event["ATTENDEE"].params["CN"] == contact.name.replace('"', "")
    assert "^'" not in data.decode()


def test_update_and_cancel_pass_the_parsers(manual_app, smtp_server, invited, validated):
    meeting, people = invited
    services.send_invitations(meeting)
    db.session.commit()
    meeting.starts_at += timedelta(minutes=30)
    meeting.agenda_items[0].start_time = time(10, 30)
    services.send_update(meeting, "Half an hour later.")
    db.session.commit()
    services.cancel_meeting(meeting, "Cancelled.")
    db.session.commit()
    deliver_due(batch_size=50)
    received = smtp_server.recorder.wait_for(9)
    by_method: dict[str, list] = {}
    for item in received:
        part = item.message.get_payload()[0].get_payload()[2]
        data = part.get_payload(decode=True)
        parsed = validated(data)
        by_method.setdefault(part.get_param("method"), []).append(parsed["events"][0])
    assert len(by_method["REQUEST"]) == 6 and len(by_method["CANCEL"]) == 3
    sequences = sorted({e["sequence"] for e in by_method["REQUEST"]})
    assert sequences == [0, 1]
    assert {e["sequence"] for e in by_method["CANCEL"]} == {2}
    assert {e["status"] for e in by_method["CANCEL"]} == {"CANCELLED"}


def test_people_sharing_one_letter_each_get_only_their_own_name_and_links(manual_app, smtp_server, validated):
    # Same meeting, kind, language and answer: the letter is written once and each
    # email then carries only its recipient's name, address, answer link and feed.
    meeting = make_meeting(title="Core Team meeting", visibility="invitation")
    people = [make_participant(meeting, make_contact(name=name, email=email, language="en"))
              for name, email in (('<b>Anna</b> & "Co"', "anna@example.org"), ("Ben O'Neil", "ben@example.org"),
                                  ("Chloé Ünal", "chloe@example.org"))]
    services.send_invitations(meeting)
    db.session.commit()
    deliver_due()
    received = {r.rcpt_tos[0]: r.message for r in smtp_server.recorder.wait_for(3)}
    tokens = {p.email: p.token for p in people}
    feeds = {p.email: p.contact.feed_token for p in people}
    assert len(set(feeds.values())) == 3 and None not in feeds.values()
    for person in people:
        message = received[person.email]
        alternative = message.get_payload()[0]
        text, html = (alternative.get_payload()[n].get_content() for n in (0, 1))
        data = alternative.get_payload()[2].get_payload(decode=True)
        _, event = vevent(data)
        for body in (text, html, data.decode()):
            assert tokens[person.email] in body
            for other in people:
                if other is not person:
                    assert tokens[other.email] not in body and feeds[other.email] not in body
        assert f"Dear {person.name}," in text
        assert feeds[person.email] in text and feeds[person.email] in html
        assert person.name not in html or "<b>" not in person.name
        assert str(event["ATTENDEE"]) == f"mailto:{person.email}"
        assert event["ATTENDEE"].params["CN"] == person.name.replace('"', "")
        assert validated(data)["events"][0]["url"].endswith(tokens[person.email])
    html = received["anna@example.org"].get_payload()[0].get_payload()[1].get_content()
    assert 'Dear <span dir="auto">&lt;b&gt;Anna&lt;/b&gt; &amp; &#34;Co&#34;</span>,' in html
