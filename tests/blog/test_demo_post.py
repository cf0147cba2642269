"""The demo's kick-off post is what "Draft follow-up post" writes from the demo's
recorded attendance, agenda and minutes, published on 12 June 2024."""
from __future__ import annotations

from datetime import datetime, timezone

import feedparser
from sqlalchemy import select

from meetings.blog.models import Post
from meetings.blog.services import draft_followup
from meetings.demo.data import KICK_OFF_SLUG
from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.followup.models import ActionItem, MeetingRecord
from meetings.followup.services import decision_texts, earlier_open_actions
from tests.helpers import text_of


def load(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()


def test_demo_post_is_the_draft_of_the_recorded_kick_off(app, client):
    load(app)
    kick_off = db.session.scalar(select(Meeting).where(Meeting.slug == KICK_OFF_SLUG))
    post = db.session.scalar(select(Post).where(Post.meeting_id == kick_off.id))
    with app.test_request_context():
        draft = draft_followup(kick_off, "en")
    assert (post.title, post.body, post.language) == (draft.title, draft.body, "en")
    assert post.status == "published"
    assert post.published_at == datetime(2024, 6, 12, 8, 0, tzinfo=timezone.utc)
    # Built from the record: attendance, agenda topics, decisions, actions, next meeting.
    record = db.session.get(MeetingRecord, kick_off.id)
    assert record.next_meeting_note == "before the summer holidays" and len(decision_texts(kick_off)) == 4
    for fact in ("Wednesday, 5 June 2024", "High Tech Factory", "Enschede", decision_texts(kick_off)[0],
                 "before the summer holidays"):
        assert fact in post.body
    # What was discussed: the agenda items with minutes; the tags only as the meeting's topics.
    assert "The discussion covered AI, Cyber Security, Remanufacturing, and Next steps." in post.body
    assert ("Topics of the meeting: AI, Automation & Digitalisation, Cyber Security, Data-driven Decision-making, "
            "and Remanufacturing.") in post.body
    # The eight partners, as a statement about the cluster, then where to ask, closing the post.
    assert post.body.rstrip().splitlines()[-1] == "For more information please [contact us](http://meetings.test/contact?lang=en)."
    assert post.body.rstrip().splitlines()[-3] == (
        "The cluster's partners are FH Münster Department of Mechanical Engineering, Fraunhofer Innovation "
        "Platform at the University of Twente, IHK Nord Westfalen, Mechatronic Institute Bocholt of the "
        "Westfälische Hochschule, Oost NL, Saxion Mechatronics Research Group, University of Twente, and "
        "WFG Borken.")
    # The public reads it on the blog, in the feed, and from the home page.
    assert post.title in text_of(client.get("/blog/"))
    assert client.get(f"/blog/{post.slug}").status_code == 200
    assert post.title in text_of(client.get("/"))
    feed = feedparser.parse(client.get("/blog/feed.atom").data)
    assert not feed.bozo and [e.title for e in feed.entries] == [post.title]


def test_demo_open_actions_follow_the_core_team_to_its_next_meeting(app):
    load(app)
    upcoming = db.session.scalar(select(Meeting).where(Meeting.slug.startswith("core-team-meeting-")))
    open_items = earlier_open_actions(upcoming)
    assert [item.what for item in open_items] == [
        item.what for item in db.session.scalars(select(ActionItem).where(ActionItem.status == "open")
                                                 .order_by(ActionItem.position))]
    assert len(open_items) == 2
