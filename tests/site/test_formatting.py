"""Dates and times written by Babel in the reader's language, with the zone named."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from meetings.core.formatting import format_locale, when
from tests.factories import make_meeting
from tests.helpers import text_of

SUMMER = (datetime(2031, 6, 5, 8, 0, tzinfo=timezone.utc), datetime(2031, 6, 5, 14, 0, tzinfo=timezone.utc))
WINTER = (datetime(2031, 1, 9, 9, 0, tzinfo=timezone.utc), datetime(2031, 1, 9, 11, 0, tzinfo=timezone.utc))


@pytest.mark.parametrize("language,summer,winter", [
    ("en", "Thursday, 5 June 2031, 10:00–16:00 (CEST, Europe/Amsterdam)",
     "Thursday, 9 January 2031, 10:00–12:00 (CET, Europe/Berlin)"),
    ("de", "Donnerstag, 5. Juni 2031, 10:00–16:00 (CEST, Europe/Amsterdam)",
     "Donnerstag, 9. Januar 2031, 10:00–12:00 (CET, Europe/Berlin)"),
    ("nl", "donderdag 5 juni 2031, 10:00–16:00 (CEST, Europe/Amsterdam)",
     "donderdag 9 januari 2031, 10:00–12:00 (CET, Europe/Berlin)"),
])
def test_each_language_writes_dates_its_own_way(app, language, summer, winter):
    assert when(*SUMMER, "Europe/Amsterdam", language) == summer
    assert when(*WINTER, "Europe/Berlin", language) == winter


def test_english_is_european_english(app):
    from babel.dates import format_date

    assert format_locale("en") == "en_GB" and format_locale("de") == "de"
    assert format_date(date(2024, 6, 5), format="long", locale=format_locale("en")) == "5 June 2024"


@pytest.mark.parametrize("language,expected", [("en", "Thursday, 5 June 2031"), ("de", "Donnerstag, 5. Juni 2031"),
                                               ("nl", "donderdag 5 juni 2031")])
def test_the_meeting_page_dates_follow_the_visitors_language(client, language, expected):
    make_meeting(slug="core-team", starts_at=SUMMER[0], ends_at=SUMMER[1])
    html = text_of(client.get("/events/core-team", headers={"Accept-Language": language}))
    assert expected in html and "(CEST, Europe/Amsterdam)" in html


@pytest.mark.parametrize("zone,start,end,expected", [
    # New York springs forward at 02:00 on 14 March 2027: starts in EST, ends in EDT.
    ("America/New_York", datetime(2027, 3, 14, 6, 0, tzinfo=timezone.utc),
     datetime(2027, 3, 14, 8, 0, tzinfo=timezone.utc),
     "Sunday, 14 March 2027, 01:00–04:00 (EST → EDT, America/New_York)"),
    # An overnight meeting in Amsterdam over the end of summer time (25 October 2026).
    ("Europe/Amsterdam", datetime(2026, 10, 24, 20, 0, tzinfo=timezone.utc),
     datetime(2026, 10, 25, 3, 0, tzinfo=timezone.utc),
     "24 Oct 22:00 – 25 Oct 2026 04:00 (CEST → CET, Europe/Amsterdam)"),
    # Lord Howe Island turns its clocks back half an hour (5 April 2026, 02:00).
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 14, 0, tzinfo=timezone.utc),
     datetime(2026, 4, 4, 16, 0, tzinfo=timezone.utc),
     "Sunday, 5 April 2026, 01:00–02:30 (+11 → +10:30, Australia/Lord_Howe)"),
    # No change within the range: one zone named.
    ("Europe/Amsterdam", *SUMMER, "Thursday, 5 June 2031, 10:00–16:00 (CEST, Europe/Amsterdam)"),
])
def test_a_range_over_a_change_of_clocks_names_the_ends_zone(app, zone, start, end, expected):
    assert when(start, end, zone, "en") == expected


def test_pages_and_mails_name_both_zones_of_a_range_over_the_change(client, app):
    from meetings.invitations import services
    from meetings.mail.models import OutboxMessage
    from meetings.mail.outbox import prepare
    from meetings.extensions import db
    from tests.factories import make_contact, make_participant

    # The end of summer time in 2027 is on 31 October.
    start = datetime(2027, 10, 30, 20, 0, tzinfo=timezone.utc)
    meeting = make_meeting(slug="night-shift", starts_at=start, ends_at=datetime(2027, 10, 31, 3, 0, tzinfo=timezone.utc),
                           agenda=1)
    meeting.agenda_items[0].start_time = None
    make_participant(meeting, make_contact(language="de"))
    db.session.commit()
    html = text_of(client.get("/events/night-shift", headers={"Accept-Language": "en"}))
    assert "(CEST → CET, Europe/Amsterdam)" in html
    assert "Times in CEST → CET, Europe/Amsterdam." in html
    services.send_invitations(meeting)
    db.session.commit()
    prepare()
    db.session.commit()
    message = db.session.scalars(db.select(OutboxMessage)).one()
    assert "(CEST → CET, Europe/Amsterdam)" in message.text_body
    assert "(CEST → CET, Europe/Amsterdam)" in message.html_body
