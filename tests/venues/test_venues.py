"""Venues: organiser CRUD through real form posts."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.venues.models import Venue
from tests.factories import make_meeting, make_venue
from tests.helpers import post_form, text_of

VALID = {
    "name": "High Tech Factory",
    "room": "Meeting room 1",
    "address": "Hengelosestraat 500",
    "postal_code": "7521 AN",
    "city": "Enschede",
    "country": "NL",
    "map_url": "https://www.openstreetmap.org/?mlat=52.2386&mlon=6.8566",
    "directions": "Train to Enschede Kennispark, then five minutes on foot.",
    "accessibility": "Step-free entrance; lift to all floors.",
    "timezone": "Europe/Amsterdam",
}


def venue_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Venue))


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/manage/venues/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_new_venue_form_proposes_the_default_zone(organiser_client):
    html = text_of(organiser_client.get("/manage/venues/new"))
    assert '<option selected value="Europe/Amsterdam">' in html
    assert 'for="name"' in html  # every field has its label


def test_create_venue(organiser_client):
    response = post_form(organiser_client, "/manage/venues/new", VALID)
    assert response.status_code == 302
    venue = db.session.scalar(select(Venue))
    assert venue.name == "High Tech Factory" and venue.timezone == "Europe/Amsterdam"
    assert "High Tech Factory" in text_of(organiser_client.get("/manage/venues/"))


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Please enter the name of the venue."),
    ("name", "x" * 201, "Field cannot be longer than 200 characters."),
    ("name", "Hall\r\nBcc: x@example.org", "Line breaks and control characters are not allowed here."),
    ("address", "", "Please enter the address."),
    ("city", "", "Please enter the city."),
    ("timezone", "Mars/Olympus_Mons", "Unknown time zone."),
    ("timezone", "", "Unknown time zone."),
    ("map_url", "not a link", "Please enter a full web address starting with https://."),
    ("map_url", "javascript:alert(1)", "Please enter a full web address starting with https://."),
    ("map_url", "javascript://example.org/%0Aalert(1)", "Please enter a full web address starting with https://."),
    ("map_url", "ftp://example.org/map", "Please enter a full web address starting with https://."),
])
def test_invalid_venue_is_refused_at_the_field(organiser_client, field, value, message):
    response = post_form(organiser_client, "/manage/venues/new", {**VALID, field: value})
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html
    assert message in html
    assert venue_count() == 0


def test_edit_venue(organiser_client):
    venue = make_venue(name="Old name")
    response = post_form(organiser_client, f"/manage/venues/{venue.id}", {**VALID, "name": "New name"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Venue, venue.id).name == "New name"


def test_unknown_venue_is_404(organiser_client):
    assert organiser_client.get("/manage/venues/9999").status_code == 404


def test_delete_unused_venue(organiser_client):
    venue = make_venue()
    response = post_form(organiser_client, f"/manage/venues/{venue.id}/delete", form_url=f"/manage/venues/{venue.id}")
    assert response.status_code == 302
    assert venue_count() == 0


def test_venue_in_use_is_kept(organiser_client):
    meeting = make_meeting()
    response = post_form(organiser_client, f"/manage/venues/{meeting.venue_id}/delete",
                         form_url=f"/manage/venues/{meeting.venue_id}")
    assert response.status_code == 303
    assert venue_count() == 1
    assert "cannot be deleted" in text_of(organiser_client.get(response.headers["Location"]))


def test_post_without_csrf_token_is_refused(organiser_client):
    response = organiser_client.post("/manage/venues/new", data=VALID)
    assert response.status_code == 400
    assert venue_count() == 0
