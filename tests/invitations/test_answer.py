"""The invitee's side: the personal link, answering, delegating, the .ics with their answer."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.invitations import services
from meetings.participants.models import Participant
from tests.helpers import post_form, text_of
from tests.invitations.helpers import outbox, vevent


@pytest.fixture
def sent(app, invited):
    meeting, people = invited
    services.send_invitations(meeting)
    db.session.commit()
    return meeting, people


def url(person) -> str:
    return f"/rsvp/{person.token}"


def test_page_shows_the_meeting_in_the_invitees_language(client, sent):
    meeting, people = sent
    german = text_of(client.get(url(people[0])))
    assert meeting.title in german
    assert '<html lang="de">' in german
    english = text_of(client.get(url(people[2])))
    assert '<html lang="en">' in english
    assert "Yes, I will attend" in english
    assert "(CEST, Europe/Amsterdam)" in english


def test_accept_with_comment(client, sent):
    _, people = sent
    person = people[2]
    response = post_form(client, url(person), {"status": "accepted", "comment": "Looking forward!"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Participant, person.id)
    assert saved.status == "accepted" and saved.comment == "Looking forward!" and saved.responded_at
    page = text_of(client.get(url(person)))
    assert "You will attend." in page
    assert f"/rsvp/{person.token}.ics" in page


def test_answer_can_change_until_the_start(client, sent):
    meeting, people = sent
    person = people[2]
    post_form(client, url(person), {"status": "accepted"})
    post_form(client, url(person), {"status": "declined"})
    db.session.expire_all()
    assert db.session.get(Participant, person.id).status == "declined"
    meeting.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    response = post_form(client, url(person), {"status": "accepted"}, form_url="/login")
    assert response.status_code == 409
    assert "The meeting has started" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Participant, person.id).status == "declined"


@pytest.mark.parametrize("data,message", [
    ({}, "Please choose an answer."),
    ({"status": "maybe-not"}, "Not a valid choice."),
    ({"status": "accepted", "comment": "x" * 2001}, "Field cannot be longer than 2000 characters."),
])
def test_invalid_answer_is_refused_at_the_field(client, sent, data, message):
    _, people = sent
    response = post_form(client, url(people[2]), data)
    assert response.status_code == 422
    assert message in text_of(response)
    db.session.expire_all()
    assert db.session.get(Participant, people[2].id).status == "invited"


def test_ics_carries_the_answer(client, sent):
    meeting, people = sent
    person = people[2]
    post_form(client, url(person), {"status": "tentative"})
    response = client.get(f"{url(person)}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    _, event = vevent(response.data)
    assert event["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert str(event["UID"]) == meeting.uid


@pytest.mark.parametrize("token", ["nope", "x" * 43, "x" * 200, "%00", "' OR 1=1 --"])
def test_unknown_or_malformed_token_is_404(client, sent, token):
    assert client.get(f"/rsvp/{token}").status_code == 404
    assert client.get(f"/rsvp/{token}.ics").status_code == 404


def test_removed_invitee_cannot_answer(client, sent):
    _, people = sent
    services.remove_invitee(people[2])
    db.session.commit()
    response = post_form(client, url(people[2]), {"status": "accepted"}, form_url="/login")
    assert response.status_code == 409
    assert "no longer on the list" in text_of(client.get(url(people[2])))
    db.session.expire_all()
    assert db.session.get(Participant, people[2].id).status == "cancelled"


def test_send_a_colleague_instead(client, sent):
    meeting, people = sent
    person = people[0]
    response = post_form(client, f"{url(person)}/delegate",
                         {"colleague_name": "Petra Schulte", "colleague_email": "Petra@Example.de"},
                         form_url=url(person))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Participant, person.id).status == "delegated"
    colleague = db.session.scalar(db.select(Participant).where(Participant.email == "petra@example.de"))
    assert colleague.delegated_from_id == person.id
    assert colleague.language == "de" and colleague.organisation_id == person.organisation_id
    assert colleague.token != person.token
    invitation = [m for m in outbox("invitation") if m.to_email == "petra@example.de"]
    assert len(invitation) == 1
    assert f"/rsvp/{colleague.token}" in invitation[0].text_body
    assert str(vevent(invitation[0].ics)[1]["ATTENDEE"]).lower() == "mailto:petra@example.de"


@pytest.mark.parametrize("data,field,message,status", [
    ({"colleague_name": "", "colleague_email": "a@example.org"}, "colleague_name", "Please enter your colleague", 422),
    ({"colleague_name": "A", "colleague_email": "not-an-email"}, "colleague_email", "Please enter a valid email address", 422),
    ({"colleague_name": "A\r\nBcc: x@example.org", "colleague_email": "a@example.org"}, "colleague_name", "Line breaks", 422),
    ({"colleague_name": "Sam", "colleague_email": "SAM@example.org"}, "colleague_email", "This is your own address", 422),
])
def test_invalid_colleague_is_refused(client, sent, data, field, message, status):
    _, people = sent
    before = len(outbox())
    # Sam's pages are in English, his language.
    response = post_form(client, f"{url(people[2])}/delegate", data, form_url=url(people[2]))
    assert response.status_code == status
    html = text_of(response)
    assert f'id="{field}-error"' in html and message in html
    assert len(outbox()) == before
    db.session.expire_all()
    assert db.session.get(Participant, people[2].id).status == "invited"


def delegate_as(client, person, name: str, email: str) -> tuple[int, str, str]:
    """Send a colleague from ``person``'s page: the status, where it leads, and that page with
    what belongs to ``person`` (token, name, feed address, CSRF tokens) blanked out."""
    response = post_form(client, f"{url(person)}/delegate", {"colleague_name": name, "colleague_email": email},
                         form_url=url(person))
    page = text_of(client.get(response.headers["Location"]))
    db.session.expire_all()
    contact = db.session.get(Participant, person.id).contact
    for own in filter(None, (person.token, person.name, person.email, contact and contact.feed_token)):
        page = page.replace(own, "…")
    page = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "csrf", page)
    page = re.sub(r"\(\d+ \w+ \d{4}, \d\d:\d\d[^)]*\)", "(time)", page)
    return response.status_code, response.headers["Location"].replace(person.token, "…"), page


def test_a_colleague_already_on_the_list_looks_the_same_to_the_invitee_and_is_told_by_email(client, sent):
    from tests.factories import make_contact, make_participant

    meeting, people = sent
    juergen, sam = people[0], people[2]
    kim = make_participant(meeting, make_contact(name="Kim Kelly", email="kim@example.org", language="en"))
    services.send_invitations(meeting)
    db.session.commit()
    before = len(outbox())
    count = db.session.scalar(db.select(db.func.count()).select_from(Participant))
    # Sam names Jürgen, who is invited already; Kim names someone new. Both see the same.
    known = delegate_as(client, sam, "Petra Schulte", "Juergen@Example.de")
    new = delegate_as(client, kim, "Petra Schulte", "petra@example.de")
    assert known == new
    assert known[0] == 302 and "Petra Schulte has been invited in your place." in known[2]
    assert "already" not in known[2]
    db.session.expire_all()
    assert db.session.get(Participant, sam.id).status == db.session.get(Participant, kim.id).status == "delegated"
    # Jürgen is not added again and keeps his own answer; only Petra is new.
    assert db.session.scalar(db.select(db.func.count()).select_from(Participant)) == count + 1
    assert db.session.get(Participant, juergen.id).status == "invited"
    assert db.session.get(Participant, juergen.id).name == "Jürgen Weiß"
    # He learns of it by email, in German, with his own link; he gets no second invitation.
    messages = outbox()[before:]
    to_juergen = [m for m in messages if m.to_email == "juergen@example.de"]
    assert [m.kind for m in to_juergen] == ["registration_already"]
    told = to_juergen[0]
    assert told.language == "de" and told.ics is None
    assert "Sam Taylor" in told.text_body and f"http://meetings.test/rsvp/{juergen.token}" in told.text_body
    assert told.subject == "Sie stehen bereits auf der Liste: Core Team meeting"
    assert sorted(m.to_email for m in messages) == ["juergen@example.de", "petra@example.de"]


def test_the_mail_to_a_known_colleague_as_the_mail_server_receives_it(manual_app, smtp_server, client, sent):
    from meetings.mail.delivery import deliver_due

    _, people = sent
    deliver_due()
    smtp_server.recorder.wait_for(3)
    assert delegate_as(client, people[2], "Annelies", "annelies@example.nl")[0] == 302
    deliver_due()
    received = smtp_server.recorder.wait_for(4)[3]
    assert received.rcpt_tos == ["annelies@example.nl"]
    message = received.message
    assert [p.get_content_type() for p in message.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert str(message["Subject"]) == "U staat al op de lijst: Core Team meeting"
    text = message.get_payload()[0].get_payload(decode=True).decode()
    html = message.get_payload()[1].get_payload(decode=True).decode()
    assert "Sam Taylor" in text and f"/rsvp/{people[1].token}" in text and f"/rsvp/{people[1].token}" in html


def test_answer_needs_csrf(client, sent):
    _, people = sent
    assert client.post(url(people[2]), data={"status": "accepted"}).status_code == 400


def test_accepting_a_full_meeting_is_refused_and_a_freed_seat_moves_the_waiting_list(client, sent):
    from meetings.events.models import Meeting
    from tests.factories import make_participant

    meeting, people = sent
    db.session.get(Meeting, meeting.id).capacity = 1
    waiting = make_participant(meeting, kind="registrant", status="waiting", waitlist_position=1,
                               name="Wim Wachter", email="wim@example.nl", language="nl")
    db.session.commit()
    assert post_form(client, url(people[2]), {"status": "accepted"}).status_code == 302
    refused = post_form(client, url(people[1]), {"status": "accepted"})
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(Participant, people[1].id).status == "invited"
    # Sam gives his seat up: the first person waiting takes it, and is told.
    assert post_form(client, url(people[2]), {"status": "declined"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Participant, waiting.id).status == "registered"
    assert any(m.to_email == "wim@example.nl" for m in outbox())


def test_the_personal_pages_are_kept_by_no_cache_and_listed_by_no_search_engine(client, sent):
    _, people = sent
    sam = people[2]
    answers = [client.get(url(sam)), post_form(client, url(sam), {"status": "tentative", "comment": ""}),
               client.get(f"{url(sam)}.ics"),
               post_form(client, f"{url(sam)}/delegate", {"colleague_name": "", "colleague_email": "x@example.org"},
                         form_url=url(sam)),
               post_form(client, f"{url(sam)}/delegate", {"colleague_name": "Petra", "colleague_email": "p@example.de"},
                         form_url=url(sam))]
    assert [a.status_code for a in answers] == [200, 302, 200, 422, 302]
    for response in answers:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Robots-Tag"] == "noindex"
    assert "X-Robots-Tag" not in client.get("/events/").headers


def test_the_colleagues_invitation_names_who_sent_them_and_their_message(client, sent):
    _, people = sent
    juergen = people[0]  # of IHK Nord Westfalen, writes in German
    message = "Bitte übernimm <b>das</b> & frag nach dem Protokoll.\nDanke!"
    response = post_form(client, f"{url(juergen)}/delegate",
                         {"colleague_name": "Petra Schulte", "colleague_email": "petra@example.de",
                          "colleague_message": message}, form_url=url(juergen))
    assert response.status_code == 302
    db.session.expire_all()
    colleague = db.session.scalar(db.select(Participant).where(Participant.email == "petra@example.de"))
    assert colleague.delegation_message == message
    [mail] = [m for m in outbox("invitation") if m.to_email == "petra@example.de"]
    assert "Jürgen Weiß (IHK Nord Westfalen) hat Sie gebeten, stellvertretend teilzunehmen." in mail.text_body
    assert message in mail.text_body
    assert '<strong dir="auto">Jürgen Weiß</strong> (<span dir="auto">IHK Nord Westfalen</span>)' in mail.html_body
    assert "übernimm &lt;b&gt;das&lt;/b&gt; &amp; frag nach dem Protokoll.<br>Danke!" in mail.html_body
    assert "<b>das</b>" not in mail.html_body
    # The colleague's own page says the same, escaped.
    page = text_of(client.get(url(colleague)))
    assert "IHK Nord Westfalen" in page and "&lt;b&gt;das&lt;/b&gt; &amp; frag" in page
    assert "<b>das</b>" not in page


def test_a_colleague_sent_without_a_message_is_told_who_sent_them(client, sent):
    _, people = sent
    sam = people[2]  # no organisation
    post_form(client, f"{url(sam)}/delegate", {"colleague_name": "Kim Kelly", "colleague_email": "kim@example.org"},
              form_url=url(sam))
    [mail] = [m for m in outbox("invitation") if m.to_email == "kim@example.org"]
    assert "Sam Taylor asked you to attend in their place." in mail.text_body
    assert "message" not in mail.text_body.lower()
    # Others' invitations name nobody.
    others = [m for m in outbox("invitation") if m.to_email != "kim@example.org"]
    assert others and not any("in their place" in m.text_body or "stellvertretend" in m.text_body for m in others)


def test_a_message_with_control_characters_or_too_long_is_refused(client, sent):
    _, people = sent
    for text in ("Hallo\x07", "x" * 1001):
        response = post_form(client, f"{url(people[2])}/delegate",
                             {"colleague_name": "Kim", "colleague_email": "kim@example.org", "colleague_message": text},
                             form_url=url(people[2]))
        assert response.status_code == 422
        assert 'id="colleague_message-error"' in text_of(response)
    db.session.expire_all()
    assert db.session.get(Participant, people[2].id).status == "invited"


def test_a_colleague_already_on_the_list_is_told_who_sent_them_and_their_message(client, sent):
    _, people = sent
    juergen, annelies = people[0], people[1]  # Annelies is invited already and reads Dutch
    message = "Kun jij <b>gaan</b> & verslag doen?\nDank!"
    response = post_form(client, f"{url(juergen)}/delegate",
                         {"colleague_name": "Annelies", "colleague_email": "annelies@example.nl",
                          "colleague_message": message}, form_url=url(juergen))
    assert response.status_code == 302
    [mail] = [m for m in outbox("registration_already") if m.to_email == "annelies@example.nl"]
    assert mail.language == "nl"
    assert "Jürgen Weiß (IHK Nord Westfalen) heeft ons gevraagd u" in mail.text_body
    assert "Uw bericht:" not in mail.text_body and "Het bericht aan u:\n" + message in mail.text_body
    assert ('<span dir="auto">Jürgen Weiß</span> (<span dir="auto">IHK Nord Westfalen</span>)'
            in mail.html_body)
    assert "Kun jij &lt;b&gt;gaan&lt;/b&gt; &amp; verslag doen?<br>Dank!</blockquote>" in mail.html_body
    assert '<blockquote class="note" dir="auto"' in mail.html_body
    assert "<b>gaan</b>" not in mail.html_body
    assert f"/rsvp/{annelies.token}" in mail.text_body


def test_updates_and_reminders_to_a_colleague_repeat_who_sent_them(client, sent):
    from meetings.events.models import Meeting

    meeting, people = sent
    juergen, sam = people[0], people[2]
    message = "Bitte übernimm <b>das</b>."
    post_form(client, f"{url(juergen)}/delegate",
              {"colleague_name": "Petra Schulte", "colleague_email": "petra@example.de", "colleague_message": message},
              form_url=url(juergen))
    post_form(client, f"{url(sam)}/delegate", {"colleague_name": "Kim Kelly", "colleague_email": "kim@example.org"},
              form_url=url(sam))
    meeting = db.session.get(Meeting, meeting.id)
    meeting.description = "Now with a lab tour."
    services.send_update(meeting, "Lab tour added.")
    db.session.commit()
    services.remind(db.session.get(Meeting, meeting.id))
    db.session.commit()
    for kind in ("update", "reminder"):
        mails = {m.to_email: m for m in outbox(kind)}
        petra, kim = mails["petra@example.de"], mails["kim@example.org"]
        assert "Jürgen Weiß (IHK Nord Westfalen) hat Sie gebeten, stellvertretend teilzunehmen." in petra.text_body
        assert "Die Nachricht an Sie:\n" + message in petra.text_body
        assert ('<p class="sent-by"><strong dir="auto">Jürgen Weiß</strong> (<span dir="auto">IHK Nord Westfalen'
                '</span>) hat Sie gebeten, stellvertretend teilzunehmen.</p>') in petra.html_body
        assert "übernimm &lt;b&gt;das&lt;/b&gt;.</blockquote>" in petra.html_body and "<b>das</b>" not in petra.html_body
        assert "Sam Taylor asked you to attend in their place." in kim.text_body
        assert "message to you" not in kim.text_body
        # Nobody else is told of a delegation that is not theirs.
        others = [m for address, m in mails.items() if address not in ("petra@example.de", "kim@example.org")]
        assert others and not any("in their place." in m.text_body or "stellvertretend teilzunehmen" in m.text_body
                                  for m in others), kind


def test_the_page_after_sending_a_colleague_says_so_once_in_the_invitees_language(client, sent):
    _, people = sent
    annelies = people[1]  # reads Dutch
    response = post_form(client, f"{url(annelies)}/delegate",
                         {"colleague_name": "Bas Bakker", "colleague_email": "bas@example.nl"}, form_url=url(annelies))
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert page.count("U hebt een collega in uw plaats gestuurd.") == 1
    assert "You have sent a colleague" not in page
