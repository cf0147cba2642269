"""Every calendar stays in step, read from the mails a real SMTP server received, recipient
by recipient: the invitation cycle with delegation, declines, the waiting list, updates,
reminders and cancellation, each checked by one ledger (tests.mail.calendars)."""
from __future__ import annotations

from datetime import time, timedelta

from meetings.extensions import db
from meetings.invitations import services
from meetings.mail.delivery import deliver_due
from meetings.participants.models import Participant
from tests.factories import make_meeting
from tests.helpers import post_form, text_of
from tests.mail.calendars import CalendarLedger
from tests.registration.helpers import register_and_confirm

RESPONSES = "/manage/meetings/{id}/responses"


def delivered(smtp_server, validated) -> CalendarLedger:
    """Deliver what is due and read every mail the server has received so far."""
    deliver_due(batch_size=100)
    return CalendarLedger(list(smtp_server.recorder.messages), validate=validated)


def move_by_an_hour(meeting) -> None:
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    meeting.agenda_items[0].start_time = time(11, 0)


def test_the_person_who_sent_a_colleague_keeps_getting_updates_and_the_cancellation(
        manual_app, smtp_server, invited, validated):
    meeting, (juergen, annelies, sam) = invited
    services.send_invitations(meeting)
    db.session.commit()
    colleague = services.delegate(annelies, services.Colleague("Bas Smit", "bas@example.nl"))
    services.answer(sam, "declined", "Not this time.")
    db.session.commit()
    ledger = delivered(smtp_server, validated)
    invitation = ledger.last("bas@example.nl", meeting.uid)
    assert invitation.attendee_params["DELEGATED-FROM"] == "mailto:annelies@example.nl"

    move_by_an_hour(meeting)
    db.session.commit()
    assert services.send_update(meeting, "One hour later.") == 4
    db.session.commit()
    ledger = delivered(smtp_server, validated)
    ledger.assert_consistent()
    ledger.assert_current(meeting.uid)
    assert ledger.recipients(meeting.uid) == {juergen.email, annelies.email, sam.email, "bas@example.nl"}
    update = ledger.last(annelies.email, meeting.uid)
    assert update.sequence == 1 and update.partstat == "DELEGATED"
    assert update.attendee_params["DELEGATED-TO"] == "mailto:bas@example.nl"
    assert "RSVP" not in update.attendee_params
    assert "U hebt een collega in uw plaats gestuurd; dit bericht houdt uw agenda bij." in update.text
    assert ledger.last("bas@example.nl", meeting.uid).attendee_params["DELEGATED-FROM"] == \
        "mailto:annelies@example.nl"
    declined = ledger.last(sam.email, meeting.uid)
    assert declined.sequence == 1 and declined.partstat == "DECLINED"

    services.cancel_meeting(meeting, "The hall is closed.")
    db.session.commit()
    ledger = delivered(smtp_server, validated)
    ledger.assert_consistent()
    ledger.assert_cancelled(meeting.uid)
    assert ledger.last(annelies.email, meeting.uid).partstat == "DELEGATED"
    assert ledger.last(sam.email, meeting.uid).partstat == "DECLINED"


def test_a_reminder_waits_for_the_pending_update(manual_app, smtp_server, organiser_client, invited, validated):
    meeting, people = invited
    services.send_invitations(meeting)
    db.session.commit()
    move_by_an_hour(meeting)
    db.session.commit()
    page = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "Reminders can be sent once the update is out: send the update first." in page
    assert f"/manage/meetings/{meeting.id}/invitations/remind" not in page
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/remind",
                         form_url=RESPONSES.format(id=meeting.id))
    assert response.status_code == 303
    assert "send the update first, then remind" in text_of(organiser_client.get(response.headers["Location"]))
    db.session.expire_all()
    assert all(p.reminded_at is None for p in db.session.query(Participant))

    post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/update", {"note": ""},
              form_url=RESPONSES.format(id=meeting.id))
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/remind",
                         form_url=RESPONSES.format(id=meeting.id))
    assert response.status_code == 303
    ledger = delivered(smtp_server, validated)
    ledger.assert_consistent()
    ledger.assert_current(meeting.uid)
    for person in people:
        kinds = [(e.sequence, e.subject.split(":")[0]) for e in ledger.of(person.email, meeting.uid)]
        assert kinds[-1][0] == 1 and len(kinds) == 3  # invitation at 0, update and reminder at 1


def test_the_waiting_list_never_gets_a_cancel_for_an_entry_it_never_had(manual_app, smtp_server, client, validated):
    meeting = make_meeting(title="Robotics Day", slug="robotics-day", capacity=1, agenda=0)
    register_and_confirm(client, meeting, email="anna@example.org", name="Anna Jansen")
    register_and_confirm(client, meeting, email="cleo@example.org", name="Cleo Waits")
    register_and_confirm(client, meeting, email="dirk@example.org", name="Dirk Later")
    dirk = db.session.query(Participant).filter_by(email="dirk@example.org").one()
    assert dirk.status == "waiting"
    response = post_form(client, f"/registrations/{dirk.token}/cancel", {"confirm": "yes"},
                         form_url=f"/registrations/{dirk.token}/cancel")
    assert response.status_code in (302, 303)
    db.session.expire_all()
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    db.session.commit()
    services.send_update(meeting, None)
    db.session.commit()
    services.cancel_meeting(meeting, "The hall is closed.")
    db.session.commit()
    ledger = delivered(smtp_server, validated)
    ledger.assert_consistent()
    ledger.assert_cancelled(meeting.uid)
    assert ledger.recipients(meeting.uid) == {"anna@example.org"}
    for waiting in ("cleo@example.org", "dirk@example.org"):
        assert ledger.of(waiting) == []
    assert any("is cancelled" in text and "waiting list" in text for _, text in ledger.plain["cleo@example.org"])
    assert any("Registration cancelled" in subject for subject, _ in ledger.plain["dirk@example.org"])


