"""axe-core finds no serious or critical WCAG 2 A/AA violation on the public pages and
the organiser forms; the skip link works from the keyboard."""
from __future__ import annotations

from datetime import time

import pytest

from tests import factories
from tests.browser.conftest import log_in, readable, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]

@pytest.fixture
def cluster(app):
    """A public meeting with venue, agenda and topics, and the partners of the network."""
    ai = factories.make_topic(name="AI", slug="ai")
    cyber = factories.make_topic(name="Cyber Security", slug="cyber-security")
    venue = factories.make_venue(name="High Tech Factory", room="Meeting room 1",
                                 map_url="https://www.openstreetmap.org/?mlat=52.2386&mlon=6.8566",
                                 directions="Train to *Enschede Kennispark*, then five minutes on foot.",
                                 accessibility="Step-free entrance; lift to all floors.")
    meeting = factories.make_meeting(title="Robotics in SME production", slug="robotics-sme", venue=venue,
                                     topics=[ai, cyber], online_url="https://meet.example.org/robotics",
                                     description="Partners present **current projects**.\n\n- Talks\n- Lab tour")
    factories.make_agenda_item(meeting, title="Welcome", start_time=time(10, 0), duration_minutes=15,
                               presenter="Anna Schmidt")
    factories.make_agenda_item(meeting, title="AI for quality inspection", duration_minutes=30,
                               presenter="Jan de Vries", notes="Slides are *shared* afterwards.")
    factories.make_meeting(title="Remanufacturing day", status="cancelled", starts_at=factories.future(60))
    factories.make_meeting(title="Core Team kick-off", status="held", starts_at=factories.future(-30), topics=[ai])
    factories.make_organisation(name="University of Twente", country="NL", kind="university",
                                website="https://www.utwente.nl")
    factories.make_organisation(name="IHK Nord Westfalen", country="DE", kind="chamber")
    return meeting


def check(page, axe_script, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    violations = serious_violations(page, axe_script)
    assert not violations, f"axe on {url}:\n{readable(violations)}"


@pytest.mark.parametrize("path", ["/", "/events/", "/events/robotics-sme", "/events/?topic=ai", "/network/",
                                  "/login", "/no-such-page", "/about", "/privacy", "/contact",
                                  "/embed/events?topic=ai&lang=de&limit=5"])
def test_public_pages_have_no_serious_violations(page, live_server, axe_script, cluster, path):
    if path == "/no-such-page":
        page.goto(f"{live_server}{path}")
        violations = serious_violations(page, axe_script)
        assert not violations, readable(violations)
        return
    check(page, axe_script, f"{live_server}{path}")


@pytest.mark.parametrize("path", ["/manage/meetings/new", "/manage/venues/new"])
def test_organiser_forms_have_no_serious_violations(page, live_server, axe_script, cluster, organiser, path):
    log_in(page, live_server, organiser)
    check(page, axe_script, f"{live_server}{path}")
    # The same form after a submission with errors (messages tied to their fields).
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() > 0
    violations = serious_violations(page, axe_script)
    assert not violations, f"axe on {path} with errors:\n{readable(violations)}"


def test_meeting_page_seen_by_an_organiser_has_no_serious_violations(page, live_server, axe_script, organiser):
    factories.make_meeting(slug="draft", title="Draft meeting", status="draft", agenda=3)
    log_in(page, live_server, organiser)
    check(page, axe_script, f"{live_server}/events/draft")


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page, live_server, cluster):
    page.goto(f"{live_server}/events/robotics-sme")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => ({cls: document.activeElement.className, href: document.activeElement.getAttribute('href'),"
                            " text: document.activeElement.textContent.trim()})")
    assert focused == {"cls": "skip-link", "href": "#main", "text": "Skip to content"}
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab continues inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")


def test_language_switcher_works_from_the_keyboard(page, live_server, cluster):
    page.goto(f"{live_server}/events/")
    page.get_by_role("link", name="DE Deutsch").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server}/events/"
    assert page.evaluate("() => document.documentElement.lang") == "de"
