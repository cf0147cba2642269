"""Organisations: organiser CRUD through real form posts."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from meetings.extensions import db
from meetings.network.models import Contact, Group, Organisation
from meetings.participants.models import Participant
from tests.factories import make_contact, make_group, make_meeting, make_organisation, make_participant
from tests.helpers import post_form, text_of
from tests.network.conftest import count

VALID = {
    "name": "University of Twente",
    "short_name": "UT",
    "country": "NL",
    "kind": "university",
    "website": "https://www.utwente.nl/",
    "description": "Technical university in Enschede.",
    "is_public": "y",
}

MANAGE_PAGES = [
    "/manage/organisations/", "/manage/organisations/new", "/manage/organisations/1",
    "/manage/contacts/", "/manage/contacts/new", "/manage/contacts/1", "/manage/contacts/import",
    "/manage/groups/", "/manage/groups/new", "/manage/groups/1", "/manage/groups/1/edit",
]
MANAGE_POSTS = [
    "/manage/organisations/1/delete", "/manage/contacts/1/delete", "/manage/groups/1/delete",
    "/manage/contacts/import/confirm",
]


@pytest.mark.parametrize("url", MANAGE_PAGES)
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", MANAGE_POSTS)
def test_anonymous_post_is_sent_to_login(client, url):
    make_organisation()
    make_contact()
    make_group()
    response = post_form(client, url, {"payload": "x"}, form_url="/login")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert (count(Organisation), count(Contact), count(Group)) == (1, 1, 1)


def test_form_has_translated_kind_and_country_labels(organiser_client):
    html = text_of(organiser_client.get("/manage/organisations/new"))
    for label in ("Chamber of commerce", "Development agency", "University of applied sciences",
                  "Research institute", "Company", "Other organisation",
                  "Netherlands", "Germany", "Belgium", "Other country"):
        assert label in html
    assert 'for="name"' in html and 'for="is_public"' in html


def test_create_organisation(organiser_client):
    response = post_form(organiser_client, "/manage/organisations/new", VALID)
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation))
    assert (org.name, org.short_name, org.country, org.kind) == ("University of Twente", "UT", "NL", "university")
    assert org.website == "https://www.utwente.nl/" and org.is_public is True
    assert org.description == "Technical university in Enschede."


def test_unchecked_box_makes_organisation_private(organiser_client):
    data = {key: value for key, value in VALID.items() if key != "is_public"}
    assert post_form(organiser_client, "/manage/organisations/new", data).status_code == 302
    assert db.session.scalar(select(Organisation)).is_public is False


def test_list_shows_country_kind_contact_count_and_public(organiser_client):
    ihk = make_organisation(name="IHK Nord Westfalen", country="DE", kind="chamber", is_public=True)
    make_organisation(name="Hidden Partner BV", country="BE", kind="company", is_public=False)
    make_contact(organisation=ihk)
    make_contact(organisation=ihk)
    html = text_of(organiser_client.get("/manage/organisations/"))
    assert "IHK Nord Westfalen" in html and "Hidden Partner BV" in html
    assert "Germany" in html and "Chamber of commerce" in html
    assert "Belgium" in html and "Company" in html
    assert f'href="/manage/contacts/?organisation={ihk.id}">2</a>' in html
    assert "Shown on the Network page" in html and "Not public" in html


def test_partner_mark_on_the_form_and_in_the_list(organiser_client):
    form = text_of(organiser_client.get("/manage/organisations/new"))
    assert '<label for="is_partner">Partner of the cluster</label>' in form
    assert post_form(organiser_client, "/manage/organisations/new", {**VALID, "is_partner": "y"}).status_code == 302
    other = {**VALID, "name": "Known Company BV"}
    assert post_form(organiser_client, "/manage/organisations/new", other).status_code == 302
    marks = dict(db.session.execute(select(Organisation.name, Organisation.is_partner)).all())
    assert marks == {"University of Twente": True, "Known Company BV": False}
    html = text_of(organiser_client.get("/manage/organisations/"))
    assert '<th scope="col">Partner</th>' in html
    assert html.count("<td>Partner of the cluster</td>") == 1
    assert '<span class="muted">Not a partner</span>' in html
    # Unticking the box on the edit form takes the mark away.
    twente = db.session.scalar(select(Organisation).where(Organisation.name == "University of Twente"))
    url = f"/manage/organisations/{twente.id}"
    assert re.search(r'<input [^>]*\bchecked id="is_partner"', text_of(organiser_client.get(url)))
    assert post_form(organiser_client, url, VALID).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, twente.id).is_partner is False


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Please enter the name of the organisation."),
    ("name", "x" * 201, "Field cannot be longer than 200 characters."),
    ("name", "Oost\nNL", "Line breaks and control characters are not allowed here."),
    ("name", "saxion mechatronics", "There is already an organisation with this name."),
    ("name", "  SAXION MECHATRONICS ", "There is already an organisation with this name."),
    ("short_name", "x" * 61, "Field cannot be longer than 60 characters."),
    ("country", "FR", "Not a valid choice."),
    ("kind", "club", "Not a valid choice."),
    ("website", "not a link", "Please enter a full web address starting with https://."),
    ("website", "javascript://example.org/%0Aalert(1)", "Please enter a full web address starting with https://."),
    ("website", "ftp://example.org/", "Please enter a full web address starting with https://."),
    ("description", "x" * 4001, "Field cannot be longer than 4000 characters."),
])
def test_invalid_organisation_is_refused_at_the_field(organiser_client, field, value, message):
    make_organisation(name="Saxion Mechatronics")
    response = post_form(organiser_client, "/manage/organisations/new", {**VALID, field: value})
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html
    assert message in html
    assert count(Organisation) == 1


def test_edit_organisation_keeps_its_own_name_and_may_change_its_case(organiser_client):
    org = make_organisation(name="Oost NL")
    response = post_form(organiser_client, f"/manage/organisations/{org.id}", {**VALID, "name": "OOST NL", "kind": "agency"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Organisation, org.id)
    assert saved.name == "OOST NL" and saved.kind == "agency"


def test_edit_to_the_name_of_another_organisation_is_refused(organiser_client):
    make_organisation(name="WFG Borken")
    org = make_organisation(name="Oost NL")
    response = post_form(organiser_client, f"/manage/organisations/{org.id}", {**VALID, "name": "wfg borken"})
    assert response.status_code == 422
    assert "There is already an organisation with this name." in text_of(response)
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).name == "Oost NL"


def test_edit_page_lists_the_contacts(organiser_client):
    org = make_organisation(name="FH Münster")
    make_contact(name="Jonas Becker", organisation=org)
    html = text_of(organiser_client.get(f"/manage/organisations/{org.id}"))
    assert "Jonas Becker" in html and 'value="FH Münster"' in html


def test_unknown_organisation_is_404(organiser_client):
    assert organiser_client.get("/manage/organisations/9999").status_code == 404
    assert post_form(organiser_client, "/manage/organisations/9999/delete",
                     form_url="/manage/organisations/").status_code == 404


def test_delete_organisation_without_contacts(organiser_client):
    org = make_organisation()
    meeting = make_meeting()
    registrant = make_participant(meeting, email="guest@example.org", name="Guest", kind="registrant",
                                  organisation_id=org.id, organisation_name=org.name)
    response = post_form(organiser_client, f"/manage/organisations/{org.id}/delete",
                         form_url=f"/manage/organisations/{org.id}")
    assert response.status_code == 302
    assert count(Organisation) == 0
    db.session.expire_all()
    kept = db.session.get(Participant, registrant.id)
    assert kept.organisation_id is None and kept.organisation_name == org.name


def test_organisation_with_contacts_is_kept(organiser_client):
    org = make_organisation(name="Oost NL")
    make_contact(organisation=org)
    response = post_form(organiser_client, f"/manage/organisations/{org.id}/delete",
                         form_url=f"/manage/organisations/{org.id}")
    assert response.status_code == 303
    assert count(Organisation) == 1
    assert "still has contacts" in text_of(organiser_client.get(response.headers["Location"]))


def test_post_without_csrf_token_is_refused(organiser_client):
    org = make_organisation()
    assert organiser_client.post("/manage/organisations/new", data=VALID).status_code == 400
    assert organiser_client.post(f"/manage/organisations/{org.id}/delete").status_code == 400
    assert count(Organisation) == 1


def test_duplicate_name_slipping_past_the_check_is_still_refused_at_the_field(organiser_client, monkeypatch):
    # Two organisers saving the same name at once: the database constraint answers, not a 500.
    make_organisation(name="Oost NL")
    monkeypatch.setattr("meetings.network.forms.services.organisation_by_name", lambda name: None)
    response = post_form(organiser_client, "/manage/organisations/new", {**VALID, "name": "Oost NL"})
    assert response.status_code == 422
    assert 'id="name-error"' in text_of(response)
    assert count(Organisation) == 1
