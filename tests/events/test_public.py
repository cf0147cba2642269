"""Public event pages: the list of public meetings, a meeting's page, who may see what."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.factories import (future, make_agenda_item, make_meeting, make_topic, make_venue)
from tests.helpers import text_of


def positions(html: str, *needles: str) -> list[int]:
    found = [html.find(n) for n in needles]
    assert all(p >= 0 for p in found), [n for n, p in zip(needles, found) if p < 0]
    return found


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by ``heading_id``."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start:html.index("</section>", start)]


# --- /events/ -------------------------------------------------------------------

def test_events_lists_upcoming_soonest_first_and_past_latest_first(client):
    make_meeting(title="Later meeting", starts_at=future(40))
    make_meeting(title="Sooner meeting", starts_at=future(10))
    make_meeting(title="Long ago", starts_at=future(-300), status="held")
    make_meeting(title="Recently", starts_at=future(-20), status="held")
    html = text_of(client.get("/events/"))
    upcoming, past = section(html, "upcoming-title"), section(html, "past-title")
    sooner, later = positions(upcoming, "Sooner meeting", "Later meeting")
    assert sooner < later
    recently, long_ago = positions(past, "Recently", "Long ago")
    assert recently < long_ago
    assert "Long ago" not in upcoming and "Sooner meeting" not in past


def test_events_shows_when_place_topics_and_status(client):
    ai = make_topic(name="AI", slug="ai")
    venue = make_venue(name="High Tech Factory", city="Enschede")
    make_meeting(title="Robotics day", venue=venue, topics=[ai],
                 starts_at=datetime(2031, 6, 5, 8, 0, tzinfo=timezone.utc),
                 ends_at=datetime(2031, 6, 5, 14, 0, tzinfo=timezone.utc))
    make_meeting(title="Online only", venue=None, online_url="https://meet.example.org/x", starts_at=future(50))
    make_meeting(title="Called off", status="cancelled", starts_at=future(60))
    html = text_of(client.get("/events/"))
    assert "Thursday, 5 June 2031, 10:00–16:00 (CEST, Europe/Amsterdam)" in html
    assert "High Tech Factory, Enschede" in html
    assert '<a class="tag" href="/events/?topic=ai">AI</a>' in html
    card = html[html.index("Online only"):]
    assert "Online" in card[:card.index("</li>")]
    cancelled = html[html.index("Called off"):]
    assert '<span class="badge badge-cancelled">Cancelled</span>' in cancelled[:cancelled.index("</li>")]


def test_events_hides_drafts_and_invitation_only_meetings(client):
    make_meeting(title="Public one")
    make_meeting(title="Secret draft", status="draft")
    make_meeting(title="Core Team only", visibility="invitation")
    make_meeting(title="Old Core Team", visibility="invitation", status="held", starts_at=future(-30))
    for url in ("/events/", "/"):
        html = text_of(client.get(url))
        assert "Public one" in html
        assert "Secret draft" not in html and "Core Team only" not in html and "Old Core Team" not in html


def test_events_filter_by_topic(client):
    ai = make_topic(name="AI", slug="ai")
    cyber = make_topic(name="Cyber Security", slug="cyber-security")
    make_meeting(title="Machine vision", topics=[ai])
    make_meeting(title="Firewalls for factories", topics=[cyber])
    make_meeting(title="Past vision", topics=[ai], starts_at=future(-40), status="held")
    response = client.get("/events/?topic=ai")
    assert response.status_code == 200
    html = text_of(response)
    assert "Events on AI" in html
    assert "Machine vision" in html and "Past vision" in html
    assert "Firewalls for factories" not in html
    assert '<a class="tag" href="/events/?topic=ai" aria-current="page">AI</a>' in html


@pytest.mark.parametrize("query", ["topic=no-such-topic", "topic=", "topic=%00", "topic=" + "x" * 500])
def test_unknown_topic_is_404(client, query):
    make_topic(name="AI", slug="ai")
    response = client.get(f"/events/?{query}")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


def test_past_meetings_are_paginated_20_per_page(client):
    venue = make_venue()
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=2)
    for n in range(45):
        make_meeting(title=f"Past meeting {n:02d}", venue=venue, status="held",
                     starts_at=start - timedelta(days=n), ends_at=start - timedelta(days=n) + timedelta(hours=2))
    make_meeting(title="Coming up", venue=venue)
    first = text_of(client.get("/events/"))
    titles = re.findall(r"Past meeting (\d\d)", section(first, "past-title"))
    assert titles == [f"{n:02d}" for n in range(20)]
    assert "Coming up" in first
    assert 'href="/events/?page=2"' in first and "Page 1 of 3" in first

    third = client.get("/events/?page=3")
    assert third.status_code == 200
    html = text_of(third)
    assert re.findall(r"Past meeting (\d\d)", html) == [f"{n:02d}" for n in range(40, 45)]
    assert 'href="/events/?page=2"' in html and "?page=4" not in html
    # The upcoming section belongs on the first page only.
    assert "Coming up" not in html


@pytest.mark.parametrize("page", ["4", "0", "-1", "abc", "1.5", "", "99999999999999999999", "%00", "%EF%BC%92"])
def test_out_of_range_or_odd_page_is_404(client, page):
    venue = make_venue()
    for n in range(45):
        make_meeting(venue=venue, status="held", starts_at=future(-10 - n))
    response = client.get(f"/events/?page={page}")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


def test_empty_events_page_says_so(client):
    response = client.get("/events/")
    assert response.status_code == 200
    html = text_of(response)
    assert "No public meetings are planned at the moment." in html
    assert "No past public meetings yet." in html


# --- /events/<slug> ---------------------------------------------------------------

def test_meeting_page_shows_everything_a_visitor_needs(client):
    venue = make_venue(name="High Tech Factory", room="Meeting room 1", address="Hengelosestraat 500",
                       postal_code="7521 AN", city="Enschede", country="DE",
                       map_url="https://www.openstreetmap.org/?mlat=52.2386&mlon=6.8566",
                       directions="Train to *Kennispark*.", accessibility="Step-free entrance.")
    ai = make_topic(name="AI", slug="ai")
    meeting = make_meeting(title="Inaugural Core Team meeting", slug="inaugural", venue=venue, topics=[ai],
                           description="We **start** the cluster.",
                           online_url="https://meet.example.org/inaugural",
                           starts_at=datetime(2031, 6, 5, 8, 0, tzinfo=timezone.utc),
                           ends_at=datetime(2031, 6, 5, 14, 0, tzinfo=timezone.utc))
    make_agenda_item(meeting, title="Welcome", duration_minutes=15, presenter="Anna Schmidt")
    make_agenda_item(meeting, title="AI in production", duration_minutes=45, notes="Slides *later*.")
    response = client.get("/events/inaugural")
    assert response.status_code == 200
    html = text_of(response)
    assert "<h1 id=\"event-title\">Inaugural Core Team meeting</h1>" in html
    assert "Thursday, 5 June 2031, 10:00–16:00 (CEST, Europe/Amsterdam)" in html
    for text in ("High Tech Factory", "Meeting room 1", "Hengelosestraat 500", "7521 AN Enschede", "Germany",
                 "<em>Kennispark</em>", "Step-free entrance.", "We <strong>start</strong> the cluster.",
                 "Anna Schmidt", "Slides <em>later</em>."):
        assert text in html
    assert ('<a href="https://www.openstreetmap.org/?mlat=52.2386&amp;mlon=6.8566" rel="nofollow noopener">'
            in html)
    assert '<a href="https://meet.example.org/inaugural" rel="nofollow noopener">' in html
    assert '<a class="tag" href="/events/?topic=ai">AI</a>' in html
    # Agenda in the meeting's zone: 10:00 CEST, then when the previous item ends.
    welcome, talk = positions(html, ">10:00</time>", ">10:15</time>")
    assert welcome < talk and ">11:00</time>" in html
    assert "(15 min)" in html and "(45 min)" in html


def test_cancelled_meeting_has_a_banner(client):
    make_meeting(slug="called-off", status="cancelled")
    html = text_of(client.get("/events/called-off"))
    assert "This meeting has been cancelled." in html
    assert "badge-cancelled" in html


def test_online_only_meeting(client):
    make_meeting(slug="webinar", venue=None, online_url="https://meet.example.org/w")
    html = text_of(client.get("/events/webinar"))
    assert "Join online" in html and 'id="venue-title"' not in html


@pytest.mark.parametrize("overrides", [{"status": "draft"}, {"visibility": "invitation"},
                                       {"visibility": "invitation", "status": "held"}])
def test_hidden_meetings_are_404_for_anonymous_visitors(client, overrides):
    make_meeting(slug="hidden", title="Hidden meeting", **overrides)
    response = client.get("/events/hidden")
    assert response.status_code == 404
    html = text_of(response)
    assert "Hidden meeting" not in html
    assert "Page not found" in html and 'class="site-header"' in html


@pytest.mark.parametrize("overrides,notice", [
    ({"status": "draft"}, "Not public: draft"),
    ({"status": "draft", "visibility": "invitation"}, "Not public: draft"),
    ({"visibility": "invitation"}, "Not public: invitation only"),
])
def test_organiser_sees_hidden_meeting_with_a_notice(organiser_client, overrides, notice):
    meeting = make_meeting(slug="hidden", title="Hidden meeting", **overrides)
    response = organiser_client.get("/events/hidden")
    assert response.status_code == 200
    html = text_of(response)
    assert "Hidden meeting" in html and notice in html
    assert f'href="/manage/meetings/{meeting.id}' in html


def test_organiser_sees_no_notice_on_a_public_meeting(organiser_client):
    meeting = make_meeting(slug="open")
    html = text_of(organiser_client.get("/events/open"))
    assert "Not public" not in html
    assert f'href="/manage/meetings/{meeting.id}' in html


def test_visitor_gets_no_organiser_link(client):
    make_meeting(slug="open")
    assert "/manage/meetings/" not in text_of(client.get("/events/open"))


@pytest.mark.parametrize("slug", ["no-such-meeting", "x" * 121, "%00", "a%0Ab", "%FF"])
def test_unknown_meeting_is_404(client, slug):
    make_meeting(slug="real")
    response = client.get(f"/events/{slug}")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


# --- escaping ---------------------------------------------------------------------

HOSTILE_DESCRIPTION = ('Hello <script>alert("d")</script> <img src=x onerror="alert(2)"> '
                       '<a href="javascript:alert(3)">click</a> [md](javascript:alert(4)) '
                       '<iframe src="https://evil.example"></iframe> <b onclick="alert(5)">bold</b>')


@pytest.mark.parametrize("url", ["/", "/events/", "/events/hostile"])
def test_user_text_is_escaped_and_sanitised(client, url):
    topic = make_topic(name="<b>Topic</b>", slug="t")
    venue = make_venue(name="<img src=x onerror=alert(6)>", city="<i>City</i>",
                       directions='<script>alert("dir")</script>[go](javascript:alert(7))')
    meeting = make_meeting(slug="hostile", title="<script>alert(1)</script>", description=HOSTILE_DESCRIPTION,
                           venue=venue, topics=[topic])
    make_agenda_item(meeting, title="<script>alert('item')</script>", presenter="<u>P</u>",
                     notes='<a href="javascript:alert(8)">x</a><script>alert("notes")</script>')
    html = text_of(client.get(url))
    # The page's own JSON-LD block is data, its text escaped as JSON (tests/pages/test_search.py):
    # nothing in it can end it, and the rest of the page is checked without it.
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        assert "<" not in block and ">" not in block
    html = re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    # Escaped text is harmless, and so is text percent-encoded into add-to-calendar links.
    outside_links = re.sub(r'href="https://(?:calendar\.google\.com|outlook\.live\.com)/[^"]*"', "", html)
    assert "onerror" not in outside_links.replace("onerror=alert(6)&gt;", "")
    assert 'href="javascript:' not in html and "<iframe" not in html and "onclick" not in html
    assert "<b>Topic</b>" not in html and "<i>City</i>" not in html
    if url == "/events/hostile":
        assert "&lt;img src=x onerror=alert(6)&gt;" in html
        assert "<b>bold</b>" in html  # harmless markup survives the sanitiser


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,hi", "//evil.example/x", "vbscript:x"])
def test_stored_links_that_are_not_web_addresses_are_not_linked(client, link):
    make_meeting(slug="links", online_url=link, venue=make_venue(map_url=link))
    html = text_of(client.get("/events/links"))
    assert f'href="{link}' not in html


# --- the home page ----------------------------------------------------------------

def test_home_shows_next_public_meetings(client):
    venue = make_venue(name="High Tech Factory", city="Enschede")
    make_meeting(title="Open robotics day", venue=venue, starts_at=datetime(2031, 1, 9, 9, 0, tzinfo=timezone.utc),
                 ends_at=datetime(2031, 1, 9, 12, 0, tzinfo=timezone.utc))
    make_meeting(title="Webinar on data", venue=None, online_url="https://meet.example.org/x")
    make_meeting(title="Past one", starts_at=future(-10), status="held")
    make_meeting(title="Draft one", status="draft")
    html = text_of(client.get("/"))
    assert "Open robotics day" in html and "Webinar on data" in html
    assert "Thursday, 9 January 2031, 10:00–13:00 (CET, Europe/Amsterdam)" in html
    assert "High Tech Factory, Enschede" in html
    webinar = html[html.index("Webinar on data"):]
    assert "Online" in webinar[:webinar.index("</li>")]
    assert "Past one" not in html and "Draft one" not in html
    assert 'href="/events/"' in html
    assert "id=\"intro-title\">Advanced Manufacturing & Robotics</h1>" in html
    # The blog is in the navigation; without posts there is no "Latest posts" section.
    assert 'href="/blog/"' in html and "Latest posts" not in html


def test_home_without_meetings(client):
    html = text_of(client.get("/"))
    assert "No public meetings are planned at the moment." in html


def test_home_shows_at_most_six_meetings_soonest_first(client):
    venue = make_venue()
    for n in range(8):
        make_meeting(title=f"Meeting number {n}", venue=venue, starts_at=future(10 + n))
    html = text_of(client.get("/"))
    assert re.findall(r"Meeting number (\d)", html) == [str(n) for n in range(6)]