def test_answers_are_asked_again_only_when_time_or_place_moves(manual_app, smtp_server, organiser_client, invited,
                                                                validated):
    meeting, (juergen, annelies, sam) = invited
    services.send_invitations(meeting)
    db.session.commit()
    services.answer(juergen, "accepted", "Ich komme gern.")
    services.answer(annelies, "tentative", None)
    services.answer(sam, "declined", None)
    meeting.agenda_items[0].title = "Welcome and coffee"
    meeting.description = "Bring your **slides**."
    db.session.commit()
    page = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "Every answer stays as it is: neither the time nor the place changed." in page
    post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/update", {"note": ""},
              form_url=RESPONSES.format(id=meeting.id))
    db.session.expire_all()
    assert [p.status for p in (juergen, annelies, sam)] == ["accepted", "tentative", "declined"]
    delivered(smtp_server, validated)

    meeting.online_url = None
    meeting.venue.name = "Pioneers Hub"  # the place moves
    db.session.commit()
    page = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "2 accepted or tentative answers will be asked again, because the time or place changed." in page
    post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/update", {"note": "New room."},
              form_url=RESPONSES.format(id=meeting.id))
    db.session.expire_all()
    assert [p.status for p in (juergen, annelies, sam)] == ["invited", "invited", "declined"]
    assert (juergen.previous_answer, juergen.comment, juergen.responded_at) == ("accepted", None, None)
    page = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "asked again after the time or place changed (was: Accepted)" in page
    assert "Ich komme gern." not in page
    own_page = text_of(organiser_client.get(f"/rsvp/{juergen.token}", headers={"Accept-Language": "de"}))
    assert "Zeit oder Ort haben sich geändert, deshalb bitten wir alle" in own_page

    ledger = delivered(smtp_server, validated)
    ledger.assert_consistent()
    ledger.assert_current(meeting.uid)
    first_update, second_update = ledger.of(juergen.email, meeting.uid)[1:]
    assert first_update.partstat == "ACCEPTED" and "erneut zu antworten" not in first_update.text
    assert second_update.partstat == "NEEDS-ACTION"
    assert "Zeit oder Ort haben sich geändert, deshalb bitten wir alle" in second_update.text
    assert "answer again" not in ledger.last(sam.email, meeting.uid).text  # declined: not asked again
    assert ledger.last(sam.email, meeting.uid).partstat == "DECLINED"
    services.answer(juergen, "accepted", None)
    db.session.commit()
    assert juergen.previous_answer is None


def test_an_update_with_the_agenda_outside_the_meeting_waits_until_it_is_fixed(
        manual_app, smtp_server, organiser_client, invited, validated):
    meeting, people = invited
    services.send_invitations(meeting)
    db.session.commit()
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    db.session.commit()
    page = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "The update cannot be sent yet: these agenda items lie outside the meeting's time." in page
    assert "10:00 Item 1" in page
    assert "Send update" not in page
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/update", {"note": ""},
                         form_url=RESPONSES.format(id=meeting.id))
    assert "Fix the agenda before sending the update." in text_of(organiser_client.get(response.headers["Location"]))
    db.session.expire_all()
    assert meeting.sequence == 0
    meeting.agenda_items[0].start_time = time(11, 0)
    db.session.commit()
    post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/update", {"note": ""},
              form_url=RESPONSES.format(id=meeting.id))
    ledger = delivered(smtp_server, validated)
    ledger.assert_consistent()
    ledger.assert_current(meeting.uid)
    update = ledger.last(people[0].email, meeting.uid)
    assert update.sequence == 1 and update.version[-1][0].startswith("11:00")


def test_a_reminder_queued_before_a_change_does_not_carry_it_at_the_old_sequence(
        manual_app, smtp_server, invited, validated):
    meeting, people = invited
    services.send_invitations(meeting)
    db.session.commit()
    deliver_due(batch_size=100)
    assert services.remind(meeting) == 3  # queued; the mail server is slow today
    db.session.commit()
    move_by_an_hour(meeting)
    db.session.commit()
    ledger = delivered(smtp_server, validated)
    ledger.assert_consistent()
    for person in people:
        assert len(ledger.of(person.email, meeting.uid)) == 1  # the invitation; the reminder has no calendar part
        assert [subject.split(":")[0] for subject, _ in ledger.plain[person.email]] in (
            ["Reminder"], ["Erinnerung"], ["Herinnering"])
    services.send_update(meeting, None)
    db.session.commit()
    ledger = delivered(smtp_server, validated)
    ledger.assert_consistent()
    ledger.assert_current(meeting.uid)
