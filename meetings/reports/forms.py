"""The choice of what a report covers: a period and, optionally, one topic (GET, no CSRF:
it changes nothing). A further filter (a series) is one more field beside the topic."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from meetings.core.forms import BaseForm
from meetings.events.forms import date_field
from meetings.events.services import list_topics
from meetings.reports.services import ReportFilter

# Longer ids than this are nonsense: no topic has one.
MAX_ID_DIGITS = 9


def chosen_id(value):
    """A select's value as an id: None for the empty choice, -1 (no such row) for anything but digits."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS else -1


class ReportForm(BaseForm):
    class Meta:
        csrf = False

    start = date_field(_l("From"))
    end = date_field(_l("To"))
    topic = SelectField(_l("Topic"), coerce=chosen_id, validators=[Optional()], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = list_topics()
        self.topic.choices = [("", _l("All topics"))] + [(topic.id, topic.name) for topic in self.topics]

    def validate_end(self, field):
        if self.start.data is not None and not self.start.errors and field.data < self.start.data:
            raise ValidationError(_l("The end of the period is before its start."))

    def validate_topic(self, field):
        if field.data is not None and field.data not in {topic.id for topic in self.topics}:
            raise ValidationError(_l("Please choose a topic from the list."))

    def report_filter(self) -> ReportFilter:
        """What the valid form asks for."""
        return ReportFilter(start=self.start.data, end=self.end.data, topic_id=self.topic.data)
