"""An organiser plans a meeting in a real browser; an anonymous visitor then finds it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


@pytest.fixture
def core_team(app):
    saxion = factories.make_organisation(name="Saxion Mechatronics Research Group", country="NL")
    ihk = factories.make_organisation(name="IHK Nord Westfalen", country="DE")
    members = [
        factories.make_contact(name="Anna de Vries", email="anna@saxion.example", language="nl", organisation=saxion),
        factories.make_contact(name="Clara Müller", email="clara@ihk.example", language="de", organisation=ihk),
        factories.make_contact(name="Erik Smith", email="erik@example.org", language="en"),
    ]
    return factories.make_group(name="Core Team", members=members)


def test_organiser_plans_and_publishes_a_meeting_the_public_then_sees(page, browser, live_server, organiser,
                                                                      core_team):
    log_in(page, live_server, organiser)

    # A venue.
    page.goto(f"{live_server}/manage/venues/new")
    page.get_by_label("Name").fill("High Tech Factory")
    page.get_by_label("Street and number").fill("Hengelosestraat 500")
    page.get_by_label("City").fill("Enschede")
    page.get_by_role("button", name="Save venue").click()
    expect(page.get_by_text("Venue “High Tech Factory” created.")).to_be_visible()

    # The meeting, public, in the venue's zone.
    page.goto(f"{live_server}/manage/meetings/new")
    page.get_by_label("Title").fill("Core Team meeting before the summer")
    page.get_by_label("Description").fill("Plans for **robotics** and AI in production.")
    page.get_by_label("Venue").select_option(label="High Tech Factory, Enschede")
    page.get_by_label("Start date").fill("2031-06-05")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End date").fill("2031-06-05")
    page.get_by_label("End time").fill("16:00")
    page.get_by_label("Public: listed on the Events page").check()
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_text("Meeting “Core Team meeting before the summer” created.")).to_be_visible()
    expect(page.get_by_text("10:00–16:00 (CEST, Europe/Amsterdam)")).to_be_visible()
    meeting_page = page.url

    # Three agenda items; the second and third follow on from the first.
    for title, minutes in (("Welcome and introductions", "30"), ("AI in production", "60"), ("Round table", "45")):
        page.get_by_label("Title").fill(title)
        page.get_by_label("Duration (minutes)").fill(minutes)
        page.get_by_role("button", name="Add item").click()
        expect(page.get_by_text(f"Agenda item “{title}” added.")).to_be_visible()
    times = page.locator("td.time")
    expect(times).to_have_count(3)
    expect(times.nth(2)).to_contain_text("11:30–12:15")

    # The whole Core Team is invited.
    page.get_by_role("link", name="Invitees (0)").click()
    page.get_by_label("Core Team (3 people)").check()
    page.get_by_role("button", name="Add to the list").click()
    expect(page.get_by_text("Added to the list: 3. Already on the list: 0.")).to_be_visible()
    expect(page.get_by_role("cell", name="Clara Müller").first).to_be_visible()
    # On the list is not invited: nothing has been sent yet, and the page says so.
    expect(page.locator(".badge-listed")).to_have_count(3)
    expect(page.locator(".badge-listed").first).to_have_text("On the list, not yet invited")

    # Published.
    page.goto(meeting_page)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("is published and scheduled.")).to_be_visible()

    # The invitations go out from the invitees page itself.
    page.get_by_role("link", name="Invitees (3)").click()
    page.get_by_role("button", name="Send 3 invitations").click()
    expect(page.locator(".badge-listed")).to_have_count(0)
    expect(page.get_by_text("Invited, no answer yet")).to_have_count(3)

    # A visitor without a login finds it on the Events page and opens it.
    visitor_context = browser.new_context()
    try:
        visitor = visitor_context.new_page()
        visitor.goto(f"{live_server}/events/")
        link = visitor.get_by_role("link", name="Core Team meeting before the summer")
        expect(link).to_be_visible()
        link.click()
        expect(visitor).to_have_url(f"{live_server}/events/core-team-meeting-before-the-summer")
        expect(visitor.get_by_role("heading", name="Core Team meeting before the summer")).to_be_visible()
        expect(visitor.get_by_text("AI in production", exact=True)).to_be_visible()
        expect(visitor.get_by_text("High Tech Factory").first).to_be_visible()
        expect(visitor.get_by_role("button", name="Publish")).to_have_count(0)
    finally:
        visitor_context.close()


def test_meeting_form_has_no_serious_accessibility_violations(page, live_server, organiser, axe_script):
    log_in(page, live_server, organiser)
    factories.make_venue(name="High Tech Factory")
    factories.make_topic(name="AI")
    page.goto(f"{live_server}/manage/meetings/new")
    assert_accessible(page, axe_script)
    # Posting an empty form shows every kind of message too.
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_text("Please correct the marked fields.")).to_be_visible()
    assert_accessible(page, axe_script)


def test_organiser_makes_an_all_day_meeting_over_three_days(page, live_server, organiser):
    factories.make_venue(name="High Tech Factory", city="Enschede", timezone="Europe/Amsterdam")
    log_in(page, live_server, organiser)
    page.goto(f"{live_server}/manage/meetings/new")
    page.get_by_label("Title").fill("Cluster retreat")
    page.get_by_label("Venue").select_option(label="High Tech Factory, Enschede")
    page.get_by_label("All day").check()
    # No times: the browser must not insist on them.
    page.get_by_label("Start date").fill("2031-12-08")
    page.get_by_label("End date").fill("2031-12-10")
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_text("Meeting “Cluster retreat” created.")).to_be_visible()
    expect(page.locator(".event-when")).to_have_text("8–10 December 2031")

    # An agenda item on the second day.
    page.get_by_label("Title").fill("Workshops")
    page.get_by_label("Day", exact=True).select_option(label="Tuesday, 9 December 2031")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Duration (minutes)").fill("90")
    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_text("Agenda item “Workshops” added.")).to_be_visible()
    expect(page.locator("tr.agenda-day")).to_have_text("Tuesday, 9 December 2031")
    expect(page.locator("td.time").first).to_contain_text("10:00–11:30")
