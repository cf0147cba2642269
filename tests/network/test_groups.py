"""Groups of contacts: organiser CRUD through real form posts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from meetings.extensions import db
from meetings.network.models import Contact, Group
from tests.factories import make_contact, make_group, make_organisation
from tests.helpers import post_form, text_of
from tests.network.conftest import count


def test_form_lists_contacts_with_their_organisation(organiser_client):
    ut = make_organisation(name="University of Twente")
    make_contact(name="Anna de Vries", organisation=ut)
    make_contact(name="Freelance Fred")
    html = text_of(organiser_client.get("/manage/groups/new"))
    assert 'type="checkbox"' in html
    assert "Anna de Vries (University of Twente)" in html
    assert ">Freelance Fred</label>" in html


def test_create_group_with_members(organiser_client):
    anna, jonas = make_contact(name="Anna"), make_contact(name="Jonas")
    make_contact(name="Not chosen")
    response = post_form(organiser_client, "/manage/groups/new", {
        "name": "Core Team", "description": "The partners' delegates.", "member_ids": [str(anna.id), str(jonas.id)]})
    assert response.status_code == 302
    group = db.session.scalar(select(Group))
    assert response.headers["Location"].endswith(f"/manage/groups/{group.id}")
    assert group.name == "Core Team" and group.description == "The partners' delegates."
    assert sorted(c.name for c in group.members) == ["Anna", "Jonas"]


def test_list_shows_member_counts(organiser_client):
    make_group(name="Core Team", members=[make_contact(), make_contact(), make_contact()])
    make_group(name="Empty group")
    html = text_of(organiser_client.get("/manage/groups/"))
    assert "Core Team</a></td>\n    <td>3</td>" in html
    assert "Empty group</a></td>\n    <td>0</td>" in html


def test_group_page_lists_its_members(organiser_client):
    ihk = make_organisation(name="IHK Nord Westfalen")
    member = make_contact(name="Jonas Becker", email="jonas@ihk.example", organisation=ihk, language="de")
    make_contact(name="Outsider")
    group = make_group(name="Core Team", members=[member])
    html = text_of(organiser_client.get(f"/manage/groups/{group.id}"))
    assert "Jonas Becker" in html and "jonas@ihk.example" in html and "IHK Nord Westfalen" in html
    assert "Deutsch" in html and "1 member" in html
    assert "Outsider" not in html


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Please enter the name of the group."),
    ("name", "x" * 121, "Field cannot be longer than 120 characters."),
    ("name", "core TEAM", "There is already a group with this name."),
    ("name", "Board\x00", "Line breaks and control characters are not allowed here."),
    ("description", "x" * 4001, "Field cannot be longer than 4000 characters."),
    ("member_ids", "9999", "Please choose members from the list."),
    ("member_ids", "abc", "Invalid choice(s): one or more data inputs could not be coerced."),
])
def test_invalid_group_is_refused_at_the_field(organiser_client, field, value, message):
    make_group(name="Core Team")
    make_contact()
    response = post_form(organiser_client, "/manage/groups/new", {"name": "Board", field: value})
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html
    assert message in html
    assert count(Group) == 1


def test_edit_group_changes_members_and_keeps_its_own_name(organiser_client):
    anna, jonas = make_contact(name="Anna"), make_contact(name="Jonas")
    group = make_group(name="Core Team", members=[anna])
    html = text_of(organiser_client.get(f"/manage/groups/{group.id}/edit"))
    assert f'<input checked id="member_ids-0" name="member_ids" type="checkbox" value="{anna.id}">' in html
    response = post_form(organiser_client, f"/manage/groups/{group.id}/edit",
                         {"name": "CORE TEAM", "member_ids": [str(jonas.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Group, group.id)
    assert saved.name == "CORE TEAM" and [c.name for c in saved.members] == ["Jonas"]


def test_edit_to_the_name_of_another_group_is_refused(organiser_client):
    make_group(name="Board")
    group = make_group(name="Core Team")
    response = post_form(organiser_client, f"/manage/groups/{group.id}/edit", {"name": "board"})
    assert response.status_code == 422
    assert "There is already a group with this name." in text_of(response)


def test_delete_group_keeps_its_members_as_contacts(organiser_client):
    group = make_group(members=[make_contact(), make_contact()])
    response = post_form(organiser_client, f"/manage/groups/{group.id}/delete", form_url=f"/manage/groups/{group.id}")
    assert response.status_code == 302
    assert count(Group) == 0 and count(Contact) == 2


def test_unknown_group_is_404(organiser_client):
    assert organiser_client.get("/manage/groups/9999").status_code == 404
    assert organiser_client.get("/manage/groups/9999/edit").status_code == 404


def test_post_without_csrf_token_is_refused(organiser_client):
    group = make_group()
    assert organiser_client.post("/manage/groups/new", data={"name": "Board"}).status_code == 400
    assert organiser_client.post(f"/manage/groups/{group.id}/delete").status_code == 400
    assert count(Group) == 1
