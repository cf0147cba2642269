"""A visitor sends the contact form in Chromium with the keyboard alone, fixes a field the
form refused, and lands on the thank-you page; the form is axe-clean with its errors; the
embedded list shows in a partner's frame."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetings.extensions import db
from meetings.pages.models import ContactMessage
from tests.browser.conftest import log_in, readable, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


def test_contact_form_by_keyboard_with_an_error_first(page, live_server, axe_script):
    page.goto(f"{live_server}/contact")
    page.get_by_label("Name", exact=True).fill("Annelies de Vries")
    page.get_by_label("Email", exact=True).fill("annelies@example.nl")
    page.get_by_label("Subject", exact=True).fill("Visit")
    page.get_by_label("Message", exact=True).fill("May we visit the lab?")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Please agree to the privacy statement to send your message.")).to_be_visible()
    violations = serious_violations(page, axe_script)
    assert not violations, readable(violations)
    page.get_by_label("I agree that my message and address are stored").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Send message").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Message sent")).to_be_visible()
    db.session.expire_all()
    [message] = db.session.scalars(select(ContactMessage)).all()
    assert (message.name, message.subject) == ("Annelies de Vries", "Visit")


def test_the_embedded_list_shows_in_a_frame_without_javascript(browser, live_server, axe_script, app):
    from tests import factories

    factories.make_meeting(title="Robotics day", slug="robotics-day")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/embed/events?lang=nl&limit=5")
        expect(page.get_by_role("link", name="Robotics day")).to_be_visible()
        expect(page.get_by_role("link", name="Alle evenementen van het cluster")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/manage/site/pages", "/manage/site/pages/about/de", "/manage/site/messages",
                                  "/manage/site/embed?lang=de&limit=5"])
def test_organiser_site_pages_have_no_serious_violations(page, live_server, axe_script, organiser, path):
    log_in(page, live_server, organiser)
    response = page.goto(f"{live_server}{path}")
    assert response is not None and response.status == 200
    violations = serious_violations(page, axe_script)
    assert not violations, f"axe on {path}:\n{readable(violations)}"
