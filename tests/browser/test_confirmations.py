"""What cannot be undone asks first, in a real browser, by keyboard alone; organiser pages fit a phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.participants.models import Participant
from tests import factories
from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]

PHONE = {"width": 390, "height": 844}


def activate(page, locator) -> None:
    """Reach an element with the keyboard's focus and press Enter, as a keyboard user would."""
    locator.focus()
    expect(locator).to_be_focused()
    page.keyboard.press("Enter")


def status_of(participant_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Participant, participant_id).status


@pytest.fixture
def meeting_with_invitees(app):
    meeting = factories.make_meeting(title="Core Team meeting", visibility="invitation")
    ihk = factories.make_organisation(name="IHK Nord Westfalen", country="DE")
    # Both were sent the invitation (sequence 0): removing one sends her a cancellation.
    people = [factories.make_participant(meeting, factories.make_contact(name=name, email=email, organisation=ihk),
                                         invited_at=utcnow(), sent_sequence=0)
              for name, email in (("Clara Müller", "clara@ihk.example"), ("Erik Smith", "erik@ihk.example"))]
    return meeting, people


def test_removing_an_invitee_asks_first(page, live_server, organiser, meeting_with_invitees, axe_script):
    meeting, (clara, erik) = meeting_with_invitees
    log_in(page, live_server, organiser)
    page.goto(f"{live_server}/manage/meetings/{meeting.id}/invitees")
    activate(page, page.get_by_role("link", name="Remove… Clara Müller"))
    expect(page.get_by_role("heading", name="Remove Clara Müller from the list?")).to_be_visible()
    page.wait_for_load_state()
    assert status_of(clara.id) == "invited"
    assert_accessible(page, axe_script)
    # Changing one's mind keeps her on the list.
    activate(page, page.get_by_role("link", name="No, keep them on the list"))
    assert status_of(clara.id) == "invited"
    activate(page, page.get_by_role("link", name="Remove… Clara Müller"))
    activate(page, page.get_by_role("button", name="Yes, remove Clara Müller"))
    expect(page.get_by_role("link", name="Remove… Clara Müller")).to_have_count(0)
    assert status_of(clara.id) == "cancelled"
    assert status_of(erik.id) == "invited"


def test_cancelling_a_meeting_needs_the_box_ticked(page, live_server, organiser, meeting_with_invitees, axe_script):
    meeting, (clara, _) = meeting_with_invitees
    log_in(page, live_server, organiser)
    page.goto(f"{live_server}/manage/meetings/{meeting.id}/responses")
    activate(page, page.get_by_role("link", name="Cancel the meeting…"))
    expect(page.get_by_role("heading", name="Cancel Core Team meeting")).to_be_visible()
    assert_accessible(page, axe_script)
    # Without the box ticked nothing happens but a message at the box.
    activate(page, page.get_by_role("button", name="Cancel the meeting"))
    expect(page.get_by_text("Please confirm the cancellation.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).status == "scheduled"
    box = page.get_by_label("Yes, cancel this meeting and tell every invitee")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    activate(page, page.get_by_role("button", name="Cancel the meeting"))
    expect(page.get_by_role("link", name="Cancel the meeting…")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).status == "cancelled"
    # Once cancelled, no reminder is offered.
    page.goto(f"{live_server}/manage/meetings/{meeting.id}/responses")
    expect(page.get_by_role("button", name="Remind")).to_have_count(0)


def test_cancelling_a_registration_asks_first(page, live_server, app, axe_script):
    event = factories.make_meeting(title="Robotics Day", slug="robotics-day", capacity=2)
    anna = factories.make_participant(event, email="anna@example.org", name="Anna de Vries", kind="registrant",
                                      status="registered", contact=None)
    page.goto(f"{live_server}/registrations/{anna.token}")
    activate(page, page.get_by_role("link", name="Cancel my registration…"))
    expect(page.get_by_role("button", name="Yes, cancel my registration")).to_be_visible()
    page.wait_for_load_state()
    assert status_of(anna.id) == "registered"
    assert_accessible(page, axe_script)
    activate(page, page.get_by_role("button", name="Yes, cancel my registration"))
    expect(page.get_by_text("This registration was cancelled.")).to_be_visible()
    assert status_of(anna.id) == "cancelled"


@pytest.mark.parametrize("path", ["", "/invitees", "/responses"])
def test_organiser_pages_fit_a_phone(browser, live_server, organiser, meeting_with_invitees, axe_script, path):
    meeting, _ = meeting_with_invitees
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        log_in(page, live_server, organiser)
        page.goto(f"{live_server}/manage/meetings/{meeting.id}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"
        assert_accessible(page, axe_script, f"{page.url} at {PHONE['width']} px")
    finally:
        context.close()
