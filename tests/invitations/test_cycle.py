"""The organiser's side of the invitation cycle, through real form posts."""
from __future__ import annotations

import re
from datetime import time, timedelta

import pytest

from meetings.extensions import db
from meetings.participants.models import Participant
from tests.helpers import csrf_token_from, post_form, text_of
from tests.invitations.helpers import outbox, vevent

RESPONSES = "/manage/meetings/{id}/responses"


def send(client, meeting):
    return post_form(client, f"/manage/meetings/{meeting.id}/invitations/send",
                     form_url=RESPONSES.format(id=meeting.id))


def test_send_queues_one_invitation_per_invitee_in_their_language(organiser_client, invited):
    meeting, people = invited
    response = send(organiser_client, meeting)
    assert response.status_code == 303
    messages = outbox("invitation")
    assert sorted(m.to_email for m in messages) == sorted(p.email for p in people)
    by_email = {m.to_email: m for m in messages}
    assert by_email["sam@example.org"].subject == "Invitation: Core Team meeting"
    assert by_email["sam@example.org"].language == "en"
    assert by_email["juergen@example.de"].language == "de"
    assert by_email["annelies@example.nl"].language == "nl"
    for message in messages:
        assert message.ics_method == "REQUEST"
        cal, event = vevent(message.ics)
        assert str(event["UID"]) == meeting.uid
        attendees = event.get("ATTENDEE")
        assert not isinstance(attendees, list), "one ATTENDEE: the recipient"
        assert str(attendees).lower() == f"mailto:{message.to_email}"
        assert attendees.params["PARTSTAT"] == "NEEDS-ACTION" and attendees.params["RSVP"] == "TRUE"
        assert str(event["ORGANIZER"]).lower() == "mailto:cluster@meetings.test"
        participant = db.session.get(Participant, message.participant_id)
        assert f"/rsvp/{participant.token}" in message.text_body
        assert f"/rsvp/{participant.token}" in message.html_body


def test_sending_twice_invites_nobody_twice(organiser_client, invited):
    meeting, people = invited
    send(organiser_client, meeting)
    send(organiser_client, meeting)
    assert len(outbox("invitation")) == 3


def test_a_draft_cannot_be_sent(organiser_client, invited):
    meeting, _ = invited
    meeting.status = "draft"
    db.session.commit()
    response = send(organiser_client, meeting)
    assert response.status_code == 303
    assert outbox() == []
    assert "Publish the meeting before sending invitations." in text_of(organiser_client.get(response.headers["Location"]))


def test_responses_page_counts_answers(organiser_client, invited):
    meeting, people = invited
    send(organiser_client, meeting)
    db.session.expire_all()
    people[0].status = "accepted"
    people[0].comment = "Ich komme gern."
    people[1].status = "declined"
    db.session.commit()
    html = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "Accepted: <strong>1</strong>" in html
    assert "Declined: <strong>1</strong>" in html
    assert "Invited, no answer yet: <strong>1</strong>" in html
    assert "Ich komme gern." in html
    assert "IHK Nord Westfalen" in html
    assert '<svg class="status-bar"' in html


def test_remind_only_those_who_have_not_answered_once_a_day(organiser_client, invited):
    meeting, people = invited
    send(organiser_client, meeting)
    db.session.expire_all()
    people[0].status = "accepted"
    db.session.commit()
    url = f"/manage/meetings/{meeting.id}/invitations/remind"
    post_form(organiser_client, url, form_url=RESPONSES.format(id=meeting.id))
    reminders = outbox("reminder")
    assert sorted(m.to_email for m in reminders) == sorted(p.email for p in people[1:])
    post_form(organiser_client, url, form_url=RESPONSES.format(id=meeting.id))
    assert len(outbox("reminder")) == 2
    db.session.expire_all()
    assert db.session.get(Participant, people[1].id).reminded_at is not None
    assert db.session.get(Participant, people[0].id).reminded_at is None


