"""The checks every form gets from core.forms.BaseForm, one message at a time, through
real posts on both databases: control characters, "required" after stripping, time
zones from the list only, and names unique ignoring case in any language."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from meetings.events.models import Topic
from meetings.extensions import db
from meetings.network.models import Group, Organisation
from meetings.venues.models import Venue
from tests import factories
from tests.core.fuzz import TOKENS, row_counts, seed
from tests.helpers import count_queries, post_form, text_of

CONTROL = "Control characters are not allowed here."
ONE_LINE = "Line breaks and control characters are not allowed here."
ZONE = "Unknown time zone. Choose one from the list, e.g. Europe/Amsterdam."
IN_A_MONTH = factories.future(30).date().isoformat()

VENUE = {"name": "High Tech Factory", "address": "Hengelosestraat 500", "city": "Enschede", "country": "NL",
         "timezone": "Europe/Amsterdam", "directions": "", "accessibility": ""}
ONLINE_MEETING = {"title": "Online talk", "language": "en", "venue_id": "", "online_url": "https://meet.example.org/x",
                  "timezone": "Europe/Berlin", "start_date": IN_A_MONTH, "start_time": "10:00",
                  "end_date": IN_A_MONTH, "end_time": "11:00", "visibility": "invitation", "status": "draft"}
REGISTRATION = {"name": "Anna Jansen", "email": "new.person@example.org", "country": "NL", "language": "en",
                "consent": "y", "q_1": "An answer", "q_3": "Lunch"}

# (form, url, page showing it, logged in, the rest of a valid post)
FORMS = {
    "rsvp": ("/rsvp/{invitee}", "/rsvp/{invitee}", False, {"status": "accepted"}),
    "register": ("/events/robotics-day/register", "/events/robotics-day", False, REGISTRATION),
    "venue": ("/manage/venues/new", "/manage/venues/new", True, VENUE),
    "meeting": ("/manage/meetings/new", "/manage/meetings/new", True, ONLINE_MEETING),
    "organisation": ("/manage/organisations/new", "/manage/organisations/new", True,
                     {"name": "Saxion", "country": "NL", "kind": "applied_university"}),
    "contact": ("/manage/contacts/new", "/manage/contacts/new", True,
                {"name": "Carla", "email": "carla@example.org", "organisation_id": "", "language": "de"}),
    "group": ("/manage/groups/new", "/manage/groups/new", True, {"name": "Board"}),
    "topic": ("/manage/meetings/topics/", "/manage/meetings/topics/", True, {"name": "Cyber Security"}),
    "agenda item": ("/manage/meetings/{meeting}/agenda/", "/manage/meetings/{meeting}/edit", True,
                    {"title": "Welcome", "duration_minutes": "15"}),
    "walk-in": ("/manage/meetings/{held}/record/walk-in", "/manage/meetings/{held}/record", True,
                {"name": "Walter", "organisation_id": "", "country": "", "language": "en"}),
    "account": ("/manage/accounts/new", "/manage/accounts/new", True,
                {"name": "Nora", "email": "nora@example.org", "language": "en", "active": "y",
                 "password": "a long password", "confirm": "a long password"}),
    "post": ("/manage/posts/new", "/manage/posts/new", True, {"title": "News", "body": "Text.", "language": "en"}),
}


@pytest.fixture
def world(app):
    return seed()


def post(app, world, form, data):
    """Post ``form`` (a key of FORMS) with ``data`` over its valid values, as a person
    would; returns the response and whether any table gained or lost a row."""
    url, page, logged_in, valid = FORMS[form]
    names = {"invitee": TOKENS["invitee"], "meeting": world["meeting_id"][0], "held": world["meeting_id"][1]}
    client = app.test_client()
    if logged_in:
        post_form(client, "/login", {"email": "organiser@example.org", "password": factories.PASSWORD})
    before = row_counts()
    response = post_form(client, url.format(**names), {**valid, **data}, form_url=page.format(**names))
    db.session.expire_all()
    return response, row_counts() != before


def assert_refused_at(response, changed, field, message):
    html = text_of(response)
    assert response.status_code == 422, (response.status_code, html[:500])
    assert f'id="{field}-error"' in html, html
    error = html[html.index(f'id="{field}-error"'):][:400]
    assert message in error
    assert not changed


@pytest.mark.parametrize("form,field,value,message", [
    ("rsvp", "comment", "See you\x00 there", CONTROL),
    ("venue", "directions", "Train\x00 to Enschede", CONTROL),
    ("venue", "accessibility", "Lift\x07", CONTROL),
    ("venue", "directions", "old Mac line\rbreak", CONTROL),
    ("venue", "directions", "next\x85line", CONTROL),
    ("organisation", "description", "\x00", CONTROL),
    ("group", "description", "Steering\x00group", CONTROL),
    ("post", "body", "Text\x1b[31m", CONTROL),
    ("contact", "email", "carla\x00@example.org", ONE_LINE),
    ("contact", "name", "Carla\tBakker", ONE_LINE),
    ("register", "name", "Anna\x00", ONE_LINE),
    ("register", "q_2", "long\x00answer", CONTROL),
    ("meeting", "title", "Talk\nBcc: x@example.org", ONE_LINE),
])
def test_control_characters_are_refused_at_the_field(app, world, form, field, value, message):
    response, changed = post(app, world, form, {field: value})
    assert_refused_at(response, changed, field, message)


def test_the_duplicate_lookup_does_not_run_on_a_refused_address(app, world):
    with count_queries() as statements:
        response, changed = post(app, world, "contact", {"email": "anna\x00@example.org"})
    assert_refused_at(response, changed, "email", ONE_LINE)
    assert not [s for s in statements if "contacts.email" in s and "lower" in s.lower()]


def test_text_areas_keep_tabs_and_line_breaks_as_lf(app, world):
    response, changed = post(app, world, "venue", {"directions": "Train to Enschede,\r\n\tthen walk.\r\n"})
    assert response.status_code == 302 and changed
    venue = db.session.scalars(select(Venue).where(Venue.name == "High Tech Factory")).one()
    assert venue.directions == "Train to Enschede,\n\tthen walk."


@pytest.mark.parametrize("form,field,message", [
    ("contact", "name", "Please enter the name of the contact."),
    ("contact", "email", "Please enter an email address."),
    ("account", "name", "Please enter a name."),
    ("group", "name", "Please enter the name of the group."),
    ("organisation", "name", "Please enter the name of the organisation."),
    ("topic", "name", "Please enter a name."),
    ("agenda item", "title", "Please enter a title."),
    ("walk-in", "name", "Please enter the name."),
    ("post", "title", "Please enter a title."),
    ("post", "body", "Please write the text of the post."),
    ("register", "name", "Please enter your name."),
    ("register", "q_1", "Please answer this question."),
    ("venue", "name", "Please enter the name of the venue."),
    ("venue", "address", "Please enter the address."),
    ("venue", "city", "Please enter the city."),
    ("meeting", "title", "Please enter a title."),
])
@pytest.mark.parametrize("blank", ["   ", "\t \u00a0", "\r\n\r\n"])
def test_white_space_only_is_no_answer(app, world, form, field, message, blank):
    response, changed = post(app, world, form, {field: blank})
    assert_refused_at(response, changed, field, message)


@pytest.mark.parametrize("form", ["venue", "meeting"])
@pytest.mark.parametrize("zone", ["z" * 5000, "z" * (1 << 20), "Europe/Atlantis", "../../../etc/passwd",
                                  "/usr/share/zoneinfo/Europe/Berlin", "europe/amsterdam",
                                  "UTC", "posix/Europe/Berlin"])
def test_only_the_zones_offered_are_taken(app, world, form, zone):
    response, changed = post(app, world, form, {"timezone": zone})
    assert_refused_at(response, changed, "timezone", ZONE)


@pytest.mark.parametrize("form,first,second,message", [
    ("topic", "Ökonomie", "ökonomie", "A topic with this name already exists."),
    ("topic", "Ökonomie", "Ökonomie", "A topic with this name already exists."),
    ("topic", "Ökonomie", "O\u0308KONOMIE", "A topic with this name already exists."),
    ("topic", "Straße", "STRASSE", "A topic with this name already exists."),
    ("organisation", "Universität Münster", "UNIVERSITÄT MÜNSTER", "There is already an organisation with this name."),
    ("group", "Ärztekammer", "ärztekammer", "There is already a group with this name."),
    ("group", "Σύμβουλοι", "ΣΎΜΒΟΥΛΟΙ", "There is already a group with this name."),
])
def test_names_are_unique_ignoring_case_in_every_language(app, world, form, first, second, message):
    response, changed = post(app, world, form, {"name": first})
    assert response.status_code == 302 and changed
    response, changed = post(app, world, form, {"name": second})
    assert_refused_at(response, changed, "name", message)


@pytest.mark.parametrize("model,form,existing", [(Topic, "topic", "Robotics"), (Organisation, "organisation", "UT"),
                                                  (Group, "group", "Core Team")])
def test_a_name_may_still_differ_only_in_case_from_itself(app, world, model, form, existing):
    row = db.session.scalars(select(model).order_by(model.id)).first()
    assert row.name_key == row.name.casefold()
    url = {"topic": f"/manage/meetings/topics/{row.id}", "organisation": f"/manage/organisations/{row.id}",
           "group": f"/manage/groups/{row.id}/edit"}[form]
    client = app.test_client()
    post_form(client, "/login", {"email": "organiser@example.org", "password": factories.PASSWORD})
    response = post_form(client, url, {**FORMS[form][3], "name": row.name.upper()})
    assert response.status_code == 302, text_of(response)[:2000]
    db.session.expire_all()
    assert row.name == row.name.upper() and row.name_key == row.name.casefold()


@pytest.mark.parametrize("data", ["Europe/Amsterdam", "America/Argentina/Buenos_Aires", "Pacific/Chatham", None, "",
                                  "Europe/Nowhere", "Mars/Olympus\"<x>", "x" * 5000, "UTC"])
def test_the_zone_list_renders_as_wtforms_renders_it(app, data):
    """The zone options are rendered once per process (core.forms.ZoneSelect): the page
    gets what WTForms' own Select would render for the same field, chosen zone marked."""
    from wtforms import Form, widgets

    from meetings.core.forms import ZoneField

    class Kept(Form):
        timezone = ZoneField("Time zone")

    class Ordinary(Form):
        timezone = ZoneField("Time zone", widget=widgets.Select())

    kept, ordinary = Kept(data={"timezone": data}), Ordinary(data={"timezone": data})
    assert type(kept.timezone.widget).__name__ == "ZoneSelect"
    for render_kw in ({}, {"required": True, "aria-describedby": "tz-help", "class": "wide"}):
        html = kept.timezone(**render_kw)
        assert html == ordinary.timezone(**render_kw)
        assert html.count(" selected ") == (1 if data in ("Europe/Amsterdam", "America/Argentina/Buenos_Aires",
                                                           "Pacific/Chatham") else 0)
