"""What search engines read: schema.org Event JSON-LD with Google's required and recommended
event properties, Open Graph and Twitter tags, the sitemap with hreflang alternates, robots.txt."""
from __future__ import annotations

import json
import re
from datetime import date
from xml.etree import ElementTree as ET

import pytest

from tests import factories
from tests.blog.helpers import make_post
from tests.helpers import text_of

# Google's event results: required, then recommended (developers.google.com/search/docs/
# appearance/structured-data/event); "image" and "previousStartDate" the app has no data for.
REQUIRED = ("name", "startDate", "location")
RECOMMENDED = ("description", "endDate", "eventAttendanceMode", "eventStatus", "offers", "organizer", "performer")
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def event_of(client, slug: str, **query) -> dict:
    html = text_of(client.get(f"/events/{slug}", query_string=query))
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def test_a_meeting_with_open_registration_has_every_property(client):
    venue = factories.make_venue(name="High Tech Factory", address="Hengelosestraat 500", postal_code="7521 AN",
                                 city="Enschede", country="NL")
    factories.make_meeting(slug="robotics", title="Robotics day", venue=venue, agenda=2, capacity=30,
                           description="Partners present **projects**.")
    data = event_of(client, "robotics")
    for name in REQUIRED + RECOMMENDED:
        assert data.get(name), name
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert OFFSET.match(data["startDate"]) and OFFSET.match(data["endDate"])
    assert data["startDate"].endswith(("+01:00", "+02:00"))
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"] == {"@type": "Place", "name": "High Tech Factory", "address": {
        "@type": "PostalAddress", "streetAddress": "Hengelosestraat 500", "addressLocality": "Enschede",
        "addressCountry": "NL", "postalCode": "7521 AN"}}
    assert data["offers"]["url"] == "http://meetings.test/events/robotics/register"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["description"] == "Partners present projects."
    assert data["inLanguage"] == "en" and data["organizer"]["@type"] == "Organization"
    assert data["performer"] == [{"@type": "Person", "name": "Presenter 1"}, {"@type": "Person", "name": "Presenter 2"}]


def test_online_mixed_cancelled_and_rescheduled(client):
    factories.make_meeting(slug="online", venue=None, online_url="https://meet.example.org/x")
    factories.make_meeting(slug="mixed", online_url="https://meet.example.org/y")
    factories.make_meeting(slug="off", status="cancelled")
    factories.make_meeting(slug="moved", moved_sequence=1)
    online = event_of(client, "online")
    assert online["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert online["location"] == {"@type": "VirtualLocation", "url": "https://meet.example.org/x"}
    mixed = event_of(client, "mixed")
    assert mixed["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in mixed["location"]] == ["Place", "VirtualLocation"]
    cancelled = event_of(client, "off")
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled" and "offers" not in cancelled
    assert event_of(client, "moved")["eventStatus"] == "https://schema.org/EventRescheduled"


def test_an_all_day_meeting_gives_its_days(client):
    factories.make_all_day_meeting(date(2031, 3, 4), date(2031, 3, 5), slug="two-days")
    data = event_of(client, "two-days")
    assert (data["startDate"], data["endDate"]) == ("2031-03-04", "2031-03-05")


def test_the_meeting_in_the_readers_language(client):
    meeting = factories.make_meeting(slug="bilingual", title="Core Team meeting")
    meeting.translations = {"de": {"title": "Kernteam-Treffen"}}
    factories.db.session.commit()
    data = event_of(client, "bilingual", lang="de")
    assert (data["name"], data["inLanguage"]) == ("Kernteam-Treffen", "de")


def test_no_text_of_the_meeting_can_end_the_script(client):
    factories.make_meeting(slug="evil", title="</script><script>alert(1)</script>", description="a & b <!--")
    html = text_of(client.get("/events/evil"))
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block.replace("\\u0026", "")
    assert json.loads(block)["name"] == "</script><script>alert(1)</script>"


def test_no_structured_data_on_a_draft(organiser_client):
    factories.make_meeting(slug="draft", status="draft")
    assert "application/ld+json" not in text_of(organiser_client.get("/events/draft"))


def test_open_graph_and_twitter_tags_on_meetings_and_posts(client):
    factories.make_meeting(slug="robotics", title="Robotics day", description="Partners *present*.")
    make_post("Looking back", body="We **met** in Enschede.")
    meeting = text_of(client.get("/events/robotics"))
    assert '<meta property="og:title" content="Robotics day">' in meeting
    assert '<meta property="og:url" content="http://meetings.test/events/robotics">' in meeting
    assert '<meta property="og:description" content="Partners present.">' in meeting
    assert '<meta name="twitter:card" content="summary">' in meeting
    post = text_of(client.get("/blog/looking-back"))
    assert '<meta property="og:type" content="article">' in post
    assert '<meta name="twitter:description" content="We met in Enschede.">' in post


def test_sitemap_lists_public_pages_in_each_language_with_alternates(client):
    factories.make_meeting(slug="robotics")
    factories.make_meeting(slug="secret", visibility="invitation")
    make_post("Looking back")
    make_post("Not yet", status="draft")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locs = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    for path in ("/", "/about", "/privacy", "/contact", "/events/robotics", "/blog/looking-back"):
        for language in ("en", "de", "nl"):
            assert f"http://meetings.test{path}?lang={language}" in locs, (path, language)
    assert not any("secret" in loc or "not-yet" in loc or "/manage/" in loc for loc in locs)
    [entry] = [url for url in root.findall("s:url", ns) if url.find("s:loc", ns).text.endswith("/about?lang=de")]
    alternates = {link.get("hreflang"): link.get("href") for link in entry.findall("x:link", ns)}
    assert alternates == {"en": "http://meetings.test/about?lang=en", "de": "http://meetings.test/about?lang=de",
                          "nl": "http://meetings.test/about?lang=nl", "x-default": "http://meetings.test/about"}


@pytest.mark.parametrize("path", ["/manage/", "/rsvp/", "/registrations/", "/feeds/", "/login"])
def test_robots_keeps_personal_and_organiser_pages_out(client, path):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = text_of(response).splitlines()
    assert f"Disallow: {path}" in lines and "Sitemap: http://meetings.test/sitemap.xml" in lines
    assert "Disallow: /events/" not in lines and "Disallow: /about" not in lines
