"""A visitor switches the public pages to German, then Dutch, with the language switcher; the
choice is kept from page to page, and a bilingual meeting shows its own texts in that language
(or its main one where none was given)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from meetings.events.models import AgendaItem
from meetings.extensions import db
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


@pytest.fixture
def bilingual(app):
    meeting = factories.make_meeting(title="Core Team meeting", slug="core-team", language="en",
                                     description="We plan the next year.",
                                     translations={"de": {"title": "Kernteam-Treffen",
                                                          "description": "Wir planen das nächste Jahr."}})
    meeting.agenda_items = [
        AgendaItem(position=0, title="Welcome", duration_minutes=15, translations={"de": {"title": "Begrüßung"}}),
        AgendaItem(position=1, title="Robot cells", duration_minutes=30),
    ]
    db.session.commit()
    return meeting


def test_switch_language_and_keep_it(page, live_server, bilingual, axe_script):
    page.goto(f"{live_server}/events/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    expect(page.get_by_role("link", name="Core Team meeting")).to_be_visible()

    page.get_by_role("link", name="DE Deutsch").click()
    expect(page).to_have_url(f"{live_server}/events/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Veranstaltungen")
    expect(page.get_by_role("link", name="DE Deutsch")).to_have_attribute("aria-current", "true")

    # The next page remembers the choice, and the meeting speaks German too.
    page.get_by_role("link", name="Kernteam-Treffen").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kernteam-Treffen")
    expect(page.get_by_role("heading", name="Tagesordnung", exact=True)).to_be_visible()
    expect(page.get_by_text("Begrüßung")).to_be_visible()
    expect(page.get_by_text("Wir planen das nächste Jahr.")).to_be_visible()
    assert_accessible(page, axe_script)

    page.goto(f"{live_server}/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="Kernteam-Treffen")).to_be_visible()

    # Dutch: the interface is Dutch; the meeting has no Dutch texts, so its English ones stand in.
    page.get_by_role("link", name="NL Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.goto(f"{live_server}/events/core-team")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Core Team meeting")
    expect(page.get_by_role("heading", name="Agenda", exact=True)).to_be_visible()
    expect(page.get_by_text("Welcome", exact=True)).to_be_visible()
    expect(page.get_by_text("Begrüßung")).to_have_count(0)
