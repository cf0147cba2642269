"""A checkbox and its label share the first line, however long the label, on a phone too."""
from __future__ import annotations

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_consent_box_sits_on_the_first_line_of_its_label(browser, live_server, app, width):
    factories.make_meeting(title="Robotics Day", slug="robotics-day", capacity=20)
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{live_server}/events/robotics-day/register")
        box = page.locator("input[type=checkbox][name=consent]")
        label = page.locator(f"label[for={box.get_attribute('id')}]")
        box_rect, label_rect = box.bounding_box(), label.bounding_box()
        line = page.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 24", label.element_handle())
        # Beside the label, not above it: the box starts left of the label and within its first line.
        assert box_rect["x"] + box_rect["width"] <= label_rect["x"] + 1
        assert abs(box_rect["y"] + box_rect["height"] / 2 - (label_rect["y"] + line / 2)) < line
    finally:
        context.close()