def test_time_change_offers_an_update_with_higher_sequence(organiser_client, invited):
    meeting, people = invited
    send(organiser_client, meeting)
    db.session.expire_all()
    first_stamp = vevent(outbox("invitation")[0].ics)[1]["DTSTAMP"].dt
    people[0].status = "accepted"
    people[1].status = "declined"
    people[2].status = "tentative"
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    meeting.agenda_items[0].start_time = time(11, 0)
    db.session.commit()
    page = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "Send update" in page
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/update",
                         {"note": "We start an hour later."}, form_url=RESPONSES.format(id=meeting.id))
    assert response.status_code == 303
    updates = outbox("update")
    # Everyone gets the same UID with SEQUENCE 1, the one who declined too (RFC 5546).
    assert sorted(m.to_email for m in updates) == sorted(p.email for p in people)
    partstats = {}
    for message in updates:
        _, event = vevent(message.ics)
        assert str(event["UID"]) == meeting.uid
        assert event["SEQUENCE"] == 1
        assert event["DTSTAMP"].dt >= first_stamp
        assert "We start an hour later." in message.text_body
        partstats[message.to_email] = event["ATTENDEE"].params["PARTSTAT"]
    # A new time needs a new answer (RFC 5546): accepted and tentative are back to NEEDS-ACTION;
    # a decline stays a decline.
    assert partstats == {people[0].email: "NEEDS-ACTION", people[1].email: "DECLINED",
                         people[2].email: "NEEDS-ACTION"}
    db.session.expire_all()
    assert db.session.get(Participant, people[0].id).status == "invited"
    assert db.session.get(Participant, people[1].id).status == "declined"
    assert "Send update" not in text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))


def test_agenda_change_keeps_answers(organiser_client, invited):
    meeting, people = invited
    send(organiser_client, meeting)
    db.session.expire_all()
    people[0].status = "accepted"
    meeting.agenda_items[0].title = "Welcome and coffee"
    db.session.commit()
    post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/update", {"note": ""},
              form_url=RESPONSES.format(id=meeting.id))
    accepted = [m for m in outbox("update") if m.to_email == people[0].email][0]
    assert vevent(accepted.ics)[1]["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert "Welcome and coffee" in accepted.text_body


def test_update_without_changes_is_refused(organiser_client, invited):
    meeting, _ = invited
    send(organiser_client, meeting)
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/update",
                         {"note": ""}, form_url=RESPONSES.format(id=meeting.id))
    assert response.status_code == 303
    assert outbox("update") == []


