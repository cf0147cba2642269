"""Topics on the organiser side: list, add, rename, delete."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.events.models import Meeting, Topic, meeting_topics
from meetings.extensions import db
from tests.factories import make_meeting, make_topic
from tests.helpers import post_form, text_of

URL = "/manage/meetings/topics/"


def topics() -> list[Topic]:
    db.session.expire_all()
    return list(db.session.scalars(select(Topic).order_by(Topic.id)))


def test_anonymous_visitor_is_sent_to_login(client):
    assert "/login" in client.get(URL).headers["Location"]


def test_add_topics_with_generated_unique_slugs(organiser_client):
    make_topic(name="Data-driven decisions", slug="automation-digitalisation")
    for name in ("Automation & Digitalisation", "Künstliche Intelligenz", "Automation / Digitalisation"):
        assert post_form(organiser_client, URL, {"name": name}).status_code == 302
    assert [(t.name, t.slug) for t in topics()[1:]] == [
        ("Automation & Digitalisation", "automation-and-digitalisation"),
        ("Künstliche Intelligenz", "kuenstliche-intelligenz"),
        ("Automation / Digitalisation", "automation-digitalisation-2"),
    ]
    html = text_of(organiser_client.get(URL))
    assert "Künstliche Intelligenz" in html and 'for="name"' in html


@pytest.mark.parametrize("name,message", [
    ("", "Please enter a name."),
    ("x" * 121, "Field cannot be longer than 120 characters."),
    ("AI\r\nX", "Line breaks and control characters are not allowed here."),
    ("ai", "A topic with this name already exists."),
])
def test_invalid_topic_is_refused_at_the_field(organiser_client, name, message):
    make_topic(name="AI", slug="ai")
    response = post_form(organiser_client, URL, {"name": name})
    assert response.status_code == 422
    html = text_of(response)
    assert 'id="name-error"' in html and message in html
    assert len(topics()) == 1


def test_rename_keeps_the_slug(organiser_client):
    topic = make_topic(name="AI", slug="ai")
    response = post_form(organiser_client, f"{URL}{topic.id}", {"name": "Artificial Intelligence"})
    assert response.status_code == 302
    assert [(t.name, t.slug) for t in topics()] == [("Artificial Intelligence", "ai")]


def test_rename_to_a_taken_name_is_refused(organiser_client):
    make_topic(name="AI")
    topic = make_topic(name="Robotics")
    response = post_form(organiser_client, f"{URL}{topic.id}", {"name": "AI"})
    assert response.status_code == 422
    assert "A topic with this name already exists." in text_of(response)


def test_delete_topic_takes_it_off_meetings(organiser_client):
    topic = make_topic(name="Remanufacturing")
    keep = make_topic(name="AI")
    meeting = make_meeting(topics=[topic, keep])
    response = post_form(organiser_client, f"{URL}{topic.id}/delete", form_url=URL)
    assert response.status_code == 302
    assert [t.name for t in topics()] == ["AI"]
    assert db.session.scalar(select(func.count()).select_from(meeting_topics)) == 1
    assert [t.name for t in db.session.get(Meeting, meeting.id).topics] == ["AI"]


def test_unknown_topic_is_404(organiser_client):
    assert organiser_client.get(f"{URL}9999").status_code == 404
    assert post_form(organiser_client, f"{URL}99999999999999999999/delete", form_url=URL).status_code == 404
