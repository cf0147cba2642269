"""Meetings on the organiser side: list, create, edit, publish, delete, through real form posts."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from meetings.events.models import Meeting
from meetings.events.services import slugify
from meetings.extensions import db
from meetings.participants.models import Participant
from tests.factories import make_meeting, make_participant, make_topic, make_venue
from tests.helpers import post_form, text_of

UTC = timezone.utc


@pytest.fixture
def venue(app):
    return make_venue(name="High Tech Factory", city="Enschede", timezone="Europe/Amsterdam")


@pytest.fixture
def valid(venue):
    return {
        "title": "Core Team meeting",
        "slug": "",
        "description": "We meet to plan **the next year**.",
        "language": "en",
        "venue_id": str(venue.id),
        "online_url": "",
        "timezone": "Europe/Amsterdam",
        "start_date": "2031-06-05",
        "start_time": "10:00",
        "end_date": "2031-06-05",
        "end_time": "16:00",
        "visibility": "public",
        "status": "draft",
        "capacity": "",
        "registration_opens_date": "",
        "registration_opens_time": "",
        "registration_closes_date": "",
        "registration_closes_time": "",
    }


def meeting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting))


def only_meeting() -> Meeting:
    db.session.expire_all()
    return db.session.scalar(select(Meeting))


# --- access -----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/manage/meetings/", "/manage/meetings/new", "/manage/meetings/topics/",
                                 "/manage/meetings/1", "/manage/meetings/1/edit", "/manage/meetings/1/invitees"])
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_anonymous_post_is_sent_to_login_and_changes_nothing(client):
    meeting = make_meeting(status="draft")
    response = client.post(f"/manage/meetings/{meeting.id}/publish")
    assert response.status_code in (302, 400)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "draft"


@pytest.mark.parametrize("url", ["/manage/meetings/9999", "/manage/meetings/9999/edit",
                                 "/manage/meetings/9999/delete", "/manage/meetings/9999/invitees",
                                 "/manage/meetings/99999999999999999999", "/manage/meetings/1/agenda/99999999999999999999",
                                 "/manage/meetings/topics/99999999999999999999"])
def test_unknown_meeting_is_404(organiser_client, url):
    assert organiser_client.get(url).status_code == 404


def test_post_without_csrf_token_is_refused(organiser_client, valid):
    response = organiser_client.post("/manage/meetings/new", data=valid)
    assert response.status_code == 400
    assert meeting_count() == 0


# --- list -------------------------------------------------------------------------

def test_list_has_tabs_for_upcoming_past_and_drafts(organiser_client):
    now = datetime.now(UTC)
    make_meeting(title="Next Core Team", starts_at=now + timedelta(days=10))
    make_meeting(title="Inaugural meeting", starts_at=now - timedelta(days=100))
    make_meeting(title="Idea for autumn", status="draft", starts_at=now + timedelta(days=50))
    upcoming = text_of(organiser_client.get("/manage/meetings/"))
    past = text_of(organiser_client.get("/manage/meetings/?show=past"))
    drafts = text_of(organiser_client.get("/manage/meetings/?show=drafts"))
    assert "Next Core Team" in upcoming and "Inaugural meeting" not in upcoming and "Idea for autumn" not in upcoming
    assert "Inaugural meeting" in past and "Next Core Team" not in past
    assert "Idea for autumn" in drafts and "Next Core Team" not in drafts
    assert organiser_client.get("/manage/meetings/?show=nonsense").status_code == 200


def test_list_shows_local_time_with_zone_venue_status_visibility_and_invitees(organiser_client):
    venue = make_venue(name="Fraunhofer IPT", timezone="Europe/Berlin")
    meeting = make_meeting(title="Robotics day", venue=venue, timezone="Europe/Berlin", visibility="invitation",
                           starts_at=datetime(2031, 6, 5, 8, 0, tzinfo=UTC), ends_at=datetime(2031, 6, 5, 14, 0, tzinfo=UTC))
    make_participant(meeting)
    make_participant(meeting)
    html = text_of(organiser_client.get("/manage/meetings/"))
    assert "10:00" in html and "Europe/Berlin" in html  # 08:00 UTC is 10:00 in Berlin in summer
    assert "Fraunhofer IPT" in html
    assert 'class="badge badge-scheduled"' in html
    assert "Invitation only" in html
    assert f'/manage/meetings/{meeting.id}/invitees">2</a>' in html


# --- create -----------------------------------------------------------------------

def test_new_form_has_labels_date_and_time_inputs_and_the_default_zone(organiser_client):
    html = text_of(organiser_client.get("/manage/meetings/new"))
    assert 'type="date"' in html and 'type="time"' in html
    assert 'for="title"' in html and 'for="start_date"' in html and 'for="venue_id"' in html
    assert '<option selected value="Europe/Amsterdam">' in html
    assert "this choice is ignored" in html


def test_create_meeting_converts_local_time_to_utc(organiser_client, valid, venue):
    ai, cyber = make_topic(name="AI"), make_topic(name="Cyber Security")
    response = post_form(organiser_client, "/manage/meetings/new",
                         {**valid, "topics": [str(ai.id), str(cyber.id)], "capacity": "40",
                          "registration_opens_date": "2031-05-01", "registration_opens_time": "09:00",
                          "registration_closes_date": "2031-06-01", "registration_closes_time": "23:59"})
    assert response.status_code == 302
    meeting = only_meeting()
    assert response.headers["Location"].endswith(f"/manage/meetings/{meeting.id}")
    assert meeting.starts_at == datetime(2031, 6, 5, 8, 0, tzinfo=UTC)  # CEST is UTC+2
    assert meeting.ends_at == datetime(2031, 6, 5, 14, 0, tzinfo=UTC)
    assert meeting.timezone == "Europe/Amsterdam" and meeting.venue_id == venue.id
    assert meeting.slug == "core-team-meeting"
    assert sorted(t.name for t in meeting.topics) == ["AI", "Cyber Security"]
    assert meeting.capacity == 40 and meeting.status == "draft" and meeting.visibility == "public"
    assert meeting.registration_opens_at == datetime(2031, 5, 1, 7, 0, tzinfo=UTC)
    assert meeting.registration_closes_at == datetime(2031, 6, 1, 21, 59, tzinfo=UTC)


def test_meeting_takes_the_zone_of_its_venue_and_ignores_the_select(organiser_client, valid):
    london = make_venue(name="London office", timezone="Europe/London")
    response = post_form(organiser_client, "/manage/meetings/new",
                         {**valid, "venue_id": str(london.id), "timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 302
    meeting = only_meeting()
    assert meeting.timezone == "Europe/London"
    assert meeting.starts_at == datetime(2031, 6, 5, 9, 0, tzinfo=UTC)  # BST is UTC+1


def test_online_only_meeting_uses_the_chosen_zone(organiser_client, valid):
    response = post_form(organiser_client, "/manage/meetings/new",
                         {**valid, "venue_id": "", "online_url": "https://meet.example.org/core-team",
                          "timezone": "America/New_York"})
    assert response.status_code == 302
    meeting = only_meeting()
    assert meeting.venue_id is None and meeting.online_url == "https://meet.example.org/core-team"
    assert meeting.timezone == "America/New_York"
    assert meeting.starts_at == datetime(2031, 6, 5, 14, 0, tzinfo=UTC)  # EDT is UTC-4


@pytest.mark.parametrize("title,slug", [
    ("Über Qualität & Größe", "ueber-qualitaet-and-groesse"),
    ("Kick-off: Robotics 2031!", "kick-off-robotics-2031"),
    ("Café in Enschede", "cafe-in-enschede"),
    ("会议", "meeting"),
])
def test_slug_is_made_from_the_title(organiser_client, valid, title, slug):
    assert post_form(organiser_client, "/manage/meetings/new", {**valid, "title": title}).status_code == 302
    assert only_meeting().slug == slug


def test_generated_slug_that_is_taken_gets_a_number(organiser_client, valid):
    make_meeting(slug="core-team-meeting")
    make_meeting(slug="core-team-meeting-2")
    assert post_form(organiser_client, "/manage/meetings/new", valid).status_code == 302
    slugs = set(db.session.scalars(select(Meeting.slug)))
    assert slugs == {"core-team-meeting", "core-team-meeting-2", "core-team-meeting-3"}


def test_slugify_keeps_within_the_column():
    assert len(slugify("a" * 300)) == 120
    assert slugify("  --Straße  ") == "strasse"


BAD = [
    ("title", {"title": ""}, "Please enter a title."),
    ("title", {"title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ("description", {"description": "Plans\x00"}, "Control characters are not allowed here."),
    ("slug", {"slug": "Core Team"}, "Use only lower-case letters a-z, digits and single hyphens"),
    ("slug", {"slug": "core--team"}, "Use only lower-case letters a-z, digits and single hyphens"),
    ("slug", {"slug": "-core"}, "Use only lower-case letters a-z, digits and single hyphens"),
    ("slug", {"slug": "x" * 121}, "Field cannot be longer than 120 characters."),
    ("online_url", {"online_url": "https://meet.example.org/\r\nBcc: all@example.org"},
     "Line breaks and control characters are not allowed here."),
    ("online_url", {"online_url": "not a link"}, "Please enter a full web address starting with https://."),
    ("online_url", {"online_url": "javascript://example.org/%0Aalert(1)"},
     "Please enter a full web address starting with https://."),
    ("online_url", {"venue_id": "", "online_url": ""}, "Enter an online link or choose a venue."),
    ("venue_id", {"venue_id": "99999"}, "Not a valid choice."),
    ("timezone", {"venue_id": "", "online_url": "https://meet.example.org/x", "timezone": "Mars/Olympus_Mons"},
     "Unknown time zone."),
    ("start_date", {"start_date": ""}, "Please enter a date."),
    ("start_date", {"start_date": "5 June"}, "Please enter a date as YYYY-MM-DD."),
    ("start_date", {"start_date": "0001-01-01", "end_date": "0001-01-01"},
     "Please enter a date between the years 2000 and 2100."),
    ("start_time", {"start_time": ""}, "Please enter a time, or tick “All day”."),
    ("end_time", {"end_time": ""}, "Please enter a time, or tick “All day”."),
    ("end_date", {"all_day": "y", "end_date": "2031-06-04"}, "The end date cannot be before the start date."),
    ("end_date", {"all_day": "y", "end_date": ""}, "Please enter a date."),
    ("start_date", {"all_day": "y", "start_date": "2031-13-01"}, "Please enter a date as YYYY-MM-DD."),
    ("start_time", {"start_time": "25:00"}, "Please enter a time as HH:MM, e.g. 14:30."),
    ("end_time", {"end_time": "09:00"}, "The end must be after the start."),
    ("end_time", {"end_time": "10:00"}, "The end must be after the start."),
    ("end_date", {"end_date": "2031-06-04"}, "The end must be after the start."),
    ("start_time", {"start_date": "2026-03-29", "start_time": "02:30", "end_date": "2026-03-29", "end_time": "05:00"},
     "This time does not exist in Europe/Amsterdam on that day (clocks go forward)."),
    ("start_time", {"start_date": "2026-10-25", "start_time": "02:30", "end_date": "2026-10-25", "end_time": "05:00"},
     "This time occurs twice in Europe/Amsterdam on that day (clocks go back); choose another time."),
    ("end_time", {"start_date": "2026-03-29", "start_time": "01:00", "end_date": "2026-03-29", "end_time": "02:15"},
     "This time does not exist in Europe/Amsterdam on that day (clocks go forward)."),
    ("end_time", {"start_date": "2026-10-25", "start_time": "01:00", "end_date": "2026-10-25", "end_time": "02:00"},
     "This time occurs twice in Europe/Amsterdam on that day (clocks go back); choose another time."),
    ("capacity", {"capacity": "0"}, "Enter a number of at least 1."),
    ("capacity", {"capacity": "many"}, "Not a valid integer value."),
    ("visibility", {"visibility": "secret"}, "Not a valid choice."),
    ("status", {"status": "archived"}, "Not a valid choice."),
    ("topics", {"topics": "abc"}, "Invalid choice(s)"),
    ("registration_closes_date", {"registration_opens_date": "2031-05-10", "registration_opens_time": "09:00",
                                  "registration_closes_date": "2031-05-01", "registration_closes_time": "09:00"},
     "Registration must close after it opens."),
    ("registration_opens_time", {"registration_opens_date": "2031-05-10"}, "Please enter a time too."),
    ("registration_closes_time", {"registration_closes_date": "2026-10-25", "registration_closes_time": "02:30"},
     "This time occurs twice in Europe/Amsterdam on that day (clocks go back); choose another time."),
]


@pytest.mark.parametrize("field,changes,message", BAD, ids=[f"{f}:{m[:30]}" for f, _, m in BAD])
def test_invalid_meeting_is_refused_at_the_field(organiser_client, valid, field, changes, message):
    response = post_form(organiser_client, "/manage/meetings/new", {**valid, **changes})
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html
    error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message.replace("&", "&amp;") in error.replace("&#39;", "'")
    assert meeting_count() == 0


def test_dst_message_names_the_venue_zone(organiser_client, valid):
    berlin = make_venue(timezone="Europe/Berlin")
    response = post_form(organiser_client, "/manage/meetings/new",
                         {**valid, "venue_id": str(berlin.id), "start_date": "2026-03-29", "start_time": "02:30",
                          "end_date": "2026-03-29", "end_time": "05:00"})
    assert response.status_code == 422
    assert "This time does not exist in Europe/Berlin on that day (clocks go forward)." in text_of(response)


def test_no_venue_and_no_link_gives_a_form_message(organiser_client, valid):
    response = post_form(organiser_client, "/manage/meetings/new", {**valid, "venue_id": ""})
    assert response.status_code == 422
    assert "Choose a venue, enter an online link, or both." in text_of(response)


def test_duplicate_slug_is_refused_at_the_slug(organiser_client, valid):
    make_meeting(slug="core-team")
    response = post_form(organiser_client, "/manage/meetings/new", {**valid, "slug": "core-team"})
    assert response.status_code == 422
    html = text_of(response)
    assert 'id="slug-error"' in html and "Another meeting already uses this address." in html
    assert meeting_count() == 1


# --- edit -------------------------------------------------------------------------

def test_edit_form_shows_local_times(organiser_client):
    meeting = make_meeting(starts_at=datetime(2031, 1, 15, 9, 0, tzinfo=UTC), ends_at=datetime(2031, 1, 15, 15, 0, tzinfo=UTC))
    html = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/edit"))
    assert 'value="2031-01-15"' in html and 'value="10:00"' in html and 'value="16:00"' in html  # CET is UTC+1


def test_edit_meeting_keeps_its_own_slug(organiser_client, valid):
    meeting = make_meeting(slug="core-team")
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/edit",
                         {**valid, "title": "Core Team (moved)", "slug": "core-team"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Meeting, meeting.id)
    assert saved.title == "Core Team (moved)" and saved.slug == "core-team"


def test_edit_to_a_slug_of_another_meeting_is_refused(organiser_client, valid):
    make_meeting(slug="taken")
    meeting = make_meeting(slug="mine")
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/edit", {**valid, "slug": "taken"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).slug == "mine"


def test_meeting_page_shows_time_with_zone_and_rendered_description(organiser_client):
    meeting = make_meeting(title="Core Team", description="Plans for **2031**.\n\n<script>alert(1)</script>",
                           starts_at=datetime(2031, 6, 5, 8, 0, tzinfo=UTC), ends_at=datetime(2031, 6, 5, 14, 0, tzinfo=UTC))
    html = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))
    assert "10:00–16:00 (CEST, Europe/Amsterdam)" in html
    assert "<strong>2031</strong>" in html
    assert "<script>alert(1)</script>" not in html


# --- publish and delete ---------------------------------------------------------

def test_publish_a_draft(organiser_client):
    meeting = make_meeting(status="draft")
    page = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))
    assert f'action="/manage/meetings/{meeting.id}/publish"' in page
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/publish", form_url=f"/manage/meetings/{meeting.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "scheduled"
    assert "is published and scheduled" in text_of(organiser_client.get(response.headers["Location"]))


def test_publish_is_only_for_drafts(organiser_client):
    meeting = make_meeting(status="cancelled")
    assert "/publish" not in text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/publish", form_url=f"/manage/meetings/{meeting.id}")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"


def test_delete_a_draft_after_confirmation(organiser_client):
    meeting = make_meeting(status="draft", agenda=2)
    make_participant(meeting)
    confirm = organiser_client.get(f"/manage/meetings/{meeting.id}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in text_of(confirm)
    assert meeting_count() == 1
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/delete")
    assert response.status_code == 302
    assert meeting_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


@pytest.mark.parametrize("status", ["scheduled", "cancelled", "held"])
def test_only_drafts_can_be_deleted(organiser_client, status):
    meeting = make_meeting(status=status)
    assert organiser_client.get(f"/manage/meetings/{meeting.id}/delete").status_code == 409
    draft = make_meeting(status="draft")  # a page with a CSRF token for the post
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/delete",
                         form_url=f"/manage/meetings/{draft.id}/delete")
    assert response.status_code == 409
    assert "Only drafts can be deleted." in text_of(response)
    assert meeting_count() == 2


# --- moving a meeting moves its agenda --------------------------------------------

def _meeting_at_ten(venue) -> Meeting:
    from datetime import time

    from tests.factories import make_agenda_item

    meeting = make_meeting(slug="core-team", venue=venue, starts_at=datetime(2031, 6, 5, 8, 0, tzinfo=UTC),
                           ends_at=datetime(2031, 6, 5, 14, 0, tzinfo=UTC))
    make_agenda_item(meeting, title="Welcome", start_time=time(10, 0), duration_minutes=30)
    make_agenda_item(meeting, title="Robotics", duration_minutes=60)
    make_agenda_item(meeting, title="Lunch", start_time=time(12, 30), duration_minutes=45)
    return meeting


def test_the_edit_form_offers_to_move_the_agenda_checked(organiser_client, venue):
    meeting = _meeting_at_ten(venue)
    html = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/edit"))
    checkbox = next(tag for tag in html.split("<input") if 'name="move_agenda"' in tag)
    assert 'type="checkbox"' in checkbox and "checked" in checkbox
    assert '<label for="move_agenda">' in html
    assert "move_agenda" not in text_of(organiser_client.get(f"/manage/meetings/{make_meeting().id}/edit"))


@pytest.mark.parametrize("move,expected", [("y", ["11:00", None, "13:30"]), (None, ["10:00", None, "12:30"])])
def test_moving_the_meeting_moves_its_timed_agenda_unless_unticked(organiser_client, venue, valid, move, expected):
    meeting = _meeting_at_ten(venue)
    data = {**valid, "slug": "core-team", "start_time": "11:00", "end_time": "17:00"}
    if move:
        data["move_agenda"] = move
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/edit", data)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Meeting, meeting.id)
    assert saved.starts_at == datetime(2031, 6, 5, 9, 0, tzinfo=UTC)
    assert [i.start_time.strftime("%H:%M") if i.start_time else None for i in saved.agenda_items] == expected
    page = text_of(organiser_client.get(response.headers["Location"]))
    assert ("Some agenda items now fall outside" in page) == (move is None)
