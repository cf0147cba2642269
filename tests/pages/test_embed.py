"""The list of events partners embed: framed only by the listed origins, every other page
keeps frame-ancestors 'none'; its own CSS, no script; bad parameters get a 400 page."""
from __future__ import annotations

import pytest

from tests import factories
from tests.helpers import text_of


@pytest.fixture
def events(app):
    robotics = factories.make_topic(name="Robotics", slug="robotics")
    ai = factories.make_topic(name="AI", slug="ai")
    for n in range(7):
        meeting = factories.make_meeting(title=f"Robotics {n}", slug=f"robotics-{n}",
                                         starts_at=factories.future(10 + n))
        meeting.topics = [robotics]
    meeting = factories.make_meeting(title="AI day", slug="ai-day")
    meeting.topics = [ai]
    meeting.translations = {"de": {"title": "KI-Tag"}}
    factories.make_meeting(title="Invitation only", visibility="invitation")
    factories.db.session.commit()


def test_the_list_by_topic_language_and_limit(client, events):
    response = client.get("/embed/events?topic=robotics&lang=de&limit=5")
    assert response.status_code == 200
    html = text_of(response)
    assert html.count('<li lang="de">') == 5 and "Robotics 0" in html and "Robotics 5" not in html
    assert '<html lang="de">' in html and "AI day" not in html and "Invitation only" not in html
    assert "<script" not in html and "/static/css/app.css" in html
    assert 'href="http://meetings.test/events/robotics-0?lang=de" target="_blank" rel="noopener"' in html
    assert "KI-Tag" in text_of(client.get("/embed/events?topic=ai&lang=de"))


def test_framing_only_for_the_listed_origins(app, client, events):
    app.config["EMBED_ORIGINS"] = ("https://www.ihk.example", "https://oostnl.example")
    embed = client.get("/embed/events")
    assert "frame-ancestors 'self' https://www.ihk.example https://oostnl.example" in embed.headers[
        "Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    for path in ("/", "/events/", "/about", "/contact"):
        other = client.get(path)
        assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"], path
        assert other.headers["X-Frame-Options"] == "DENY", path


@pytest.mark.parametrize("query,message", [
    ("topic=nope", "There is no topic with this address."),
    ("topic=%00", "There is no topic with this address."),
    ("lang=fr", "The language must be one of: en, de, nl."),
    ("limit=0", "The limit must be a whole number from 1 to 20."),
    ("limit=21", "The limit must be a whole number from 1 to 20."),
    ("limit=-1", "The limit must be a whole number from 1 to 20."),
    ("limit=abc", "The limit must be a whole number from 1 to 20."),
    ("limit=99999999999999999999", "The limit must be a whole number from 1 to 20."),
])
def test_bad_parameters_get_a_400_page(client, events, query, message):
    response = client.get(f"/embed/events?{query}")
    assert response.status_code == 400
    assert message in text_of(response)


def test_the_organiser_copies_the_snippet(organiser_client, events):
    page = organiser_client.get("/manage/site/embed?topic=robotics&lang=nl&limit=3")
    assert page.status_code == 200
    html = text_of(page)
    assert ("&lt;iframe src=&#34;http://meetings.test/embed/events?lang=nl&amp;limit=3&amp;topic=robotics&#34;"
            in html or "&lt;iframe src=\"http://meetings.test/embed/events?lang=nl&amp;limit=3&amp;topic=robotics\""
            in html)
    assert '<label for="snippet">' in html
    assert organiser_client.get("/manage/site/embed?limit=500").status_code == 400


def test_the_configured_origins_are_checked(tmp_path):
    from config import ConfigError, load_config

    cfg = load_config(tmp_path, {"SECRET_KEY": "x", "EMBED_ORIGINS": "https://www.ihk.example, https://a.example:8443/"})
    assert cfg["EMBED_ORIGINS"] == ("https://www.ihk.example", "https://a.example:8443")
    with pytest.raises(ConfigError):
        load_config(tmp_path, {"SECRET_KEY": "x", "EMBED_ORIGINS": "https://a.example; script-src *"})
    assert load_config(tmp_path, {"SECRET_KEY": "x"})["CONTACT_EMAIL"] == "meetings@localhost"
    assert load_config(tmp_path, {"SECRET_KEY": "x", "ORGANIZER_EMAIL": "office@cluster.example"})[
        "CONTACT_EMAIL"] == "office@cluster.example"
