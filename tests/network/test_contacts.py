"""Contacts: organiser CRUD, search and filters through real form posts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from meetings.extensions import db
from meetings.network.models import Contact, Group
from meetings.participants.models import Participant
from tests.factories import make_contact, make_group, make_meeting, make_organisation, make_participant
from tests.helpers import post_form, text_of
from tests.network.conftest import count


def valid(**overrides) -> dict:
    data = {"name": "Anna de Vries", "email": "Anna.de.Vries@OostNL.example", "organisation_id": "",
            "language": "nl", "job_title": "Innovation advisor"}
    data.update(overrides)
    return data


def test_form_lists_organisations_languages_and_groups(organiser_client):
    make_organisation(name="Oost NL")
    make_group(name="Core Team")
    html = text_of(organiser_client.get("/manage/contacts/new"))
    assert "Oost NL" in html and "(no organisation)" in html
    assert "Nederlands" in html and "Deutsch" in html and "English" in html
    assert 'type="checkbox"' in html and "Core Team" in html
    for name in ("name", "email", "organisation_id", "language", "job_title"):
        assert f'for="{name}"' in html


def test_create_contact(organiser_client):
    org = make_organisation(name="Oost NL")
    core = make_group(name="Core Team")
    make_group(name="Board")
    response = post_form(organiser_client, "/manage/contacts/new",
                         valid(organisation_id=str(org.id), group_ids=[str(core.id)]))
    assert response.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact.email == "anna.de.vries@oostnl.example"  # stored lower-case
    assert (contact.name, contact.language, contact.job_title) == ("Anna de Vries", "nl", "Innovation advisor")
    assert contact.organisation_id == org.id
    assert [g.name for g in contact.groups] == ["Core Team"]


def test_contact_without_organisation(organiser_client):
    assert post_form(organiser_client, "/manage/contacts/new", valid()).status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact.organisation_id is None and contact.groups == []


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Please enter the name of the contact."),
    ("name", "x" * 201, "Field cannot be longer than 200 characters."),
    ("name", "Anna\r\nBcc: x@example.org", "Line breaks and control characters are not allowed here."),
    ("email", "", "Please enter an email address."),
    ("email", "anna@", "Please enter a valid email address, such as name@example.org."),
    ("email", "anna@oostnl.example\nBcc: x@example.org", "Line breaks and control characters are not allowed here."),
    ("email", "TAKEN@Example.org", "There is already a contact with this email address."),
    ("organisation_id", "9999", "Please choose an organisation from the list."),
    ("organisation_id", "abc", "Invalid Choice: could not coerce."),
    ("language", "fr", "Not a valid choice."),
    ("job_title", "x" * 201, "Field cannot be longer than 200 characters."),
    ("group_ids", "9999", "Please choose groups from the list."),
])
def test_invalid_contact_is_refused_at_the_field(organiser_client, field, value, message):
    make_contact(email="taken@example.org")
    response = post_form(organiser_client, "/manage/contacts/new", valid(**{field: value}))
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html
    assert message in html
    assert count(Contact) == 1


def test_edit_contact_keeps_its_own_email_and_sets_groups(organiser_client):
    old, new = make_group(name="Old group"), make_group(name="New group")
    contact = make_contact(email="jonas@fh-muenster.example", language="de")
    contact.groups = [old]
    db.session.commit()
    html = text_of(organiser_client.get(f"/manage/contacts/{contact.id}"))
    assert f'<input checked id="group_ids-1" name="group_ids" type="checkbox" value="{old.id}">' in html
    assert f'<input id="group_ids-0" name="group_ids" type="checkbox" value="{new.id}">' in html
    response = post_form(organiser_client, f"/manage/contacts/{contact.id}",
                         valid(name="Jonas Becker", email="JONAS@fh-muenster.example", language="de",
                               group_ids=[str(new.id)]))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Contact, contact.id)
    assert saved.name == "Jonas Becker" and saved.email == "jonas@fh-muenster.example"
    assert [g.name for g in saved.groups] == ["New group"]


def test_unticking_every_group_removes_the_memberships(organiser_client):
    group = make_group(name="Core Team")
    contact = make_contact()
    group.members = [contact]
    db.session.commit()
    response = post_form(organiser_client, f"/manage/contacts/{contact.id}", valid(email=contact.email))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Group, group.id).members == []


def test_edit_to_the_email_of_another_contact_is_refused(organiser_client):
    make_contact(email="first@example.org")
    second = make_contact(email="second@example.org")
    response = post_form(organiser_client, f"/manage/contacts/{second.id}", valid(email="First@Example.org"))
    assert response.status_code == 422
    assert 'id="email-error"' in text_of(response)
    db.session.expire_all()
    assert db.session.get(Contact, second.id).email == "second@example.org"


def test_delete_contact_keeps_group_and_meeting_list(organiser_client):
    group = make_group(name="Core Team")
    contact = make_contact(name="Lotte Jansen", email="lotte@saxion.example")
    group.members = [contact]
    db.session.commit()
    participant = make_participant(make_meeting(), contact)
    response = post_form(organiser_client, f"/manage/contacts/{contact.id}/delete",
                         form_url=f"/manage/contacts/{contact.id}")
    assert response.status_code == 302
    assert count(Contact) == 0 and count(Group) == 1
    db.session.expire_all()
    kept = db.session.get(Participant, participant.id)
    assert kept.contact_id is None and kept.email == "lotte@saxion.example"


def test_unknown_contact_is_404(organiser_client):
    assert organiser_client.get("/manage/contacts/9999").status_code == 404


def test_post_without_csrf_token_is_refused(organiser_client):
    contact = make_contact()
    assert organiser_client.post("/manage/contacts/new", data=valid()).status_code == 400
    assert organiser_client.post(f"/manage/contacts/{contact.id}/delete").status_code == 400
    assert count(Contact) == 1


# --- list, search and filters ------------------------------------------------------------

@pytest.fixture
def network():
    oost = make_organisation(name="Oost NL", short_name="ONL")
    ihk = make_organisation(name="IHK Nord Westfalen", short_name="IHK", country="DE", kind="chamber")
    people = {
        "anna": make_contact(name="Anna de Vries", email="anna@oostnl.example", organisation=oost, language="nl"),
        "jonas": make_contact(name="Jonas Becker", email="jonas.becker@ihk.example", organisation=ihk, language="de"),
        "maria": make_contact(name="Maria Schulz", email="m.schulz@ihk.example", organisation=ihk, language="en"),
        "percent": make_contact(name="Pieter 100% Smit", email="pieter@example.org", language="nl"),
    }
    return {"oost": oost, "ihk": ihk, **people}


def names_listed(client, query: str) -> set[str]:
    html = text_of(client.get(f"/manage/contacts/?{query}"))
    return {name for name in ("Anna de Vries", "Jonas Becker", "Maria Schulz", "Pieter 100% Smit") if name in html}


@pytest.mark.parametrize("query,expected", [
    ("", {"Anna de Vries", "Jonas Becker", "Maria Schulz", "Pieter 100% Smit"}),
    ("q=anna", {"Anna de Vries"}),
    ("q=BECKER", {"Jonas Becker"}),
    ("q=schulz%40ihk", {"Maria Schulz"}),
    ("q=anna%40ihk", set()),
    ("q=m.schulz", {"Maria Schulz"}),
    ("q=westfalen", {"Jonas Becker", "Maria Schulz"}),
    ("q=ONL", {"Anna de Vries"}),
    ("q=100%25", {"Pieter 100% Smit"}),
    ("q=_", set()),
    ("language=nl", {"Anna de Vries", "Pieter 100% Smit"}),
    ("language=de", {"Jonas Becker"}),
    ("q=ihk&language=en", {"Maria Schulz"}),
    ("language=xx", {"Anna de Vries", "Jonas Becker", "Maria Schulz", "Pieter 100% Smit"}),
    ("organisation=abc", {"Anna de Vries", "Jonas Becker", "Maria Schulz", "Pieter 100% Smit"}),
    ("organisation=9999", {"Anna de Vries", "Jonas Becker", "Maria Schulz", "Pieter 100% Smit"}),
])
def test_search_and_filters(organiser_client, network, query, expected):
    assert names_listed(organiser_client, query) == expected


def test_filter_by_organisation(organiser_client, network):
    assert names_listed(organiser_client, f"organisation={network['ihk'].id}") == {"Jonas Becker", "Maria Schulz"}
    assert names_listed(organiser_client, f"organisation={network['ihk'].id}&q=jonas") == {"Jonas Becker"}


def test_filter_form_keeps_the_chosen_values(organiser_client, network):
    html = text_of(organiser_client.get(f"/manage/contacts/?q=becker&organisation={network['ihk'].id}&language=de"))
    assert 'value="becker"' in html
    assert f'<option selected value="{network["ihk"].id}">IHK Nord Westfalen</option>' in html
    assert '<option selected value="de">Deutsch</option>' in html
    assert "csrf_token" not in html.split('role="search"')[1].split("</form>")[0]


def test_no_match_says_so(organiser_client, network):
    assert "No contacts match the search." in text_of(organiser_client.get("/manage/contacts/?q=nobody"))


def test_list_pages_through_many_contacts(organiser_client):
    for n in range(55):
        make_contact(name=f"Person {n:02d}", email=f"person{n:02d}@example.org")
    first = text_of(organiser_client.get("/manage/contacts/"))
    assert "Person 00" in first and "Person 49" in first and "Person 50" not in first
    assert "55 contacts" in first and "Page 1 of 2" in first
    second = text_of(organiser_client.get("/manage/contacts/?page=2"))
    assert "Person 54" in second and "Person 00" not in second


def test_edit_form_shows_the_saved_values(organiser_client):
    org = make_organisation(name="Saxion")
    contact = make_contact(name="Lotte Jansen", email="lotte@saxion.example", organisation=org, language="nl",
                           job_title="Lector")
    html = text_of(organiser_client.get(f"/manage/contacts/{contact.id}"))
    assert f'<option selected value="{org.id}">Saxion</option>' in html
    assert '<option selected value="nl">Nederlands</option>' in html
    assert 'value="lotte@saxion.example"' in html and 'value="Lector"' in html
