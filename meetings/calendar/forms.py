"""The one form of the personal feed: how long before each meeting to be reminded."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from meetings.core.forms import BaseForm, choice_list


def alarm_choices():
    return choice_list([("none", _l("No reminder")), ("15", _l("15 minutes before")),
                        ("60", _l("1 hour before")), ("1440", _l("1 day before"))])


def alarm_value(minutes: int | None) -> str:
    """The form's value for a stored reminder setting."""
    return "none" if minutes is None else str(minutes)


def alarm_minutes(value: str) -> int | None:
    """The stored reminder setting for a form value."""
    return None if value == "none" else int(value)


class FeedAlarmForm(BaseForm):
    alarm = RadioField(_l("Reminder in my calendar"), choices=alarm_choices,
                       validators=[InputRequired(message=_l("Please choose a reminder."))])
