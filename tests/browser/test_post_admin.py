"""The organisers' post pages in a real browser, by keyboard alone: deleting a post asks
first on a page of its own (no JavaScript needed), and drafting a meeting's post again
offers the existing draft instead of making a copy."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetings.blog.models import Post
from meetings.extensions import db
from tests.blog.helpers import held_with_minutes, make_post
from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


def tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _press in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{locator} cannot be reached with the Tab key")


def post_exists(post_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Post, post_id) is not None


def test_deleting_a_post_asks_first_and_works_by_keyboard(page, live_server, organiser, axe_script):
    post = make_post("Robotics Day recap", status="published")
    log_in(page, live_server, organiser)
    page.goto(f"{live_server}/manage/posts/{post.id}")

    # The editor's "Delete this post" leads to a question, and nothing is deleted yet.
    tab_to(page, page.get_by_role("link", name="Delete this post"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Delete the post “Robotics Day recap”?")).to_be_visible()
    expect(page.get_by_text("The post is on the blog now: it leaves the blog and its feed.")).to_be_visible()
    assert post_exists(post.id)
    assert_accessible(page, axe_script, "delete confirmation")

    # Changing one's mind keeps it.
    tab_to(page, page.get_by_role("link", name="Keep the post"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Robotics Day recap")).to_be_visible()
    assert post_exists(post.id)

    # Confirmed, it goes.
    page.get_by_role("link", name="Delete this post").click()
    tab_to(page, page.get_by_role("button", name="Delete the post"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Post deleted.")).to_be_visible()
    assert page.url == f"{live_server}/manage/posts/"
    assert not post_exists(post.id)


def test_drafting_again_opens_the_existing_draft(page, live_server, organiser, axe_script):
    held = held_with_minutes()
    log_in(page, live_server, organiser)
    minutes = f"{live_server}/manage/meetings/{held.meeting.id}/record/minutes"
    for _attempt in range(2):
        page.goto(minutes)
        page.get_by_label("Language of the post").select_option("de")
        page.get_by_role("button", name="Draft follow-up post").click()
    expect(page.get_by_role("heading", name="This meeting already has a post in Deutsch")).to_be_visible()
    assert_accessible(page, axe_script, "draft question")
    tab_to(page, page.get_by_role("link", name="Open the draft"))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Text")).to_contain_text("Am Mittwoch, 5. Juni 2024, kamen")
    [post] = db.session.scalars(select(Post)).all()
    assert page.url == f"{live_server}/manage/posts/{post.id}" and post.language == "de"

    # The list of posts names each post's language and meeting.
    page.goto(f"{live_server}/manage/posts/")
    row = page.get_by_role("row", name="Core Team kick-off meeting in Enschede")
    expect(row.get_by_role("cell", name="Deutsch")).to_be_visible()
    expect(row.get_by_role("link", name="Core Team kick-off meeting", exact=True)).to_be_visible()
    assert_accessible(page, axe_script, "posts list")
