"""The public blog: /blog/ (newest first, paged), /blog/<slug>, the Atom feed, the
latest posts on the home page, and the links between a post and its meeting."""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import feedparser
import pytest

from meetings.blog.services import PER_PAGE
from meetings.extensions import db
from tests import factories
from tests.blog.helpers import make_post
from tests.helpers import text_of

ATOM = "{http://www.w3.org/2005/Atom}"


def titles(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/blog/[^"]+">([^<]+)</a></h2>', html)


def test_blog_lists_visible_posts_newest_first_with_date_and_excerpt(client):
    make_post("Older", days_ago=10, body="First words of the older post. " * 20)
    make_post("Newer", days_ago=1)
    make_post("Draft", status="draft")
    make_post("Scheduled", status="scheduled", days_ago=-2)
    response = client.get("/blog/")
    assert response.status_code == 200
    html = text_of(response)
    assert titles(html) == ["Newer", "Older"]
    assert "<time datetime=" in html
    excerpt = re.search(r"<p>(First words[^<]*)</p>", html).group(1)
    assert excerpt.endswith("…") and len(excerpt) <= 221
    assert 'type="application/atom+xml"' in html and 'href="/blog/feed.atom"' in html


def test_empty_blog(client):
    html = text_of(client.get("/blog/"))
    assert "No posts yet." in html


def test_blog_is_paged(client):
    for n in range(PER_PAGE + 2):
        make_post(f"Post {n:02d}", days_ago=n + 1)
    first = text_of(client.get("/blog/"))
    assert titles(first) == [f"Post {n:02d}" for n in range(PER_PAGE)]
    assert 'rel="next" href="/blog/?page=2"' in first and 'rel="prev"' not in first
    second = text_of(client.get("/blog/?page=2"))
    assert titles(second) == [f"Post {n:02d}" for n in range(PER_PAGE, PER_PAGE + 2)]
    assert 'rel="prev" href="/blog/"' in second and 'rel="next"' not in second
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("page", ["0", "3", "-1", "x", "1e3", "99999999999999", "²"])
def test_pages_that_do_not_exist_are_404(client, page):
    make_post("Only one")
    assert client.get(f"/blog/?page={page}").status_code == 404


def test_post_page_shows_the_rendered_post_its_date_and_meeting(client):
    meeting = factories.make_meeting(title="Core Team kick-off meeting", slug="core-team-kick-off",
                                     starts_at=factories.future(-30), status="held")
    post = make_post("Core Team met in Enschede", body="The team *met*.\n\n- AI\n- Remanufacturing",
                     meeting=meeting, language="de")
    response = client.get(f"/blog/{post.slug}")
    assert response.status_code == 200
    html = text_of(response)
    assert '<h1 id="post-title">Core Team met in Enschede</h1>' in html
    assert "The team <em>met</em>." in html and "<li>Remanufacturing</li>" in html
    assert 'lang="de"' in html and f'datetime="{post.published_at.isoformat()}"' in html
    assert 'href="/events/core-team-kick-off"' in html
    # The meeting's page links back to its post.
    meeting_page = text_of(client.get("/events/core-team-kick-off"))
    assert f'href="/blog/{post.slug}"' in meeting_page and "Core Team met in Enschede" in meeting_page


def test_a_post_of_an_invitation_only_meeting_names_it_without_a_link(client):
    meeting = factories.make_meeting(title="Closed session", visibility="invitation", starts_at=factories.future(-3),
                                     status="held")
    post = make_post("After the closed session", meeting=meeting)
    html = text_of(client.get(f"/blog/{post.slug}"))
    assert "Closed session" in html and f'href="/events/{meeting.slug}"' not in html


def test_organisers_meeting_page_links_the_post(organiser_client):
    meeting = factories.make_meeting(starts_at=factories.future(-3), status="held")
    post = make_post("Report", meeting=meeting)
    html = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))
    assert f'href="/blog/{post.slug}"' in html


@pytest.mark.parametrize("status,days_ago", [("draft", 1), ("scheduled", -1)])
def test_unpublished_posts_are_not_shown(client, status, days_ago):
    meeting = factories.make_meeting(starts_at=factories.future(-3), status="held")
    post = make_post("Not yet", status=status, days_ago=days_ago, meeting=meeting)
    assert client.get(f"/blog/{post.slug}").status_code == 404
    assert "Not yet" not in text_of(client.get(f"/events/{meeting.slug}"))
    assert "Not yet" not in text_of(client.get("/"))
    assert b"Not yet" not in client.get("/blog/feed.atom").data


@pytest.mark.parametrize("slug", ["nope", "x" * 500, "%00", "..%2F..%2Fetc"])
def test_unknown_post_is_404(client, slug):
    assert client.get(f"/blog/{slug}").status_code == 404


def test_home_shows_the_three_latest_posts(client):
    for n in range(4):
        make_post(f"News {n}", days_ago=n + 1)
    html = text_of(client.get("/"))
    assert "Latest posts" in html
    shown = re.findall(r'<h3><a href="/blog/[^"]+">([^<]+)</a></h3>', html)
    assert shown == ["News 0", "News 1", "News 2"]
    assert 'href="/blog/"' in html


# --- Atom -------------------------------------------------------------------------

def test_atom_feed_is_valid_and_complete(client):
    meeting = factories.make_meeting(starts_at=factories.future(-3), status="held")
    older = make_post("Older & wiser", days_ago=5, body="Body with <b>bold</b> & more.", language="nl")
    newer = make_post("Newer", days_ago=1, meeting=meeting)
    make_post("Draft", status="draft")
    response = client.get("/blog/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.title for e in parsed.entries] == ["Newer", "Older & wiser"]
    ids = [e.id for e in parsed.entries]
    assert len(set(ids)) == 2 and all(i.startswith("tag:meetings.test,") for i in ids)
    assert parsed.entries[0].link == f"http://meetings.test/blog/{newer.slug}"
    assert parsed.entries[1].link == f"http://meetings.test/blog/{older.slug}"
    assert parsed.feed.updated_parsed is not None and all(e.updated_parsed for e in parsed.entries)
    assert any(link.rel == "self" and link.href == "http://meetings.test/blog/feed.atom" for link in parsed.feed.links)
    assert "<b>bold</b>" in parsed.entries[1].content[0].value
    assert parsed.entries[1].content[0].language == "nl" and parsed.entries[0].content[0].language == "en"
    # Strict XML, with the times RFC 3339 asks for.
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    stamps = [el.text for el in root.iter(f"{ATOM}updated")] + [el.text for el in root.iter(f"{ATOM}published")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s) for s in stamps)
    assert root.find(f"{ATOM}updated").text == max(stamps)


def test_entry_ids_stay_when_a_post_is_edited(client):
    post = make_post("Stable", days_ago=3)
    before = feedparser.parse(client.get("/blog/feed.atom").data).entries[0]
    post.title, post.slug = "Stable, renamed", "stable-renamed"
    db.session.commit()
    after = feedparser.parse(client.get("/blog/feed.atom").data).entries[0]
    assert after.id == before.id and after.title == "Stable, renamed"
    assert after.updated_parsed >= before.updated_parsed


def test_empty_feed_is_valid(client):
    parsed = feedparser.parse(client.get("/blog/feed.atom").data)
    assert not parsed.bozo and parsed.entries == [] and parsed.feed.updated_parsed is not None
