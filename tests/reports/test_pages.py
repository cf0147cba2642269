"""The report's pages through the test client: organisers only, the figures and charts, the
printable page, and bad input answered at the field with 422, never a 500."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from meetings.extensions import db
from tests import factories
from tests.helpers import count_queries, text_of
from tests.reports.scenario import make_cluster

PERIOD = "start=2025-01-01&end=2025-06-30"


@pytest.fixture
def cluster(app):
    return make_cluster()


@pytest.mark.parametrize("path", ["/manage/reports/", f"/manage/reports/print?{PERIOD}",
                                  f"/manage/reports/report.xlsx?{PERIOD}"])
def test_anonymous_visitors_are_sent_to_the_login(client, cluster, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_organiser_bar_links_to_the_reports(organiser_client):
    assert 'href="/manage/reports/"' in text_of(organiser_client.get("/manage/meetings/"))


def _fact(html: str, name: str) -> str:
    match = re.search(rf'<dd id="fact-{name}">([^<]*)</dd>', html)
    assert match, name
    return match.group(1)


def test_the_page_shows_the_figures(organiser_client, cluster):
    response = organiser_client.get(f"/manage/reports/?{PERIOD}")
    assert response.status_code == 200
    html = text_of(response)
    assert [_fact(html, name) for name in ("meetings", "attendances", "people", "organisations", "cross-border",
                                           "first-time")] == ["4", "11", "8", "5", "2 of 4 (50%)", "3"]
    assert "From the Netherlands: 50%. From Germany: 25%." in html
    assert "People without an organisation: 2. People without a country: 2." in html
    assert "Organisations without a country: 1." in html
    for name in ("Fraunhofer Innovation Platform", "Oost NL", "Robo GmbH"):
        assert f"<li>{name}</li>" in html
    # Charts: server-drawn SVG named for screen readers, each beside a table with its numbers.
    assert html.count('<svg role="img"') == 6
    assert '<title id="chart-kind-title">Organisations by kind</title>' in html
    assert "<script" not in html
    assert re.search(r"<td>Chamber of commerce</td><td>1</td>", html)
    assert re.search(r"<td>3 or more meetings</td><td>1</td>", html)
    assert "<td>Cyber Security Day</td><td>3</td><td>2</td><td>4</td>" in html
    # The figures name no person.
    for person in ("Katrin", "Bas Smit", "Pieter", "Lena", "Eva", "Nina", "Jan Visser", "Anke"):
        assert person not in html
    # The downloads keep the period.
    assert f'href="/manage/reports/report.xlsx?{PERIOD.replace("&", "&amp;")}"' in html
    assert f'href="/manage/reports/print?{PERIOD.replace("&", "&amp;")}"' in html


def test_the_page_in_german(organiser_client, cluster):
    organiser_client.get("/language/de")
    html = text_of(organiser_client.get(f"/manage/reports/?{PERIOD}"))
    assert '<html lang="de">' in html
    assert "Aus den Niederlanden: 50\xa0%. Aus Deutschland: 25\xa0%." in html
    assert "<td>Industrie- und Handelskammer</td><td>1</td>" in html
    assert '<title id="chart-kind-title">Organisationen nach Art</title>' in html
    assert "Zeitraum: 01.01.2025 – 30.06.2025" in html


def test_without_a_period_the_year_so_far_is_shown(organiser_client, cluster):
    html = text_of(organiser_client.get("/manage/reports/"))
    year = datetime.now(timezone.utc).year
    assert f'value="{year}-01-01"' in html
    assert 'name="end"' in html


def test_one_topic(organiser_client, cluster):
    html = text_of(organiser_client.get(f"/manage/reports/?{PERIOD}&topic={cluster.ai.id}"))
    assert _fact(html, "meetings") == "2" and _fact(html, "people") == "5"
    assert "Topic: AI" in html
    assert f'<option selected value="{cluster.ai.id}">AI</option>' in html


def test_a_topic_with_no_meetings_says_the_report_is_empty(organiser_client, cluster):
    response = organiser_client.get(f"/manage/reports/?{PERIOD}&topic={cluster.data.id}")
    assert response.status_code == 200
    html = text_of(response)
    assert "This report is empty: no meeting on “Data-driven Decision-making” was held in this period." in html
    assert "<svg" not in html


def test_an_empty_period_says_so(organiser_client, cluster):
    response = organiser_client.get("/manage/reports/?start=2030-01-01&end=2030-12-31")
    assert response.status_code == 200
    assert "This report is empty: no meeting was held in this period." in text_of(response)


@pytest.mark.parametrize("query, field, message", [
    ("start=2025-06-30&end=2025-01-01", "end", "The end of the period is before its start."),
    ("start=0001-01-01&end=2025-01-01", "start", "Please enter a date between the years 2000 and 2100."),
    ("start=2025-01-01&end=9999-12-31", "end", "Please enter a date between the years 2000 and 2100."),
    ("start=2025-02-30&end=2025-06-30", "start", "Please enter a date as YYYY-MM-DD."),
    ("start=&end=2025-06-30", "start", "Please enter a date."),
    ("start=2025-01-01&end=2025-06-30&topic=999", "topic", "Please choose a topic from the list."),
    ("start=2025-01-01&end=2025-06-30&topic=abc", "topic", "Please choose a topic from the list."),
    ("start=2025-01-01&end=2025-06-30&topic=99999999999999999999", "topic", "Please choose a topic from the list."),
])
@pytest.mark.parametrize("path", ["/manage/reports/", "/manage/reports/print", "/manage/reports/report.xlsx"])
def test_bad_input_is_answered_at_the_field(organiser_client, cluster, query, field, message, path):
    response = organiser_client.get(f"{path}?{query}")
    assert response.status_code == 422
    assert response.content_type.startswith("text/html")
    html = text_of(response)
    assert re.search(rf'<p class="error" id="{field}-error">{re.escape(message)}</p>', html), html[-3000:]
    assert f'aria-invalid="true"' in html and 'id="fact-meetings"' not in html


def test_the_printable_page(organiser_client, cluster):
    response = organiser_client.get(f"/manage/reports/print?{PERIOD}&topic={cluster.ai.id}")
    assert response.status_code == 200
    html = text_of(response)
    assert '<body class="print-report">' in html
    assert '<p class="report-cluster">Advanced Manufacturing & Robotics cluster</p>' in html
    assert "Period: 1 Jan 2025 – 30 Jun 2025 · Topic: AI" in html
    assert re.search(r'<p class="report-date">Report of \d{1,2} \w{3} \d{4}</p>', html)
    assert _fact(html, "meetings") == "2"


def test_print_css_sets_a4_for_the_report():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "meetings" / "static" / "css" / "app.css").read_text()
    assert "@page report { size: A4;" in css and ".print-report main { page: report; }" in css


def _meetings(count: int, offset: int = 0) -> None:
    organisations = [factories.make_organisation(country=country) for country in ("NL", "DE")]
    for n in range(offset, offset + count):
        meeting = factories.make_meeting(status="held", visibility="public" if n % 2 else "invitation",
                                         starts_at=datetime(2025, 2, 1, 9, tzinfo=timezone.utc) + timedelta(days=n))
        for organisation in organisations:
            factories.make_participant(meeting, factories.make_contact(organisation=organisation),
                                       status="accepted", attended=True)
        factories.make_participant(meeting, email=f"r{n}@example.org", name=f"R {n}", kind="registrant",
                                   status="registered", attended=True, organisation_name="Typed BV", country="BE")
    db.session.commit()


@pytest.mark.parametrize("path", ["/manage/reports/", "/manage/reports/print", "/manage/reports/report.xlsx"])
def test_statements_do_not_grow_with_the_meetings(organiser_client, path):
    def statements() -> int:
        db.session.expunge_all()
        with count_queries() as seen:
            response = organiser_client.get(f"{path}?{PERIOD}")
        assert response.status_code == 200
        return len(seen)

    _meetings(2)
    few = statements()
    _meetings(18, offset=2)
    many = statements()
    assert many == few, (few, many)
