"""An invitee answers from the personal link in a real browser; the organiser sees the answer."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from meetings.extensions import db
from meetings.invitations import services
from tests import factories
from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


@pytest.fixture
def invitation(app):
    ihk = factories.make_organisation(name="IHK Nord Westfalen", country="DE")
    meeting = factories.make_meeting(title="Core Team meeting", slug="core-team", visibility="invitation", agenda=3)
    person = factories.make_participant(meeting, factories.make_contact(
        name="Sam Taylor", email="sam@example.org", language="en", organisation=ihk))
    services.send_invitations(meeting)
    db.session.commit()
    return meeting, person


def test_invitee_accepts_with_a_comment_and_the_organiser_sees_it(page, browser, live_server, organiser,
                                                                   invitation, axe_script):
    meeting, person = invitation
    page.goto(f"{live_server}/rsvp/{person.token}")
    expect(page.get_by_role("heading", name="Core Team meeting")).to_be_visible()
    expect(page.get_by_text("You have not answered yet.")).to_be_visible()
    assert_accessible(page, axe_script)

    page.get_by_label("Yes, I will attend").check()
    page.get_by_label("Comment for the organisers (optional)").fill("Gern, ich bringe eine Kollegin mit.")
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_text("Thank you, your answer is saved.")).to_be_visible()
    expect(page.get_by_text("You will attend.")).to_be_visible()
    expect(page.get_by_role("link", name="Add to my calendar (.ics)")).to_be_visible()

    organiser_context = browser.new_context()
    organiser_page = organiser_context.new_page()
    log_in(organiser_page, live_server, organiser)
    organiser_page.goto(f"{live_server}/manage/meetings/{meeting.id}/responses")
    row = organiser_page.get_by_role("row", name="Sam Taylor")
    expect(row).to_contain_text("Accepted")
    expect(row).to_contain_text("Gern, ich bringe eine Kollegin mit.")
    expect(organiser_page.get_by_text("Accepted: 1")).to_be_visible()
    assert_accessible(organiser_page, axe_script)
    organiser_context.close()
