"""Shared set-up for the blog tests: a held meeting with its record, and posts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from meetings.blog.models import Post
from meetings.extensions import db
from meetings.followup.services import add_action_item, save_minutes, set_action_done
from tests.followup.scenario import Held, make_held_meeting


def record_minutes(held: Held, next_on: date | None = None, next_note: str | None = "before the summer holidays"):
    """Notes, two decisions, two open action items and one done, and the next meeting."""
    items = held.meeting.agenda_items
    save_minutes(held.meeting, {items[1].id: "Private note: budget still unclear."},
                 "Each topic gets a lead partner.\nA public Robotics Day in the autumn.", next_on, next_note)
    add_action_item(held.meeting, "Programme for the Robotics Day", held.bas.id, date(2024, 10, 31))
    add_action_item(held.meeting, "Overview of support programmes", held.katrin.id, None)
    done = add_action_item(held.meeting, "Circulate the list of topic leads", held.pieter.id, None)
    set_action_done(done, True)
    db.session.commit()


def held_with_minutes(**meeting_kw) -> Held:
    held = make_held_meeting(**meeting_kw)
    record_minutes(held)
    return held


def make_post(title: str = "A post", *, days_ago: float = 1, status: str = "published", body: str = "Some *text*.",
              meeting=None, language: str = "en", slug: str | None = None) -> Post:
    """A post published ``days_ago`` (negative: scheduled in the future), committed."""
    when = datetime.now(timezone.utc) - timedelta(days=days_ago)
    post = Post(title=title, slug=slug or title.lower().replace(" ", "-"), body=body, language=language,
                status=status, meeting_id=meeting.id if meeting else None,
                published_at=None if status == "draft" else when,
                publish_at=when if status == "scheduled" else None, created_at=when, updated_at=when)
    db.session.add(post)
    db.session.commit()
    return post