def test_cancel_sends_cancel_to_every_invitee(organiser_client, invited):
    meeting, people = invited
    send(organiser_client, meeting)
    db.session.expire_all()
    people[1].status = "declined"
    db.session.commit()
    url = f"/manage/meetings/{meeting.id}/cancel"
    refused = post_form(organiser_client, url, {"note": "Sorry."})
    assert refused.status_code == 422  # not confirmed
    assert outbox("cancellation") == []
    response = post_form(organiser_client, url, {"note": "The hall is closed.", "confirm": "y"})
    assert response.status_code == 303
    cancels = outbox("cancellation")
    assert sorted(m.to_email for m in cancels) == sorted(p.email for p in people)
    for message in cancels:
        assert message.ics_method == "CANCEL"
        cal, event = vevent(message.ics)
        assert str(cal["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == meeting.uid
        assert event["SEQUENCE"] == 1
    db.session.expire_all()
    assert meeting.status == "cancelled"


def test_removing_an_invitee_cancels_for_them_alone(organiser_client, invited):
    meeting, people = invited
    send(organiser_client, meeting)
    remove = f"/manage/meetings/{meeting.id}/invitees/{people[2].id}/remove"
    assert f'href="{remove}?back=responses"' in text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    confirm = text_of(organiser_client.get(f"{remove}?back=responses"))
    assert "receives a cancellation that removes the meeting from their calendar" in confirm
    assert outbox("removal") == []
    response = post_form(organiser_client, remove, {"confirm": "yes", "back": "responses"}, form_url=remove)
    assert response.status_code == 303 and response.headers["Location"].endswith(RESPONSES.format(id=meeting.id))
    removals = outbox("removal")
    assert [m.to_email for m in removals] == [people[2].email]
    _, event = vevent(removals[0].ics)
    assert event["SEQUENCE"] == 1
    assert outbox("cancellation") == []
    db.session.expire_all()
    assert db.session.get(Participant, people[2].id).status == "cancelled"


def test_removing_someone_never_invited_deletes_them_quietly(organiser_client, invited):
    meeting, people = invited
    remove = f"/manage/meetings/{meeting.id}/invitees/{people[2].id}/remove"
    post_form(organiser_client, remove, {"confirm": "yes"}, form_url=remove)
    assert outbox() == []
    assert db.session.get(Participant, people[2].id) is None


def test_organiser_pages_need_login(client, invited):
    meeting, _ = invited
    assert client.get(RESPONSES.format(id=meeting.id)).status_code == 302
    assert client.get("/manage/meetings/9999/responses").status_code == 302


def test_unknown_meeting_is_404(organiser_client):
    assert organiser_client.get(RESPONSES.format(id=9999)).status_code == 404


def test_meeting_page_offers_the_update_after_a_change(organiser_client, invited):
    meeting, _ = invited
    page = f"/manage/meetings/{meeting.id}"
    assert "Send an update to the invitees" not in text_of(organiser_client.get(page))
    send(organiser_client, meeting)
    db.session.expire_all()
    meeting.online_url = "https://meet.example.org/core-team"
    db.session.commit()
    html = text_of(organiser_client.get(page))
    assert "Send an update to the invitees" in html
    assert f"/manage/meetings/{meeting.id}/responses" in html


def test_edit_form_cannot_cancel_silently_after_invitations(organiser_client, invited):
    meeting, _ = invited
    send(organiser_client, meeting)
    edit = f"/manage/meetings/{meeting.id}/edit"
    html = text_of(organiser_client.get(edit))
    data = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    data.update({name: value for name, value in re.findall(r'<select[^>]*name="([^"]+)".*?<option selected value="([^"]*)"', html, re.S)})
    data["description"] = meeting.description
    data["status"] = "cancelled"
    data["csrf_token"] = csrf_token_from(html)
    response = organiser_client.post(edit, data=data)
    assert response.status_code == 422
    assert "Cancel the meeting" in text_of(response)
    db.session.expire_all()
    assert meeting.status == "scheduled"
    assert outbox("cancellation") == []


def test_sending_does_the_same_work_for_thirty_invitees_as_for_three(organiser_client, invited):
    """The request only queues: its SQL statements do not grow with the number of invitees."""
    from tests.factories import make_contact, make_meeting, make_participant
    from tests.helpers import count_queries

    meeting, people = invited
    larger = make_meeting(title="Working group", slug="working-group", visibility="invitation", agenda=3,
                          starts_at=meeting.starts_at, ends_at=meeting.ends_at)
    for n in range(30):
        make_participant(larger, make_contact(name=f"Person {n}", email=f"person{n}@example.org",
                                              language=("de", "nl", "en")[n % 3]))
    counts = []
    larger_id = larger.id
    for target_id in (meeting.id, larger_id):
        token = csrf_token_from(text_of(organiser_client.get(RESPONSES.format(id=target_id))))
        db.session.expunge_all()
        with count_queries() as statements:
            response = organiser_client.post(f"/manage/meetings/{target_id}/invitations/send",
                                             data={"csrf_token": token})
        assert response.status_code == 303
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert len(outbox("invitation")) == 33
    assert {m.language for m in outbox("invitation") if m.meeting_id == larger_id} == {"de", "nl", "en"}


def test_a_grown_group_shows_its_newcomers_who_can_then_be_invited(organiser_client, invited):
    from meetings.network.models import Contact
    from tests.factories import make_contact, make_group

    meeting, people = invited
    members = [db.session.get(Contact, p.contact_id) for p in people]
    core = make_group(name="Core Team", members=members)
    core_id = core.id
    send(organiser_client, meeting)
    page = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/invitees"))
    assert "Not yet on the list" not in page
    from meetings.network.models import Group

    bas = make_contact(name="Bas Smit", email="bas@example.nl", language="nl")
    db.session.expire_all()
    db.session.get(Group, core_id).members.append(bas)
    db.session.commit()
    page = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/invitees"))
    assert "1 member of Core Team is not on the list: Bas Smit." in page
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitees", {"groups": [str(core_id)]})
    assert response.status_code == 302
    assert "Not yet on the list" not in text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/invitees"))
    send(organiser_client, meeting)
    newest = [m for m in outbox("invitation") if m.to_email == "bas@example.nl"]
    assert len(newest) == 1 and len(outbox("invitation")) == 4
    assert newest[0].language == "nl"


def test_someone_removed_can_be_invited_again(organiser_client, invited):
    meeting, people = invited
    send(organiser_client, meeting)
    person = people[0]
    remove = f"/manage/meetings/{meeting.id}/invitees/{person.id}/remove"
    post_form(organiser_client, remove, {"confirm": "yes"}, form_url=remove)
    page = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/invitees"))
    assert "No longer invited" in page
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitees",
                         {"contacts": [str(person.contact_id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Participant, person.id).status == "invited"
    send(organiser_client, meeting)
    again = [m for m in outbox("invitation") if m.to_email == person.email]
    assert len(again) == 2
    assert vevent(again[1].ics)[1]["SEQUENCE"] == 1  # the current sequence, above the cancellation's view


def test_after_cancelling_only_what_can_be_done_is_offered(organiser_client, invited):
    meeting, people = invited
    send(organiser_client, meeting)
    page = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "Remind 3 people who have not answered" in page and "Cancel the meeting…" in page
    cancel = f"/manage/meetings/{meeting.id}/cancel"
    post_form(organiser_client, cancel, {"confirm": "y"}, form_url=cancel)
    db.session.expire_all()
    assert meeting.status == "cancelled"
    page = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "The meeting is cancelled." in page
    assert "Remind 3 people" not in page and "/invitations/remind" not in page and "/invitations/send" not in page
    assert "Cancel the meeting" not in page
    assert "Cancel the meeting" not in text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))


def test_no_sending_offered_for_a_meeting_that_is_over(organiser_client, invited):
    from meetings.core.types import utcnow

    meeting, people = invited
    send(organiser_client, meeting)
    db.session.expire_all()
    meeting.starts_at, meeting.ends_at = utcnow() - timedelta(days=2), utcnow() - timedelta(days=2, hours=-3)
    db.session.commit()
    page = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "The meeting is over." in page and "/invitations/remind" not in page


def test_invitations_wait_for_the_update_and_the_page_says_so(organiser_client, invited):
    from tests.factories import make_contact, make_participant

    meeting, people = invited
    send(organiser_client, meeting)
    db.session.expire_all()
    meeting.online_url = "https://meet.example.org/core-team"
    make_participant(meeting, make_contact(name="Bas Smit", email="bas@example.nl", language="nl"))
    db.session.commit()
    for page in (RESPONSES.format(id=meeting.id), f"/manage/meetings/{meeting.id}/invitees"):
        html = text_of(organiser_client.get(page))
        assert "1 person on the list is not invited yet: send the update first, then the invitations." in html
        assert "Send 1 invitation" not in html


@pytest.mark.parametrize("language,scheduled,cancelled", [
    ("en", "Scheduled", "Cancelled"), ("de", "Geplant", "Abgesagt"), ("nl", "Gepland", "Geannuleerd")])
def test_meeting_status_on_the_responses_page_is_in_the_reader_language(organiser_client, invited, language,
                                                                        scheduled, cancelled):
    meeting, people = invited
    headers = {"Accept-Language": language}
    organiser_client.get(f"/language/{language}")
    html = text_of(organiser_client.get(RESPONSES.format(id=meeting.id), headers=headers))
    assert f'<span class="badge badge-scheduled">{scheduled}</span>' in html
    assert ">scheduled<" not in html
    meeting.status = "cancelled"
    db.session.commit()
    html = text_of(organiser_client.get(RESPONSES.format(id=meeting.id), headers=headers))
    assert f'<span class="badge badge-cancelled">{cancelled}</span>' in html
    assert ">cancelled<" not in html
