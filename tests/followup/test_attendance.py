"""Recording who came: check-in, walk-ins, counts with their chart, the sign-in sheet."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from meetings.extensions import db
from meetings.participants.models import Participant
from tests import factories
from tests.followup.scenario import make_held_meeting
from tests.helpers import post_form, text_of


@pytest.fixture
def held(app):
    return make_held_meeting()


def url(held, suffix=""):
    return f"/manage/meetings/{held.meeting.id}/record{suffix}"


@pytest.mark.parametrize("suffix", ["", "/minutes", "/sheet"])
def test_recording_pages_need_an_organiser(client, held, suffix):
    response = client.get(url(held, suffix))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("suffix", ["", "/minutes", "/sheet"])
def test_unknown_meeting_is_404(organiser_client, suffix):
    assert organiser_client.get(f"/manage/meetings/9999/record{suffix}").status_code == 404


@pytest.mark.parametrize("status,listed", [
    ("declined", False), ("cancelled", False), ("delegated", False), ("waiting", False), ("pending", False),
    ("invited", True), ("tentative", True), ("registered", True),
])
def test_checkin_list_shows_everyone_expected(organiser_client, held, status, listed):
    other = factories.make_participant(held.meeting, status=status, name="Dora Other")
    html = text_of(organiser_client.get(url(held)))
    for name in ("Katrin Hoffmann", "Bas Smit", "Pieter Jansen", "Olaf Terhorst"):
        assert name in html
    assert ("Dora Other" in html) is listed
    assert (f'value="{other.id}"' in html) is listed
    assert f'value="{held.participants["Katrin Hoffmann"].id}"' in html


def test_someone_who_cancelled_but_came_stays_on_the_list(organiser_client, held):
    factories.make_participant(held.meeting, status="cancelled", name="Dora Came Anyway", attended=True)
    assert "Dora Came Anyway" in text_of(organiser_client.get(url(held)))


def test_ticking_present_records_attendance(organiser_client, held):
    p = held.participants
    response = post_form(organiser_client, url(held, "/attendance"),
                         {"present": [p["Olaf Terhorst"].id, p["Bas Smit"].id]}, form_url=url(held))
    assert response.status_code == 302
    db.session.expire_all()
    attended = {x.name: x.attended for x in db.session.scalars(select(Participant))}
    assert attended == {"Katrin Hoffmann": False, "Bas Smit": True, "Pieter Jansen": False, "Olaf Terhorst": True}
    assert "2 present" in text_of(organiser_client.get(response.headers["Location"]))


def test_ids_of_another_meeting_are_ignored(organiser_client, held):
    other = factories.make_participant(factories.make_meeting(), attended=False)
    post_form(organiser_client, url(held, "/attendance"), {"present": [other.id]}, form_url=url(held))
    db.session.expire_all()
    assert db.session.get(Participant, other.id).attended is False


def test_walk_in_is_added_and_present(organiser_client, held):
    response = post_form(organiser_client, url(held, "/walk-in"), {
        "name": "Walter Walk-in", "email": "Walter@Example.org", "organisation_id": str(held.saxion.id),
        "organisation_name": "", "country": "", "language": "nl"}, form_url=url(held))
    assert response.status_code == 302
    walk_in = db.session.scalar(select(Participant).where(Participant.kind == "walk_in"))
    assert (walk_in.name, walk_in.email, walk_in.attended, walk_in.organisation_id, walk_in.country,
            walk_in.language) == ("Walter Walk-in", "walter@example.org", True, held.saxion.id, "NL", "nl")
    assert "Walter Walk-in" in text_of(organiser_client.get(url(held)))


def test_walk_in_without_email_from_an_organisation_outside_the_network(organiser_client, held):
    response = post_form(organiser_client, url(held, "/walk-in"), {
        "name": "Greta Guest", "email": "", "organisation_id": "", "organisation_name": "Robot GmbH",
        "country": "DE", "language": "de"}, form_url=url(held))
    assert response.status_code == 302
    guest = db.session.scalar(select(Participant).where(Participant.name == "Greta Guest"))
    assert (guest.email, guest.organisation_id, guest.organisation_name, guest.country) == \
        (None, None, "Robot GmbH", "DE")
    html = text_of(organiser_client.get(url(held)))
    assert "Robot GmbH" in html


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Please enter the name."),
    ("name", "x" * 201, "Field cannot be longer than 200 characters."),
    ("name", "Eve\r\nBcc: x@example.org", "Line breaks and control characters are not allowed here."),
    ("email", "not-an-address", "Please enter a valid email address"),
    ("organisation_id", "999999", "Please choose an organisation from the list."),
    ("organisation_id", "abc", "Please choose an organisation from the list."),
    ("country", "XX", "Not a valid choice."),
    ("language", "fr", "Not a valid choice."),
])
def test_invalid_walk_in_is_refused(organiser_client, held, field, value, message):
    data = {"name": "Walter", "email": "", "organisation_id": "", "organisation_name": "", "country": "",
            "language": "en", field: value}
    response = post_form(organiser_client, url(held, "/walk-in"), data, form_url=url(held))
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html and message in html
    assert db.session.scalar(select(Participant).where(Participant.kind == "walk_in")) is None


def test_walk_in_already_on_the_list_is_refused(organiser_client, held):
    response = post_form(organiser_client, url(held, "/walk-in"), {
        "name": "Katrin", "email": "KATRIN@ihk.example", "organisation_id": "", "organisation_name": "",
        "country": "", "language": "en"}, form_url=url(held))
    assert response.status_code == 422
    assert "already on the list" in text_of(response)


def test_counts_by_organisation_and_country_with_a_bar_chart(organiser_client, held):
    factories.make_participant(held.meeting, factories.make_contact(organisation=held.saxion), attended=True,
                               organisation_name=held.saxion.name, country="NL")
    html = text_of(organiser_client.get(url(held)))
    # Saxion 2, IHK 1, Twente 1; NL 3, DE 1. WFG Borken's only person stayed away.
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", html)
    assert ("Saxion Mechatronics Research Group", "2") in rows
    assert ("IHK Nord Westfalen", "1") in rows and ("University of Twente", "1") in rows
    assert ("Netherlands", "3") in rows and ("Germany", "1") in rows
    assert not any(name == "WFG Borken" for name, _count in rows)
    widths = re.findall(r'<rect x="180" y="[\d.]+" width="([\d.]+)"', html)
    assert widths[:3] == ["180.0", "90.0", "90.0"]  # organisations: largest bar full width
    assert 'role="img"' in html and "<title" in html
    assert "style=" not in html


def test_sign_in_sheet_is_printable(organiser_client, held):
    walk_in = factories.make_participant(held.meeting, kind="walk_in", name="Walter Walk-in", email=None,
                                         organisation_name="Robot GmbH", attended=True)
    html = text_of(organiser_client.get(url(held, "/sheet")))
    for name in ("Katrin Hoffmann", "IHK Nord Westfalen", "Signature", walk_in.name, "Robot GmbH"):
        assert name in html
    assert 'class="list sign-in-sheet"' in html and "print-sheet" in html
    css = (Path(__file__).parents[2] / "meetings" / "static" / "css" / "app.css").read_text()
    print_rules = css[css.index("/* --- follow-up"):]
    assert "@media print" in print_rules and ".sign-in-sheet" in print_rules


def test_manage_page_links_to_recording(organiser_client, held):
    html = text_of(organiser_client.get(f"/manage/meetings/{held.meeting.id}"))
    assert f'href="/manage/meetings/{held.meeting.id}/record"' in html


def test_country_chart_names_other_and_unrecorded_countries(organiser_client, held):
    factories.make_participant(held.meeting, name="Olga Other", country="OTHER", attended=True)
    factories.make_participant(held.meeting, name="Nina Nowhere", country=None, attended=True)
    html = text_of(organiser_client.get(url(held)))
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", html)
    assert ("Other country", "1") in rows and ("Not recorded", "1") in rows
    assert ("No organisation", "2") in rows
    assert ">Other country</text>" in html and ">Netherlands</text>" in html


def test_counts_page_in_german_names_countries_in_german(organiser_client, held):
    organiser_client.get("/language/de")
    html = text_of(organiser_client.get(url(held)))
    assert ("Niederlande", "2") in re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", html)
