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
