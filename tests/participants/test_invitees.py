"""Invitees: contacts, whole groups and whole organisations become one participant per person."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.participants.models import Participant
from meetings.participants.services import contacts_for, invite_contacts
from tests.factories import make_contact, make_group, make_meeting, make_organisation, make_participant
from tests.helpers import count_queries, post_form, text_of


def url(meeting) -> str:
    return f"/manage/meetings/{meeting.id}/invitees"


def invitees_of(meeting) -> list[Participant]:
    db.session.expire_all()
    return list(db.session.scalars(select(Participant).where(Participant.meeting_id == meeting.id)
                                   .order_by(Participant.name)))


@pytest.fixture
def network(app):
    twente = make_organisation(name="University of Twente", country="NL")
    ihk = make_organisation(name="IHK Nord Westfalen", country="DE")
    anna = make_contact(name="Anna de Vries", email="anna@utwente.example", language="nl", organisation=twente)
    bert = make_contact(name="Bert Jansen", email="bert@utwente.example", language="en", organisation=twente)
    clara = make_contact(name="Clara Müller", email="clara@ihk.example", language="de", organisation=ihk)
    dirk = make_contact(name="Dirk Schulte", email="dirk@ihk.example", language="de", organisation=ihk)
    eva = make_contact(name="Eva Free", email="eva@example.org", language="en")
    core = make_group(name="Core Team", members=[anna, clara, eva])
    return {"twente": twente, "ihk": ihk, "anna": anna, "bert": bert, "clara": clara, "dirk": dirk, "eva": eva,
            "core": core}


def test_anonymous_visitor_is_sent_to_login(client):
    meeting = make_meeting()
    assert "/login" in client.get(url(meeting)).headers["Location"]


def test_page_lists_contacts_groups_and_organisations(organiser_client, network):
    html = text_of(organiser_client.get(url(make_meeting())))
    assert "Anna de Vries" in html and "Core Team (3 people)" in html and "IHK Nord Westfalen" in html
    assert 'name="contacts"' in html and 'name="groups"' in html and 'name="organisations"' in html
    assert "Nobody is on the list yet." in html


def test_filter_narrows_the_contacts(organiser_client, network):
    meeting = make_meeting()
    html = text_of(organiser_client.get(url(meeting) + "?q=ihk"))
    assert "Clara Müller" in html and "Dirk Schulte" in html
    assert "Bert Jansen" not in html
    assert "Anna de Vries" in text_of(organiser_client.get(url(meeting) + "?q=ANNA"))
    assert "No contacts match." in text_of(organiser_client.get(url(meeting) + "?q=%25_nobody"))
    # A NUL byte (which PostgreSQL refuses in a query) is a message, not an error page.
    response = organiser_client.get(url(meeting) + "?q=a%00b")
    assert response.status_code == 200 and "Line breaks and control characters are not allowed here." in text_of(response)


def test_invite_contacts_copies_their_details(organiser_client, network):
    meeting = make_meeting()
    response = post_form(organiser_client, url(meeting), {"contacts": [str(network["clara"].id), str(network["eva"].id)]})
    assert response.status_code == 302
    people = invitees_of(meeting)
    assert [(p.name, p.email, p.language, p.kind, p.status) for p in people] == [
        ("Clara Müller", "clara@ihk.example", "de", "invitee", "invited"),
        ("Eva Free", "eva@example.org", "en", "invitee", "invited"),
    ]
    assert people[0].organisation_id == network["ihk"].id and people[0].contact_id == network["clara"].id
    assert people[0].organisation_name == "IHK Nord Westfalen" and people[1].organisation_id is None
    html = text_of(organiser_client.get(response.headers["Location"]))
    assert "Added to the list: 2. Already on the list: 0." in html
    assert "Nothing has been sent yet: send the invitations when the list is ready." in html
    assert "IHK Nord Westfalen" in html and "Deutsch" in html


def test_groups_and_organisations_expand_to_people_without_duplicates(organiser_client, network):
    meeting = make_meeting()
    make_participant(meeting, network["anna"])  # already invited
    response = post_form(organiser_client, url(meeting), {
        "groups": [str(network["core"].id)],
        "organisations": [str(network["twente"].id), str(network["ihk"].id)],
        "contacts": [str(network["clara"].id)],
    })
    assert response.status_code == 302
    names = [p.name for p in invitees_of(meeting)]
    assert names == ["Anna de Vries", "Bert Jansen", "Clara Müller", "Dirk Schulte", "Eva Free"]
    assert "Added to the list: 4. Already on the list: 1." in text_of(organiser_client.get(response.headers["Location"]))
    # Asking again adds nobody.
    again = post_form(organiser_client, url(meeting), {"groups": [str(network["core"].id)]})
    assert "Added to the list: 0. Already on the list: 3." in text_of(organiser_client.get(again.headers["Location"]))
    assert len(invitees_of(meeting)) == 5


def test_a_registrant_with_the_same_email_is_not_invited_again(app, network):
    meeting = make_meeting()
    make_participant(meeting, email="ANNA@utwente.example", name="Anna", kind="registrant", status="registered")
    result = invite_contacts(meeting, contacts_for(contact_ids=[network["anna"].id, network["bert"].id]))
    db.session.commit()
    assert (len(result.added), result.already) == (1, 1)


def test_contacts_for_expands_each_person_once(app, network):
    people = contacts_for(contact_ids=[network["anna"].id], groups=[network["core"].id],
                          organisations=[network["twente"].id])
    assert [c.name for c in people] == ["Anna de Vries", "Bert Jansen", "Clara Müller", "Eva Free"]
    assert contacts_for() == []


@pytest.mark.parametrize("data,message", [
    ({}, "Choose at least one contact, group or organisation."),
    ({"contacts": "abc"}, "Invalid choice(s)"),
    ({"contacts": "99999999999999999999"}, "Choose at least one contact, group or organisation."),
    ({"groups": "1; DROP TABLE"}, "Invalid choice(s)"),
])
def test_invalid_choice_is_refused(organiser_client, network, data, message):
    meeting = make_meeting()
    response = post_form(organiser_client, url(meeting), data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert invitees_of(meeting) == []


def test_remove_invitee_asks_first(organiser_client, network):
    meeting = make_meeting()
    anna = make_participant(meeting, network["anna"])
    make_participant(meeting, network["bert"])
    remove = f"{url(meeting)}/{anna.id}/remove"
    # The list links to a confirmation page; opening it changes nothing.
    assert f'href="{remove}"' in text_of(organiser_client.get(url(meeting)))
    page = organiser_client.get(remove)
    assert page.status_code == 200
    assert "Remove Anna de Vries from the list?" in text_of(page)
    assert "was not invited yet: nothing is sent" in text_of(page)
    # A POST without the confirmation (an old one-click form, a replay) only asks again.
    again = post_form(organiser_client, remove, form_url=remove)
    assert again.status_code == 200 and "Yes, remove Anna de Vries" in text_of(again)
    assert len(invitees_of(meeting)) == 2
    response = post_form(organiser_client, remove, {"confirm": "yes"}, form_url=remove)
    assert response.status_code == 303
    assert [p.name for p in invitees_of(meeting)] == ["Bert Jansen"]
    assert "Anna de Vries is no longer invited." in text_of(organiser_client.get(response.headers["Location"]))


def test_remove_without_a_csrf_token_is_refused(organiser_client, network):
    meeting = make_meeting()
    anna = make_participant(meeting, network["anna"])
    response = organiser_client.post(f"{url(meeting)}/{anna.id}/remove", data={"confirm": "yes"})
    assert response.status_code == 400
    assert len(invitees_of(meeting)) == 1


def test_badges_tell_listed_from_invited(organiser_client, network):
    from meetings.core.types import utcnow

    meeting = make_meeting()
    make_participant(meeting, network["anna"])
    make_participant(meeting, network["bert"], invited_at=utcnow())
    make_participant(meeting, network["clara"], invited_at=utcnow(), status="accepted")
    html = text_of(organiser_client.get(url(meeting)))
    rows = {name: html[html.index(name):html.index("</tr>", html.index(name))]
            for name in ("Anna de Vries", "Bert Jansen", "Clara Müller")}
    assert "On the list, not yet invited" in rows["Anna de Vries"] and "Invited" not in rows["Anna de Vries"]
    assert "Invited, no answer yet" in rows["Bert Jansen"]
    assert "Accepted" in rows["Clara Müller"]
    assert "3 people on the list; 2 invitations sent." in html
    assert "1 person on the list is not invited yet." in html
    assert "Send 1 invitation" in html


def test_invitations_are_sent_from_the_invitees_page(organiser_client, network):
    from meetings.mail.models import OutboxMessage

    meeting = make_meeting(title="Core Team meeting")
    post_form(organiser_client, url(meeting), {"groups": [str(network["core"].id)]})
    html = text_of(organiser_client.get(url(meeting)))
    assert html.count("On the list, not yet invited") == 3 and "Send 3 invitations" in html
    response = post_form(organiser_client, f"{url(meeting)}/send", form_url=url(meeting))
    assert response.status_code == 303 and response.headers["Location"].endswith(url(meeting))
    people = invitees_of(meeting)
    assert all(p.invited_at is not None and p.sent_sequence == meeting.sequence for p in people)
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id)).all()
    assert sorted(m.to_email for m in messages) == sorted(p.email for p in people)
    after = text_of(organiser_client.get(url(meeting)))
    assert "3 invitations queued." in after
    assert after.count("Invited, no answer yet") == 3 and "On the list, not yet invited" not in after
    assert "Everyone on the list is already invited." in after and "/send" not in after


@pytest.mark.parametrize("status,message", [
    ("draft", "Publish the meeting before sending invitations."),
    ("cancelled", "The meeting is cancelled."),
])
def test_no_sending_is_offered_when_the_server_would_refuse_it(organiser_client, network, status, message):
    meeting = make_meeting(status=status)
    make_participant(meeting, network["anna"])
    html = text_of(organiser_client.get(url(meeting)))
    assert message in html
    assert f"{url(meeting)}/send" not in html and "Send 1 invitation" not in html
    # And if sent anyway, the service refuses it with the same words.
    response = post_form(organiser_client, f"{url(meeting)}/send", form_url=url(meeting))
    assert response.status_code == 303
    assert message in text_of(organiser_client.get(response.headers["Location"]))
    assert invitees_of(meeting)[0].invited_at is None


def test_invitee_of_another_meeting_cannot_be_removed_here(organiser_client, network):
    meeting, other = make_meeting(), make_meeting()
    anna = make_participant(other, network["anna"])
    response = post_form(organiser_client, f"{url(meeting)}/{anna.id}/remove", form_url=url(meeting))
    assert response.status_code == 404
    assert len(invitees_of(other)) == 1


def queries_for(client, path) -> int:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_invitee_pages_use_a_constant_number_of_queries(organiser_client):
    small, large = make_meeting(), make_meeting()
    for meeting, n in ((small, 3), (large, 40)):
        organisation = make_organisation()
        for _ in range(n):
            make_participant(meeting, make_contact(organisation=organisation))
    queries_for(organiser_client, url(small))  # the first request loads things once per app
    assert queries_for(organiser_client, url(small)) == queries_for(organiser_client, url(large))
    assert queries_for(organiser_client, f"/manage/meetings/{small.id}") == \
        queries_for(organiser_client, f"/manage/meetings/{large.id}")
    assert queries_for(organiser_client, "/manage/meetings/") <= 12


def test_out_of_range_invitee_id_is_404(organiser_client):
    meeting = make_meeting()
    response = post_form(organiser_client, f"{url(meeting)}/99999999999999999999/remove", form_url=url(meeting))
    assert response.status_code == 404
