"""Double opt-in: the link from the email, a seat or a numbered waiting place, the email with the invitation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.mail.delivery import deliver_due
from tests.calendar.conftest import libical_available, validated  # noqa: F401
from tests.factories import make_meeting
from tests.helpers import csrf_token_from, text_of
from tests.mail.conftest import manual_app, smtp_server, stop_background  # noqa: F401
from tests.registration.helpers import (MANAGE_LINK, confirm, confirm_token, outbox, person, register,
                                        register_and_confirm)


def vevent(ics: str):
    calendar = Calendar.from_ical(ics)
    return calendar, next(iter(calendar.walk("VEVENT")))


def test_opening_the_link_does_not_confirm_only_the_button_does(client, event):
    register(client, event)
    token = confirm_token("anna@example.org")
    page = client.get(f"/registrations/{token}/confirm")
    assert page.status_code == 200
    assert "Confirm my registration" in text_of(page)
    # Mail scanners open links; nothing may happen until the person presses the button.
    assert person(event, "anna@example.org").status == "pending"
    response = client.post(f"/registrations/{token}/confirm", data={"csrf_token": csrf_token_from(text_of(page))})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/registrations/{token}")
    html = text_of(client.get(response.headers["Location"]))
    assert "Your address is confirmed and you are registered." in html
    assert "You are registered." in html
    anna = person(event, "anna@example.org")
    assert anna.status == "registered" and anna.confirmed_at is not None and anna.waitlist_position is None


def test_confirm_without_csrf_token_changes_nothing(client, event):
    register(client, event)
    token = confirm_token("anna@example.org")
    assert client.post(f"/registrations/{token}/confirm").status_code == 400
    assert person(event, "anna@example.org").status == "pending"


def test_confirmation_email_carries_the_invitation_and_the_manage_link(client, event, validated):
    register_and_confirm(client, event, name="Anna Jansen")
    anna = person(event, "anna@example.org")
    [message] = outbox("registration_confirmed")
    assert message.to_email == "anna@example.org" and message.subject == "You are registered: Robotics Day"
    assert message.ics_method == "REQUEST"
    manage = f"http://meetings.test/registrations/{anna.token}"
    assert manage in message.text_body and manage in message.html_body
    calendar, event_ = vevent(message.ics)
    assert calendar["METHOD"] == "REQUEST"
    assert event_["UID"] == event.uid
    attendee = event_["ATTENDEE"]
    assert str(attendee) == "mailto:anna@example.org"
    assert attendee.params["PARTSTAT"] == "ACCEPTED" and attendee.params["CN"] == "Anna Jansen"
    assert str(event_["ORGANIZER"]) == "mailto:cluster@meetings.test"
    assert manage in str(event_["DESCRIPTION"])
    parsed = validated(message.ics.encode())
    assert parsed["events"][0]["summary"] == "Robotics Day"


def test_when_the_seats_are_taken_confirming_gives_numbered_waiting_places(client, event):
    for name in ("a", "b"):
        _, seated = register_and_confirm(client, event, email=f"{name}@example.org")
        assert seated.status == "registered"
    response, third = register_and_confirm(client, event, email="c@example.org")
    assert third.status == "waiting" and third.waitlist_position == 1
    html = text_of(client.get(response.headers["Location"]))
    assert "The meeting is full: you are on the waiting list, number 1." in html
    _, fourth = register_and_confirm(client, event, email="d@example.org")
    assert fourth.waitlist_position == 2
    [waiting_mail] = outbox("registration_confirmed", to="d@example.org")
    assert waiting_mail.subject == "Waiting list, number 2: Robotics Day"
    assert "You are on the waiting list, number 2." in waiting_mail.html_body
    # A waiting place is not a calendar entry yet.
    assert waiting_mail.ics is None
    page = text_of(client.get("/events/robotics-day"))
    assert "No places free at the moment." in page


def test_confirming_twice_changes_nothing(client, event):
    register(client, event)
    token = confirm_token("anna@example.org")
    page = text_of(client.get(f"/registrations/{token}/confirm"))
    first = client.post(f"/registrations/{token}/confirm", data={"csrf_token": csrf_token_from(page)})
    double_click = client.post(f"/registrations/{token}/confirm", data={"csrf_token": csrf_token_from(page)})
    assert first.status_code == 303 and double_click.status_code == 303
    assert len(outbox("registration_confirmed")) == 1
    later = client.get(f"/registrations/{token}/confirm")
    assert later.status_code == 200 and "Your registration is confirmed." in text_of(later)


def test_full_without_waiting_list_at_confirmation_time_says_so(client, event):
    register(client, event, email="late@example.org")
    register_and_confirm(client, event, email="a@example.org")
    register_and_confirm(client, event, email="b@example.org")
    event.waitlist_enabled = False
    db.session.commit()
    response = confirm(client, confirm_token("late@example.org"))
    assert response.status_code == 409
    assert "This meeting is full and has no waiting list." in text_of(response)
    assert "has been cancelled. You may register again" in text_of(response)
    assert person(event, "late@example.org").status == "cancelled"


@pytest.mark.parametrize("change, message", [
    ({"status": "cancelled"}, "This meeting has been cancelled"),
    ({"starts_at": utcnow() - timedelta(minutes=5)}, "has started or taken place"),
])
def test_a_pending_registration_for_a_cancelled_or_begun_meeting_cannot_be_confirmed(client, event, change,
                                                                                      message):
    register(client, event)
    token = confirm_token("anna@example.org")
    page = text_of(client.get(f"/registrations/{token}/confirm"))
    for key, value in change.items():
        setattr(event, key, value)
    db.session.commit()
    response = client.post(f"/registrations/{token}/confirm", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 409 and message in text_of(response)
    assert person(event, "anna@example.org").status == "pending"
    assert client.get(f"/registrations/{token}/confirm").status_code == 200


@pytest.mark.parametrize("token", ["x" * 43, "short", "../../etc/passwd", "a" * 200])
def test_unknown_links_are_404(client, event, token):
    assert client.get(f"/registrations/{token}/confirm").status_code == 404
    assert client.get(f"/registrations/{token}").status_code == 404


def test_emails_and_personal_pages_speak_the_registrants_language(client, event):
    register(client, event, language="de", email="jo@example.de")
    [message] = outbox("registration_confirm")
    assert message.language == "de"
    assert message.subject == "Bitte bestätigen Sie Ihre Anmeldung: Robotics Day"
    page = client.get(f"/registrations/{confirm_token('jo@example.de')}/confirm")
    assert '<html lang="de">' in text_of(page)


def test_meeting_without_capacity_always_has_a_seat(client, app):
    meeting = make_meeting(slug="open-day", capacity=None)
    for i in range(3):
        _, someone = register_and_confirm(client, meeting, email=f"p{i}@example.org")
        assert someone.status == "registered"
    assert "places free" not in text_of(client.get("/events/open-day"))


def test_confirmation_email_as_a_mail_server_receives_it(manual_app, smtp_server, client, event, validated):
    register_and_confirm(client, event)
    deliver_due()
    received = smtp_server.recorder.wait_for(2)
    confirmed = next(r.message for r in received if "You are registered" in str(r.message["Subject"]))
    assert [p.get_content_type() for p in confirmed.walk()][:5] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar"]
    calendar_part = confirmed.get_payload()[0].get_payload()[2]
    assert calendar_part.get_param("method") == "REQUEST"
    validated(calendar_part.get_payload(decode=True))
    text = confirmed.get_payload()[0].get_payload()[0].get_payload(decode=True).decode()
    assert MANAGE_LINK.search(text)


def test_registering_a_known_address_again_mails_its_owner_their_link(manual_app, smtp_server, client, event):
    register_and_confirm(client, event, name="Jo Schmidt", email="jo@example.de", language="de")
    deliver_due()
    smtp_server.recorder.wait_for(2)
    response = register(client, event, name="Mallory", email="JO@example.de", language="en")
    assert response.status_code == 303 and response.headers["Location"].endswith("/register/sent")
    deliver_due()
    received = smtp_server.recorder.wait_for(3)[2]
    assert received.rcpt_tos == ["jo@example.de"]
    message = received.message
    assert [p.get_content_type() for p in message.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert str(message["Subject"]) == "Sie stehen bereits auf der Liste: Robotics Day"
    text = message.get_payload()[0].get_payload(decode=True).decode()
    html = message.get_payload()[1].get_payload(decode=True).decode()
    token = person(event, "jo@example.de").token
    assert MANAGE_LINK.search(text).group(1) == token and f"/registrations/{token}" in html
    assert "Mallory" not in text and "Mallory" not in html
