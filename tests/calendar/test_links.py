"""Subscribing: webcal, Google and Outlook links, the .ics downloads on the pages, the help page."""
from __future__ import annotations

import html as html_lib
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from meetings.calendar import links
from tests.factories import make_meeting, make_topic
from tests.helpers import text_of

START = datetime(2031, 7, 2, 8, 0, tzinfo=timezone.utc)


def hrefs(page: str) -> list[str]:
    import re

    return [html_lib.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


# --- the addresses themselves ------------------------------------------------------------------------

def test_webcal_keeps_everything_but_the_scheme():
    assert links.webcal_url("https://example.org/calendar/ai.ics?lang=de") == \
        "webcal://example.org/calendar/ai.ics?lang=de"
    assert links.webcal_url("http://meetings.test/calendar.ics") == "webcal://meetings.test/calendar.ics"


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://x/y.ics", "/calendar.ics"])
def test_webcal_refuses_what_is_not_a_web_address(bad):
    with pytest.raises(ValueError):
        links.webcal_url(bad)


def test_feed_links_for_google_and_outlook():
    feed = links.feed_links("https://example.org/calendar/ai.ics", "Cluster meetings: AI & Robots #1")
    assert query(feed.google) == {"cid": ["webcal://example.org/calendar/ai.ics"]}
    assert feed.google.startswith("https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F")
    assert feed.outlook.startswith("https://outlook.live.com/calendar/0/addfromweb?")
    assert query(feed.outlook) == {"url": ["webcal://example.org/calendar/ai.ics"],
                                   "name": ["Cluster meetings: AI & Robots #1"]}
    assert "&" not in feed.outlook.split("&name=")[1] and "#" not in feed.outlook


def test_event_links_carry_the_meeting_in_utc_and_cannot_be_cut_short():
    event = links.event_links(download="https://example.org/events/x.ics", title="R&D #2 + more",
                              starts_at=START, ends_at=START + timedelta(hours=2), details="a\nb",
                              location="Hengelosestraat 500, Enschede")
    google = query(event.google)
    assert google["action"] == ["TEMPLATE"] and google["text"] == ["R&D #2 + more"]
    assert google["dates"] == ["20310702T080000Z/20310702T100000Z"]
    assert google["details"] == ["a\nb"] and google["location"] == ["Hengelosestraat 500, Enschede"]
    outlook = query(event.outlook)
    assert outlook["subject"] == ["R&D #2 + more"]
    assert outlook["startdt"] == ["2031-07-02T08:00:00Z"] and outlook["enddt"] == ["2031-07-02T10:00:00Z"]
    assert event.webcal == "webcal://example.org/events/x.ics"
    assert query(event.google_subscribe) == {"cid": ["webcal://example.org/events/x.ics"]}


def test_long_details_are_shortened():
    event = links.event_links(download="https://e.org/x.ics", title="t", starts_at=START,
                              ends_at=START + timedelta(hours=1), details="x" * 5000)
    assert len(query(event.google)["details"][0]) == links.MAX_DETAILS


# --- on the pages -------------------------------------------------------------------------------------

def test_events_page_offers_the_public_feed(client):
    make_meeting()
    page = text_of(client.get("/events/"))
    found = hrefs(page)
    assert "webcal://meetings.test/calendar.ics?lang=en" in found
    assert "http://meetings.test/calendar.ics?lang=en" in found
    assert any(h.startswith("https://calendar.google.com/calendar/render?cid=webcal") for h in found)
    assert any(h.startswith("https://outlook.live.com/calendar/0/addfromweb?url=webcal") for h in found)
    assert "/calendar/subscribe" in found


def test_a_topics_page_offers_the_topics_feed(client):
    ai = make_topic(name="AI", slug="ai")
    make_meeting(topics=[ai])
    found = hrefs(text_of(client.get("/events/?topic=ai")))
    assert "webcal://meetings.test/calendar/ai.ics?lang=en" in found
    assert "http://meetings.test/calendar/ai.ics?lang=en" in found
    assert "/calendar/subscribe?topic=ai" in found
    assert "webcal://meetings.test/calendar.ics?lang=en" not in found


def test_a_meeting_page_offers_download_google_outlook_and_a_subscription(client):
    meeting = make_meeting(slug="core-team", title="Core Team", starts_at=START, ends_at=START + timedelta(hours=3))
    found = hrefs(text_of(client.get("/events/core-team")))
    assert "http://meetings.test/events/core-team.ics?lang=en" in found
    assert "webcal://meetings.test/events/core-team.ics?lang=en" in found
    google = next(h for h in found if h.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE"))
    assert query(google)["text"] == ["Core Team"]
    assert query(google)["dates"] == ["20310702T080000Z/20310702T110000Z"]
    assert query(google)["details"] == ["http://meetings.test/events/core-team"]
    assert any(h.startswith("https://outlook.live.com/calendar/0/deeplink/compose?") for h in found)
    assert client.get("/events/core-team.ics?lang=en").status_code == 200
    assert meeting.uid


def test_links_follow_the_language_chosen_on_the_page(client):
    # Calendar clients send no Accept-Language of their own: the links carry the page's language.
    make_meeting(slug="core-team", title="Core Team", starts_at=START, ends_at=START + timedelta(hours=3))
    client.get("/language/de")
    found = hrefs(text_of(client.get("/events/core-team", headers={"Accept-Language": "en"})))
    assert "http://meetings.test/events/core-team.ics?lang=de" in found
    assert "webcal://meetings.test/calendar.ics?lang=de" in hrefs(text_of(client.get("/events/")))
    data = client.get("/calendar.ics?lang=de", headers={"Accept-Language": "en"}).data
    assert b"X-WR-CALNAME:Cluster-Treffen" in data


def test_a_private_meeting_page_offers_no_subscription(organiser_client):
    make_meeting(slug="closed", visibility="invitation")
    page = text_of(organiser_client.get("/events/closed"))
    assert "webcal://" not in page


# --- the help page ----------------------------------------------------------------------------------

def test_help_page_explains_each_client(client):
    response = client.get("/calendar/subscribe")
    assert response.status_code == 200
    page = text_of(response)
    for client_name in ("Google Calendar", "Outlook", "Apple Calendar", "Thunderbird"):
        assert f">{client_name}" in page, client_name
    assert "webcal://meetings.test/calendar.ics?lang=en" in hrefs(page)


def test_help_page_for_a_topic(client):
    make_topic(name="AI", slug="ai")
    found = hrefs(text_of(client.get("/calendar/subscribe?topic=ai")))
    assert "webcal://meetings.test/calendar/ai.ics?lang=en" in found


@pytest.mark.parametrize("topic", ["unknown", "a\x00b", "x" * 200])
def test_help_page_for_an_unknown_topic_is_404(client, topic):
    assert client.get("/calendar/subscribe", query_string={"topic": topic}).status_code == 404


def test_help_page_speaks_the_visitors_language(client):
    page = text_of(client.get("/calendar/subscribe", headers={"Accept-Language": "de"}))
    assert '<html lang="de">' in page
