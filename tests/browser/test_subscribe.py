"""The subscribe sections (the help page, the events list, a meeting page): every link is reached
from the keyboard, axe-core finds no serious or critical violation, and the feed they offer
answers a calendar's revalidation over HTTP."""
from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]

PAGES = ["/calendar/subscribe", "/calendar/subscribe?topic=ai", "/events/", "/events/?topic=ai",
         "/events/robotics-sme"]


@pytest.fixture
def cluster(app):
    ai = factories.make_topic(name="AI", slug="ai")
    return factories.make_meeting(title="Robotics in SME production", slug="robotics-sme", topics=[ai], agenda=2)


def _tab_stops(page, limit: int = 80) -> list[dict]:
    """Press Tab until focus leaves the page or ``limit`` stops; what got focus, in order."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const box = el.getBoundingClientRect();
            return {href: el.getAttribute('href'), id: el.id, inSection: !!el.closest('.calendar-subscribe, main'),
                    visible: box.width > 0 && box.height > 0};
        }""")
        if focused is None:
            break
        stops.append(focused)
    return stops


@pytest.mark.parametrize("path", PAGES)
def test_subscribe_links_are_reached_from_the_keyboard(page, live_server, cluster, path):
    page.goto(f"{live_server}{path}")
    links = page.locator(".calendar-links a, .calendar-subscribe a, main .help a")
    expected = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert len(expected) >= 4, expected
    stops = _tab_stops(page)
    reached = {s["href"] for s in stops if s["href"]}
    assert expected <= reached, expected - reached
    assert all(s["visible"] for s in stops if s["href"] in expected)
    if page.locator("#feed-url").count():
        assert "feed-url" in {s["id"] for s in stops}


@pytest.mark.parametrize("path", PAGES)
def test_subscribe_sections_have_no_serious_violations(page, live_server, axe_script, cluster, path):
    response = page.goto(f"{live_server}{path}")
    assert response is not None and response.status == 200
    assert page.locator(".calendar-links a").count() >= 3
    assert_accessible(page, axe_script, path)


def test_the_offered_feed_answers_a_calendars_revalidation(page, live_server, cluster):
    page.goto(f"{live_server}/calendar/subscribe")
    address = page.locator("#feed-url").input_value()
    path = address.split("meetings.test", 1)[-1]
    first = page.request.get(f"{live_server}{path}")
    assert first.status == 200 and first.headers["content-type"] == "text/calendar; charset=utf-8"
    assert cluster.uid in first.text()
    again = page.request.get(f"{live_server}{path}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304 and again.headers["etag"] == first.headers["etag"]
