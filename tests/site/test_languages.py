"""Bilingual meetings: the organiser gives a meeting's title, description and agenda titles
in other languages; pages, feeds and downloads show each reader their language, falling back
to the main text wherever no translation was given."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import select

from meetings.calendar import builder
from meetings.events.languages import in_language, schedule_in_language
from meetings.events.models import AgendaItem, Meeting
from meetings.events.queries import agenda_schedule
from meetings.events.services import record_sent_details
from meetings.extensions import db
from meetings.invitations.services import update_pending
from tests.factories import make_contact, make_meeting, make_participant, make_topic, make_venue
from tests.helpers import post_form, text_of

UTC = timezone.utc
GERMAN = {"de": {"title": "Kernteam-Treffen", "description": "Wir planen **das nächste Jahr**."}}


@pytest.fixture
def bilingual(app):
    """A public English meeting with German title and description, and a German title for its
    first agenda item only; nothing in Dutch."""
    meeting = make_meeting(title="Core Team meeting", slug="core-team", description="We plan **the next year**.",
                           language="en", translations=GERMAN, topics=[make_topic(name="AI", slug="ai")],
                           starts_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=20),
                           ends_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=20, hours=4))
    meeting.agenda_items = [
        AgendaItem(position=0, title="Welcome", duration_minutes=15, translations={"de": {"title": "Begrüßung"}}),
        AgendaItem(position=1, title="Robot cells", duration_minutes=30, presenter="Saxion"),
    ]
    db.session.commit()
    return meeting


def events_of(data: bytes) -> list:
    return list(Calendar.from_ical(data).walk("VEVENT"))


# --- the view ------------------------------------------------------------------------------

def test_in_language_gives_each_text_in_the_language_or_the_main_one(bilingual):
    german = in_language(bilingual, "de")
    assert german.title == "Kernteam-Treffen" and german.description == "Wir planen **das nächste Jahr**."
    assert [i.title for i in german.agenda_items] == ["Begrüßung", "Robot cells"]
    dutch = in_language(bilingual, "nl")
    assert dutch.title == "Core Team meeting" and [i.title for i in dutch.agenda_items] == ["Welcome", "Robot cells"]
    # Everything else is the meeting's own; the main language stays the main language.
    assert german.slug == "core-team" and german.language == "en" and german.is_public
    assert german.agenda_items[1].presenter == "Saxion" and german.id == bilingual.id
    assert german == bilingual and in_language(german, "nl").title == "Core Team meeting"


def test_a_translation_without_description_falls_back_for_that_field_alone(bilingual):
    bilingual.translations = {"nl": {"title": "Kernteamoverleg"}}
    dutch = in_language(bilingual, "nl")
    assert dutch.title == "Kernteamoverleg" and dutch.description == "We plan **the next year**."


def test_the_view_is_read_only(bilingual):
    german = in_language(bilingual, "de")
    with pytest.raises(AttributeError):
        german.title = "Changed"
    with pytest.raises(AttributeError):
        german.agenda_items[0].title = "Changed"
    assert bilingual.title == "Core Team meeting"


def test_the_schedule_comes_out_translated_with_the_same_times(bilingual):
    german = in_language(bilingual, "de")
    rows = agenda_schedule(german)
    plain = agenda_schedule(bilingual)
    assert [item.title for item, _, _ in rows] == ["Begrüßung", "Robot cells"]
    assert [(s, e) for _, s, e in rows] == [(s, e) for _, s, e in plain]
    assert [item.title for item, _, _ in schedule_in_language(plain, "de")] == ["Begrüßung", "Robot cells"]


def test_the_calendar_builder_takes_the_view(bilingual, app):
    german = in_language(bilingual, "de")
    event = events_of(builder.download(german, base_url="http://meetings.test", language="de",
                                       agenda=agenda_schedule(german)))[0]
    assert str(event["SUMMARY"]) == "Kernteam-Treffen"
    assert "Tagesordnung:" in str(event["DESCRIPTION"]) and "Begrüßung" in str(event["DESCRIPTION"])
    assert event["UID"] == bilingual.uid


# --- the organiser's forms ------------------------------------------------------------------

@pytest.fixture
def form_data(app):
    venue = make_venue(name="High Tech Factory", city="Enschede")
    return {"title": "Core Team meeting", "slug": "", "description": "We plan.", "language": "en",
            "venue_id": str(venue.id), "online_url": "", "timezone": "Europe/Amsterdam",
            "start_date": "2031-06-05", "start_time": "10:00", "end_date": "2031-06-05", "end_time": "16:00",
            "visibility": "public", "status": "scheduled", "capacity": "",
            "registration_opens_date": "", "registration_opens_time": "",
            "registration_closes_date": "", "registration_closes_time": "",
            "title_de": "", "description_de": "", "title_nl": "", "description_nl": ""}


def only_meeting() -> Meeting:
    db.session.expire_all()
    return db.session.scalar(select(Meeting))


def test_the_meeting_form_offers_the_other_two_languages_with_labels(organiser_client, form_data):
    html = text_of(organiser_client.get("/manage/meetings/new"))
    for name in ("title_de", "description_de", "title_nl", "description_nl"):
        assert f'<label for="{name}">' in html
    assert 'name="title_en"' not in html
    assert '<label for="title_de">Deutsch</label>' in html and '<label for="description_nl">Nederlands</label>' in html
    assert "<legend>Title in other languages</legend>" in html
    assert "<legend>Description in other languages</legend>" in html
    # Closed while empty; open when something was entered or is wrong.
    assert '<details class="field translations">' in html


def test_organiser_enters_translations_and_sees_them_again(organiser_client, form_data):
    data = {**form_data, "title_de": "  Kernteam-Treffen ", "description_de": "Wir planen.", "title_nl": ""}
    response = post_form(organiser_client, "/manage/meetings/new", data)
    assert response.status_code == 302, text_of(response)[:3000]
    meeting = only_meeting()
    assert meeting.translations == {"de": {"title": "Kernteam-Treffen", "description": "Wir planen."}}
    html = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/edit"))
    assert 'value="Kernteam-Treffen"' in html and "Wir planen.</textarea>" in html
    assert '<details class="field translations" open>' in html
    assert "Deutsch" in text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))
    # Emptied again: the translation is gone, the main texts stay.
    data = {**data, "title_de": "", "description_de": ""}
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/edit", data)
    assert response.status_code == 302
    assert only_meeting().translations == {} and only_meeting().title == "Core Team meeting"


def test_with_german_as_main_language_english_is_offered(organiser_client, form_data):
    data = {**form_data, "language": "de", "title": "Kernteam-Treffen", "title_en": "Core Team meeting",
            "title_de": "ignored"}
    assert post_form(organiser_client, "/manage/meetings/new", data).status_code == 302
    meeting = only_meeting()
    assert meeting.translations == {"en": {"title": "Core Team meeting"}}
    html = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/edit"))
    assert 'name="title_en"' in html and 'name="title_de"' not in html


@pytest.mark.parametrize("field,value,message", [
    ("title_de", "x" * 201, "Field cannot be longer than 200 characters."),
    ("title_nl", "Kern\nteam", "Line breaks and control characters are not allowed here."),
    ("description_de", "a\x00b", "Control characters are not allowed here."),
    ("description_nl", "x" * 20001, "Field cannot be longer than 20000 characters."),
])
def test_bad_translations_are_refused_at_their_field(organiser_client, form_data, field, value, message):
    response = post_form(organiser_client, "/manage/meetings/new", {**form_data, field: value})
    assert response.status_code == 422
    html = text_of(response)
    error = html[html.index(f'id="{field}-error"'):]
    assert message in error[:400]
    assert only_meeting() is None


@pytest.fixture
def organisers_meeting(app):
    return make_meeting(title="Core Team", language="en", starts_at=datetime(2031, 6, 5, 8, 0, tzinfo=UTC),
                        ends_at=datetime(2031, 6, 5, 14, 0, tzinfo=UTC))


def _item_data(**fields):
    return {"title": "Welcome", "start_time": "", "duration_minutes": "15", "presenter": "", "notes": "",
            "title_de": "", "title_nl": "", **fields}


def test_agenda_item_titles_in_other_languages(organiser_client, organisers_meeting):
    meeting = organisers_meeting
    page = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))
    assert '<label for="title_de">' in page and '<label for="title_nl">' in page and 'name="title_en"' not in page
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/agenda/",
                         _item_data(title_de="Begrüßung"), form_url=f"/manage/meetings/{meeting.id}")
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.scalar(select(AgendaItem))
    assert item.translations == {"de": {"title": "Begrüßung"}}
    edit_url = f"/manage/meetings/{meeting.id}/agenda/{item.id}"
    assert 'value="Begrüßung"' in text_of(organiser_client.get(edit_url))
    response = post_form(organiser_client, edit_url, _item_data(title_de="Willkommen", title_nl="Welkom"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).translations == {"de": {"title": "Willkommen"},
                                                                 "nl": {"title": "Welkom"}}


def test_a_bad_agenda_translation_is_refused_at_its_field(organiser_client, organisers_meeting):
    meeting = organisers_meeting
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/agenda/",
                         _item_data(title_nl="x" * 201), form_url=f"/manage/meetings/{meeting.id}")
    assert response.status_code == 422
    html = text_of(response)
    assert "Field cannot be longer than 200 characters." in html[html.index('id="title_nl-error"'):][:300]
    assert db.session.scalar(select(AgendaItem)) is None


# --- what readers see -------------------------------------------------------------------------

@pytest.mark.parametrize("language,title,agenda,description", [
    ("de", "Kernteam-Treffen", ("Begrüßung", "Robot cells"), "das nächste Jahr"),
    ("nl", "Core Team meeting", ("Welcome", "Robot cells"), "the next year"),
    ("en", "Core Team meeting", ("Welcome", "Robot cells"), "the next year"),
])
def test_the_public_page_and_list_speak_the_visitors_language(client, bilingual, language, title, agenda,
                                                              description):
    headers = {"Accept-Language": language}
    html = text_of(client.get("/events/core-team", headers=headers))
    assert f'<h1 id="event-title">{title}</h1>' in html
    assert f"<title>{title}" in html
    for item in agenda:
        assert f"<strong>{item}</strong>" in html
    assert description in html
    listing = text_of(client.get("/events/", headers=headers))
    assert f'href="/events/core-team">{title}</a>' in listing
    assert f'href="/events/core-team">{title}</a>' in text_of(client.get("/", headers=headers))


def test_the_switcher_choice_decides_the_meetings_language(client, bilingual):
    client.get("/language/de?next=/events/")
    html = text_of(client.get("/events/core-team", headers={"Accept-Language": "nl"}))
    assert "Kernteam-Treffen" in html and "Begrüßung" in html


@pytest.mark.parametrize("url", ["/calendar.ics", "/calendar/ai.ics", "/events/core-team.ics"])
def test_feeds_and_download_in_their_language_with_fallback(client, bilingual, url):
    german = events_of(client.get(url, query_string={"lang": "de"}).data)[0]
    assert str(german["SUMMARY"]) == "Kernteam-Treffen"
    description = str(german["DESCRIPTION"])
    assert description.startswith("Wir planen das nächste Jahr.")  # plain text from the Markdown
    assert "Begrüßung" in description and "Robot cells" in description and "Tagesordnung:" in description
    dutch = events_of(client.get(url, headers={"Accept-Language": "nl"}).data)[0]
    assert str(dutch["SUMMARY"]) == "Core Team meeting"
    assert "Welcome" in str(dutch["DESCRIPTION"]) and "Begrüßung" not in str(dutch["DESCRIPTION"])


def test_a_new_translation_changes_the_feeds_validators(client, bilingual):
    before = client.get("/calendar.ics", query_string={"lang": "nl"})
    bilingual.translations = {**GERMAN, "nl": {"title": "Kernteamoverleg"}}
    db.session.commit()
    after = client.get("/calendar.ics", query_string={"lang": "nl"}, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert str(events_of(after.data)[0]["SUMMARY"]) == "Kernteamoverleg"
    # An agenda title alone moves them too.
    item = bilingual.agenda_items[1]
    item.translations = {"nl": {"title": "Robotcellen"}}
    db.session.commit()
    again = client.get("/calendar.ics", query_string={"lang": "nl"}, headers={"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 200 and "Robotcellen" in str(events_of(again.data)[0]["DESCRIPTION"])


def test_personal_feed_in_the_contacts_language(client, bilingual):
    german = make_contact(name="Jürgen Weiß", email="juergen@example.de", language="de", feed_token="g" * 43)
    dutch = make_contact(name="Annelies de Vries", email="annelies@example.nl", language="nl", feed_token="n" * 43)
    for contact in (german, dutch):
        make_participant(bilingual, contact, status="accepted")
    event = events_of(client.get(f"/feeds/{'g' * 43}.ics").data)[0]
    assert str(event["SUMMARY"]) == "Kernteam-Treffen"
    assert "Begrüßung" in str(event["DESCRIPTION"]) and "Ihre Antwort: zugesagt" in str(event["DESCRIPTION"])
    event = events_of(client.get(f"/feeds/{'n' * 43}.ics").data)[0]
    assert str(event["SUMMARY"]) == "Core Team meeting" and "Welcome" in str(event["DESCRIPTION"])


def test_answer_and_registration_pages_in_the_persons_language(client, bilingual):
    invitee = make_participant(bilingual, make_contact(language="de"))
    html = text_of(client.get(f"/rsvp/{invitee.token}"))
    assert "<h1>Kernteam-Treffen</h1>" in html and "<strong>Begrüßung</strong>" in html
    assert "das nächste Jahr" in html
    registrant = make_participant(bilingual, email="reg@example.nl", name="Reg", kind="registrant",
                                  status="registered", language="nl")
    html = text_of(client.get(f"/registrations/{registrant.token}"))
    assert "<h1>Core Team meeting</h1>" in html
    german = make_participant(bilingual, email="reg@example.de", name="Reg", kind="registrant",
                              status="registered", language="de")
    assert "<h1>Kernteam-Treffen</h1>" in text_of(client.get(f"/registrations/{german.token}"))


def test_the_invitees_own_calendar_file_is_in_their_language(client, bilingual):
    german = make_participant(bilingual, make_contact(language="de"))
    dutch = make_participant(bilingual, make_contact(email="nl@example.nl", language="nl"))
    (event,) = events_of(client.get(f"/rsvp/{german.token}.ics").data)
    assert str(event["SUMMARY"]) == "Kernteam-Treffen"
    assert "Begrüßung" in str(event["DESCRIPTION"]) and "Robot cells" in str(event["DESCRIPTION"])
    (event,) = events_of(client.get(f"/rsvp/{dutch.token}.ics").data)
    assert str(event["SUMMARY"]) == "Core Team meeting" and "Welcome" in str(event["DESCRIPTION"])


def test_an_item_with_a_start_time_keeps_it_in_every_language(bilingual):
    bilingual.agenda_items[1].start_time = time(11, 0)
    db.session.commit()
    starts = {language: [start for _, start, _ in agenda_schedule(in_language(bilingual, language))]
              for language in ("en", "de", "nl")}
    assert starts["en"] == starts["de"] == starts["nl"]


def test_a_new_translation_is_offered_to_invitees_as_an_update(bilingual):
    record_sent_details(bilingual)
    db.session.commit()
    assert not update_pending(bilingual)
    bilingual.agenda_items[1].translations = {"nl": {"title": "Robotcellen"}}
    db.session.commit()
    assert update_pending(bilingual)
    record_sent_details(bilingual)
    bilingual.translations = {}
    db.session.commit()
    assert update_pending(bilingual)
