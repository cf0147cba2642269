"""The funder's report in a real browser: the organiser chooses a period and a topic, reads
the charts (named for screen readers), corrects a period that ends before it starts, and
opens the printable page, which prints to A4; axe-core finds no serious violation."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in
from tests.reports.scenario import make_cluster

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


@pytest.fixture
def cluster(app):
    return make_cluster()


def test_organiser_builds_the_report_and_prints_it(page, live_server, organiser, cluster, axe_script):
    log_in(page, live_server, organiser)
    page.get_by_role("navigation", name="Organiser").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Report for funders")).to_be_visible()
    assert_accessible(page, axe_script, "report of the year so far")

    page.get_by_label("From", exact=True).fill("2025-01-01")
    page.get_by_label("To", exact=True).fill("2025-06-30")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#fact-meetings")).to_have_text("4")
    expect(page.locator("#fact-cross-border")).to_have_text("2 of 4 (50%)")
    expect(page.get_by_role("img", name="Organisations by kind")).to_be_visible()
    expect(page.get_by_role("img", name="People present by country")).to_be_visible()
    assert page.locator("script").count() == 0
    assert_accessible(page, axe_script, "report with charts")

    page.get_by_label("Topic").select_option(label="AI")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#fact-meetings")).to_have_text("2")

    # A period that ends before it starts: the message sits at the field.
    page.get_by_label("To", exact=True).fill("2024-12-31")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#end-error")).to_have_text("The end of the period is before its start.")
    expect(page.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, axe_script, "report form with an error")

    page.get_by_label("To", exact=True).fill("2025-06-30")
    page.get_by_role("button", name="Show the report").click()
    page.get_by_role("link", name="Printable page").click()
    expect(page.locator(".report-cluster")).to_have_text("Advanced Manufacturing & Robotics cluster")
    expect(page.locator(".report-period")).to_have_text("Period: 1 Jan 2025 – 30 Jun 2025 · Topic: AI")
    assert_accessible(page, axe_script, "printable report")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".no-print").first).to_be_hidden()
    expect(page.locator(".report-date")).to_be_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    # Every page A4 portrait: 595 x 842 points (Chromium rounds to its own units).
    boxes = re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all((round(float(w)), round(float(h))) == (595, 842) for w, h in boxes), boxes


def test_the_report_in_dutch_has_no_serious_violations(page, live_server, organiser, cluster, axe_script):
    log_in(page, live_server, organiser)
    page.goto(f"{live_server}/language/nl")
    page.goto(f"{live_server}/manage/reports/?start=2025-01-01&end=2025-06-30")
    expect(page.get_by_role("heading", name="Rapport voor subsidiegevers")).to_be_visible()
    expect(page.get_by_role("img", name="Organisaties naar soort")).to_be_visible()
    assert_accessible(page, axe_script, "report in Dutch")
