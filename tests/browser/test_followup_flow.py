"""After the meeting, in a real browser: the organiser records attendance and minutes,
drafts the follow-up post, edits it with a preview and publishes it; an anonymous
visitor then reads it on the blog and in the Atom feed."""
from __future__ import annotations

import feedparser
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in
from tests.followup.scenario import make_held_meeting

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


@pytest.fixture
def held(app):
    return make_held_meeting()


def test_organiser_records_the_meeting_and_publishes_its_post(page, browser, live_server, organiser, held,
                                                               axe_script):
    meeting = held.meeting
    log_in(page, live_server, organiser)

    # From the meeting's page to its check-in list.
    page.goto(f"{live_server}/manage/meetings/{meeting.id}")
    page.get_by_role("link", name="Record the meeting").click()
    expect(page.get_by_role("heading", name="Attendance: Core Team kick-off meeting")).to_be_visible()
    assert_accessible(page, axe_script, "attendance")

    # Olaf came after all; Pieter did not.
    page.get_by_label("Olaf Terhorst (WFG Borken)").check()
    page.get_by_label("Pieter Jansen (University of Twente)").uncheck()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved: 3 present.")).to_be_visible()

    # Someone came unannounced.
    page.get_by_label("Name", exact=True).fill("Greta Guest")
    page.get_by_label("Other organisation").fill("Robot GmbH")
    page.get_by_label("Country", exact=True).select_option(label="Germany")
    page.get_by_role("button", name="Add and mark present").click()
    expect(page.get_by_text("Greta Guest added and marked present.")).to_be_visible()
    expect(page.get_by_role("img", name="Present people by organisation")).to_be_visible()
    expect(page.get_by_role("cell", name="Robot GmbH")).to_be_visible()
    expect(page.get_by_role("row", name="Germany 3")).to_be_visible()

    # The sign-in sheet prints the list.
    page.get_by_role("link", name="Sign-in sheet").click()
    expect(page.get_by_role("cell", name="Greta Guest")).to_be_visible()

    # Minutes, decisions, the next meeting, and an action item.
    page.get_by_role("link", name="Minutes and actions").click()
    page.get_by_label("AI", exact=True).fill("Vision-based **inspection** is in demand.")
    page.get_by_label("Decisions", exact=True).fill("Each topic gets a lead partner.\nA public Robotics Day in the autumn.")
    page.get_by_label("Or when the group plans to meet again").fill("before the summer holidays")
    page.get_by_role("button", name="Save minutes").click()
    expect(page.get_by_text("Minutes saved.")).to_be_visible()
    page.get_by_label("What").fill("Programme for the Robotics Day")
    page.get_by_label("Owner").select_option(label="Bas Smit (Saxion Mechatronics Research Group)")
    page.get_by_label("Due date").fill("2024-10-31")
    page.get_by_role("button", name="Add action item").click()
    expect(page.get_by_text("Action item “Programme for the Robotics Day” added.")).to_be_visible()
    assert_accessible(page, axe_script, "minutes")

    # The draft, written from the record.
    page.get_by_label("Language of the post").select_option("en")
    page.get_by_role("button", name="Draft follow-up post").click()
    expect(page.get_by_text("A draft of the follow-up post was written from the record.")).to_be_visible()
    body = page.get_by_label("Text")
    draft = body.input_value()
    assert draft.startswith("On Wednesday, 5 June 2024, people from 4 organisations met at High Tech Factory")
    assert "Robot GmbH" in draft and "Programme for the Robotics Day (Saxion Mechatronics Research Group)" in draft
    assert_accessible(page, axe_script, "post editor")

    # Edited, previewed, saved.
    page.get_by_label("Title").fill("Core Team kick-off in Enschede")
    body.fill(draft + "\nThanks to our hosts at the *High Tech Factory*.\n")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".post-preview")
    expect(preview.locator("em", has_text="High Tech Factory")).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Post “Core Team kick-off in Enschede” saved.")).to_be_visible()

    # Published now, and those who attended are told.
    page.get_by_label("Now").check()
    page.get_by_label("Notify those who attended by email").check()
    page.get_by_role("button", name="Publish post").click()
    expect(page.get_by_text("Post published.")).to_be_visible()
    expect(page.get_by_text("3 emails are in the outbox.")).to_be_visible()

    # A visitor without a login reads it on the blog and in the feed.
    visitor_context = browser.new_context()
    try:
        visitor = visitor_context.new_page()
        visitor.goto(f"{live_server}/blog/")
        assert_accessible(visitor, axe_script, "blog index")
        link = visitor.get_by_role("link", name="Core Team kick-off in Enschede")
        expect(link).to_be_visible()
        link.click()
        expect(visitor.get_by_role("heading", name="Core Team kick-off in Enschede", level=1)).to_be_visible()
        expect(visitor.get_by_text("Thanks to our hosts at the")).to_be_visible()
        expect(visitor.get_by_role("link", name="Core Team kick-off meeting")).to_be_visible()
        assert_accessible(visitor, axe_script, "post")
        feed = visitor.request.get(f"{live_server}/blog/feed.atom")
        assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(feed.body())
        assert not parsed.bozo
        assert [entry.title for entry in parsed.entries] == ["Core Team kick-off in Enschede"]
        assert parsed.entries[0].link == f"http://meetings.test/blog/{visitor.url.rsplit('/', 1)[1]}"
    finally:
        visitor_context.close()
