"""In a real browser, with axe: the organiser circulates the minutes, a reader comments
through their personal link (no JavaScript needed, no account), the organiser sees the
comment and approves; the decisions register is searched and a decision superseded."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetings.extensions import db
from meetings.followup.models import MinutesReader
from meetings.followup.services import save_minutes
from tests import factories
from tests.browser.conftest import assert_accessible, log_in
from tests.followup.scenario import make_held_meeting

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


@pytest.fixture
def held(app):
    held = make_held_meeting()
    save_minutes(held.meeting, {held.meeting.agenda_items[1].id: "Vision-based **inspection** is in demand."},
                 "Each topic gets a lead partner.\nA public Robotics Day in the autumn.", None, None)
    later = factories.make_meeting(title="Core Team before the summer",
                                   starts_at=held.meeting.starts_at + timedelta(days=30),
                                   ends_at=held.meeting.starts_at + timedelta(days=30, hours=3))
    save_minutes(later, {}, "The Robotics Day moves to spring.", None, None)
    db.session.commit()
    return held


def test_circulate_comment_approve_and_the_register(page, browser, live_server, organiser, held, axe_script):
    log_in(page, live_server, organiser)
    page.goto(f"{live_server}/manage/meetings/{held.meeting.id}/record/minutes")
    # Minutes saved before versions existed are a draft once saved again.
    page.get_by_role("button", name="Save minutes").click()
    page.get_by_role("button", name="Circulate the minutes").click()
    expect(page.get_by_text("Version 1 of the minutes was sent to 3 people for comments.")).to_be_visible()
    assert_accessible(page, axe_script, "minutes with approval")

    token = db.session.scalar(select(MinutesReader.token).join(MinutesReader.participant)
                              .where(MinutesReader.meeting_id == held.meeting.id)
                              .where(MinutesReader.participant_id == held.participants["Pieter Jansen"].id))
    reader = browser.new_context(java_script_enabled=False)
    try:
        reading = reader.new_page()
        reading.goto(f"{live_server}/minutes/{token}")
        expect(reading.get_by_role("heading", name="Minutes: Core Team kick-off meeting")).to_be_visible()
        expect(reading.get_by_text("Each topic gets a lead partner.")).to_be_visible()
        reading.get_by_role("button", name="Send comment").click()
        expect(reading.get_by_text("Please write your comment.")).to_be_visible()
        reading.get_by_label("Your comment", exact=True).fill("Please name the topic leads.")
        reading.get_by_role("button", name="Send comment").click()
        expect(reading.get_by_text("Thank you, your comment was passed on to the organisers.")).to_be_visible()
    finally:
        reader.close()
    js_page = browser.new_context().new_page()
    js_page.goto(f"{live_server}/minutes/{token}")
    assert_accessible(js_page, axe_script, "comment page")
    js_page.context.close()

    page.reload()
    expect(page.get_by_text("Please name the topic leads.")).to_be_visible()
    page.get_by_label("Approved at the meeting").select_option(label="Core Team before the summer (5 Jul 2024)")
    page.get_by_label("Corrections").fill("Topic leads named in the annex.")
    page.get_by_role("button", name="Record the approval").click()
    expect(page.get_by_text("Version 1 of the minutes is approved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Approved version 1")).to_be_visible()
    assert_accessible(page, axe_script, "approved minutes")

    page.get_by_role("link", name="Decisions", exact=True).click()
    expect(page.get_by_role("heading", name="Decisions register")).to_be_visible()
    assert_accessible(page, axe_script, "decisions register")
    page.get_by_label("Search").fill("robotics")
    page.get_by_role("button", name="Find decisions").click()
    expect(page.get_by_text("2 decisions.")).to_be_visible()
    row = page.locator("tr", has_text="A public Robotics Day in the autumn.")
    row.get_by_label("Superseded by").select_option(label="5 Jul 2024: The Robotics Day moves to spring.")
    row.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_text("The decision is marked superseded.")).to_be_visible()
    expect(page.locator("del", has_text="A public Robotics Day in the autumn.")).to_be_visible()
    assert_accessible(page, axe_script, "register with a superseded decision")
