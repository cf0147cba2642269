"""The report's figures, number by number, for the half year of tests/reports/scenario.py."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest

from meetings.extensions import db
from meetings.reports.services import ReportFilter, build_report
from tests import factories
from tests.helpers import count_queries
from tests.reports.scenario import END, START, make_cluster


@pytest.fixture
def cluster(app):
    return make_cluster()


def test_the_whole_period(cluster):
    report = build_report(ReportFilter(START, END))
    assert not report.empty
    # The reception at 00:30 local on 1 January counts; cancelled, draft and July meetings do not.
    assert [f.meeting.title for f in report.meetings] == [
        "New Year reception", "Core Team kick-off", "Cyber Security Day", "Lab visit"]
    assert [len(f.present) for f in report.meetings] == [1, 4, 4, 2]
    assert report.attendances == 11
    assert report.people == 8
    assert report.people_by_country == Counter({"NL": 4, "DE": 2, None: 2})
    assert report.people_share("NL") == 0.5
    assert report.people_share("DE") == 0.25
    assert report.people_without_organisation == 2  # Lena (walk-in), Nina (registrant)
    assert report.people_without_country == 2  # Lena, and Anke whose organisation has no country
    assert [f.cross_border for f in report.meetings] == [False, True, True, False]
    assert report.cross_border_meetings == 2
    assert report.cross_border_share == 0.5


def test_organisations_by_kind_country_repeat_and_first_time(cluster):
    report = build_report(ReportFilter(START, END))
    rows = [(o.name, o.kind, o.country, len(o.meeting_ids), o.first_time) for o in report.organisations]
    assert rows == [
        ("Fraunhofer Innovation Platform", "institute", None, 1, True),
        ("IHK Nord Westfalen", "chamber", "DE", 3, False),
        ("Oost NL", "agency", "NL", 2, True),
        # A name typed by a registrant: its country is hers, its kind is not known.
        ("Robo GmbH", None, "DE", 1, True),
        # Pieter (a contact) and Jan (typed "university  of twente" at the door) are one organisation.
        ("University of Twente", "university", "NL", 2, False),
    ]
    assert report.organisations_by_kind == Counter(
        {"institute": 1, "chamber": 1, "agency": 1, None: 1, "university": 1})
    assert report.organisations_by_country == Counter({"DE": 2, "NL": 2, None: 1})
    assert report.organisations_without_country == 1
    assert report.repeat == {"1": 2, "2": 2, "3+": 1}
    assert [o.name for o in report.first_time] == ["Fraunhofer Innovation Platform", "Oost NL", "Robo GmbH"]
    # Saxion's contact was expected but not recorded present: Saxion is not represented.
    assert "Saxion" not in [o.name for o in report.organisations]


def test_public_events_registrations_against_attendance(cluster):
    report = build_report(ReportFilter(START, END))
    assert [f.meeting.title for f in report.public] == ["Cyber Security Day"]
    day = report.public[0]
    # Eva, Max and Nina confirmed (Paul did not); Eva and Nina came, with Katrin and Jan.
    assert (day.registered, day.registered_present, len(day.present)) == (3, 2, 4)
    assert (report.registered, report.registered_present, report.public_present) == (3, 2, 4)


def test_one_topic(cluster):
    report = build_report(ReportFilter(START, END, topic_id=cluster.ai.id))
    assert report.topic is cluster.ai
    assert [f.meeting.title for f in report.meetings] == ["Core Team kick-off", "Lab visit"]
    assert (report.attendances, report.people, report.cross_border_meetings) == (6, 5, 1)
    assert report.people_by_country == Counter({"NL": 2, "DE": 1, None: 2})
    assert [(o.name, len(o.meeting_ids)) for o in report.organisations] == [
        ("Fraunhofer Innovation Platform", 1), ("IHK Nord Westfalen", 2), ("Oost NL", 1),
        ("University of Twente", 1)]
    assert report.repeat == {"1": 3, "2": 1, "3+": 0}
    # Oost NL was at the New Year reception (another topic), in the period: still new to the cluster.
    assert [o.name for o in report.first_time] == ["Fraunhofer Innovation Platform", "Oost NL"]
    assert report.public == []


def test_a_later_period_knows_who_came_before(cluster):
    report = build_report(ReportFilter(date(2025, 3, 1), END))
    assert [f.meeting.title for f in report.meetings] == ["Cyber Security Day", "Lab visit"]
    # Fraunhofer first came in May; Robo GmbH in March; the others had come before March.
    assert [o.name for o in report.first_time] == ["Fraunhofer Innovation Platform", "Robo GmbH"]


@pytest.mark.parametrize("period", [(date(2025, 1, 1), date(2025, 1, 1)), (date(2025, 1, 2), date(2025, 2, 9)),
                                    (date(2030, 1, 1), date(2030, 12, 31))])
def test_periods_at_the_edges(cluster, period):
    report = build_report(ReportFilter(*period))
    expected = {date(2025, 1, 1): ["New Year reception"]}.get(period[0], [])
    assert [f.meeting.title for f in report.meetings] == expected


def test_a_topic_with_no_meetings_gives_an_empty_report(cluster):
    report = build_report(ReportFilter(START, END, topic_id=cluster.data.id))
    assert report.empty
    assert (report.attendances, report.people, report.organisations, report.cross_border_share) == (0, 0, [], None)
    assert report.people_share("NL") is None
    assert report.repeat == {"1": 0, "2": 0, "3+": 0}


def test_a_meeting_with_nobody_recorded_present(app):
    meeting = factories.make_meeting(status="held", starts_at=datetime(2025, 2, 1, 9, tzinfo=timezone.utc))
    factories.make_participant(meeting, status="accepted")
    report = build_report(ReportFilter(START, END))
    assert len(report.meetings) == 1 and report.meetings[0].present == []
    assert (report.attendances, report.people, report.cross_border_meetings, report.cross_border_share) == (0, 0, 0, 0)


def _meetings(count: int) -> None:
    organisations = [factories.make_organisation(country=country) for country in ("NL", "DE", "")]
    for n in range(count):
        meeting = factories.make_meeting(status="held", visibility="public" if n % 2 else "invitation",
                                         starts_at=datetime(2025, 2, 1, 9, tzinfo=timezone.utc) + timedelta(days=n))
        for organisation in organisations:
            contact = factories.make_contact(organisation=organisation)
            factories.make_participant(meeting, contact, status="accepted", attended=True)
        factories.make_participant(meeting, email=f"r{n}@example.org", name=f"R {n}", kind="registrant",
                                   status="registered", attended=bool(n % 3), organisation_name=f"Typed {n % 4}")
    db.session.commit()
    db.session.expunge_all()


def test_the_number_of_statements_does_not_grow_with_the_meetings(app):
    def statements() -> int:
        db.session.expunge_all()
        with count_queries() as seen:
            report = build_report(ReportFilter(START, END))
            for figures in report.meetings:
                for participant in figures.present:
                    participant.organisation_label, participant.country
            report.first_time, report.public
        return len(seen)

    _meetings(2)
    few = statements()
    _meetings(18)
    assert len(build_report(ReportFilter(START, END)).meetings) == 20
    assert statements() == few
