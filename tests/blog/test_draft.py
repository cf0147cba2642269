"""'Draft follow-up post': a short news item written from what the meeting recorded."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from meetings.blog.models import Post
from meetings.blog.services import draft_followup
from meetings.extensions import db
from meetings.followup.models import MeetingRecord
from tests import factories
from tests.blog.helpers import held_with_minutes, record_minutes
from tests.followup.scenario import make_held_meeting
from tests.helpers import post_form, text_of

EXPECTED_EN = """\
On Wednesday, 5 June 2024, people from 3 organisations met at High Tech Factory in Enschede for the \
Core Team kick-off meeting.

Represented were IHK Nord Westfalen, Saxion Mechatronics Research Group, and University of Twente. \
The cluster also works with WFG Borken. The discussion covered AI and Remanufacturing.

The meeting took these decisions:

- Each topic gets a lead partner.
- A public Robotics Day in the autumn.

Next steps: Programme for the Robotics Day (Saxion Mechatronics Research Group) and Overview of support \
programmes (IHK Nord Westfalen). The group plans to meet again before the summer holidays.
"""


@pytest.fixture
def held(app):
    return held_with_minutes()


def test_english_draft_tells_the_recorded_facts_as_a_news_item(app, held):
    with app.test_request_context():
        draft = draft_followup(held.meeting, "en")
    assert draft.title == "Core Team kick-off meeting in Enschede"
    assert draft.body == EXPECTED_EN
    assert draft.language == "en"


def test_draft_invents_nothing_and_leaks_no_private_minutes(app, held):
    with app.test_request_context():
        body = draft_followup(held.meeting, "en").body
    assert "Private note" not in body and "budget" not in body         # notes stay private
    assert "Circulate the list" not in body                             # done, not a next step
    assert "Olaf" not in body and "Katrin" not in body                  # no names of people
    represented = body[body.index("Represented were"):body.index("The cluster also")]
    assert "WFG Borken" not in represented                              # its only person stayed away


def test_draft_with_a_fixed_next_date_and_a_private_partner(app):
    held = make_held_meeting()
    record_minutes(held, next_on=date(2025, 6, 26), next_note="before the summer holidays")
    held.absent_org.is_public = False
    db.session.commit()
    with app.test_request_context():
        body = draft_followup(held.meeting, "en").body
    assert "The group plans to meet again on 26 June 2025." in body
    assert "before the summer" not in body
    assert "WFG Borken" not in body  # not a public partner of the cluster


def test_draft_of_a_meeting_with_little_recorded_leaves_the_sentences_out(app):
    meeting = factories.make_meeting(title="Online exchange", venue=None, online_url="https://meet.example.org/x",
                                     starts_at=factories.future(-3), status="held")
    with app.test_request_context():
        draft = draft_followup(meeting, "en")
    assert draft.title == "Looking back: Online exchange"
    assert draft.body.startswith("The Online exchange took place on ")
    for absent in ("Represented", "decision", "Next steps", "meet again", "discussion"):
        assert absent not in draft.body


def test_all_partners_present_is_said_once(app):
    held = make_held_meeting()
    held.absent_org.is_public = False
    db.session.commit()
    with app.test_request_context():
        body = draft_followup(held.meeting, "en").body
    assert "That is all 3 partners of the cluster." in body and "also works with" not in body


@pytest.mark.parametrize("language,fragments", [
    ("de", ["Mittwoch, 5. Juni 2024", "Vertreten waren IHK Nord Westfalen, Saxion Mechatronics Research Group "
                                      "und University of Twente.", "WFG Borken"]),
    ("nl", ["woensdag 5 juni 2024", "Vertegenwoordigd waren IHK Nord Westfalen, Saxion Mechatronics Research Group "
                                    "en University of Twente.", "WFG Borken"]),
])
def test_draft_in_german_and_dutch(app, held, language, fragments):
    with app.test_request_context():
        draft = draft_followup(held.meeting, language)
    assert draft.language == language
    for fragment in fragments:
        assert fragment in draft.body
    english = EXPECTED_EN.splitlines()[0][:30]
    assert english not in draft.body
    # The decisions are quoted as recorded: nothing is made up in translation.
    assert "- Each topic gets a lead partner." in draft.body


def test_recorded_text_cannot_inject_markdown_or_html(app):
    held = make_held_meeting(title="Core *Team* <script>alert(1)</script> [x](javascript:alert(1))")
    db.session.add(MeetingRecord(meeting_id=held.meeting.id, decisions="**Bold** <img src=x onerror=alert(1)>"))
    db.session.commit()
    with app.test_request_context():
        body = draft_followup(held.meeting, "en").body
    assert r"Core \*Team\* \<script\>alert(1)\</script\> \[x\](javascript:alert(1))" in body
    assert r"- \*\*Bold\*\* \<img src=x onerror=alert(1)\>" in body


# --- the button on the minutes page ------------------------------------------------

def draft_url(held):
    return f"/manage/meetings/{held.meeting.id}/record/draft"


def minutes_url(held):
    return f"/manage/meetings/{held.meeting.id}/record/minutes"


def test_draft_button_stores_a_draft_and_opens_the_editor(organiser_client, held):
    response = post_form(organiser_client, draft_url(held), {"language": "en"}, form_url=minutes_url(held))
    post = db.session.scalar(select(Post))
    assert response.status_code == 302 and response.headers["Location"] == f"/manage/posts/{post.id}"
    assert (post.status, post.meeting_id, post.language, post.slug) == \
        ("draft", held.meeting.id, "en", "core-team-kick-off-meeting-in-enschede")
    assert post.body == EXPECTED_EN
    html = text_of(organiser_client.get(response.headers["Location"]))
    assert "Core Team kick-off meeting in Enschede" in html and "Draft" in html
    # A draft is not public.
    assert organiser_client.get(f"/blog/{post.slug}").status_code == 404


def test_a_second_draft_gets_its_own_address(organiser_client, held):
    for _attempt in range(2):
        post_form(organiser_client, draft_url(held), {"language": "de"}, form_url=minutes_url(held))
    slugs = sorted(db.session.scalars(select(Post.slug)))
    assert len(set(slugs)) == 2


def test_draft_language_must_be_offered(organiser_client, held):
    response = post_form(organiser_client, draft_url(held), {"language": "fr"}, form_url=minutes_url(held))
    assert response.status_code == 422 and "Not a valid choice." in text_of(response)
    assert db.session.scalar(select(Post)) is None


def test_no_draft_before_the_meeting_took_place(organiser_client, app):
    held = make_held_meeting(starts_at=factories.future(2), ends_at=factories.future(2) + timedelta(hours=2),
                             status="scheduled")
    response = post_form(organiser_client, draft_url(held), {"language": "en"}, form_url=minutes_url(held))
    assert response.status_code == 409
    assert "has not taken place yet" in text_of(response)
    assert db.session.scalar(select(Post)) is None


def test_drafting_needs_an_organiser(client, held):
    response = post_form(client, draft_url(held), {"language": "en"}, form_url="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(Post)) is None
