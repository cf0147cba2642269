"""Organiser forms for a date poll (candidate slots, people, options) and the voter's form."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from meetings.core.forms import BaseForm, choice_list
from meetings.core.formatting import meeting_when
from meetings.core.timezones import LocalTimeError, start_of_day, to_utc
from meetings.core.types import utcnow
from meetings.events.forms import date_field, local_time_message, time_field
from meetings.participants.forms import InviteForm
from meetings.polls.services import MAX_SLOTS, MIN_SLOTS, SlotTimes
from meetings.polls.states import PollAnswer

# Rows offered on the page: as many as a poll may have, so no script is needed to add one.
SLOT_ROWS = MAX_SLOTS


def answer_choices():
    return choice_list([(PollAnswer.YES, _l("Yes")), (PollAnswer.IF_NEED_BE, _l("If need be")),
                        (PollAnswer.NO, _l("No"))])


class PollForm(InviteForm):
    """Candidate slots (rows ``slot_<n>_...``), the people to ask (as for invitees), and options.
    Times are wall-clock times in the meeting's zone, checked as the meeting form checks them."""

    deadline_date = date_field(_l("Answer by (date, optional)"), required=False)
    deadline_time = time_field(_l("Answer by (time)"), required=False)
    note = TextAreaField(_l("Note to the people asked (optional)"), validators=[Length(max=2000)])
    show_answers = BooleanField(_l("Show everyone's names and answers to the people asked"),
                                description=_l("Otherwise they see only the counts per date."))
    hold_dates = BooleanField(_l("Hold the dates in their calendars"), default=True,
                              description=_l("Each date is sent as a tentative calendar entry; the dates not "
                                             "chosen are removed when you choose one."))

    def __init__(self, *args, zone: str = "Europe/Amsterdam", **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.slots: list[SlotTimes] = []

    def slot_rows(self):
        """(number, date, start, end, all day) fields of each row, for the page."""
        return [(n, self[f"slot_{n}_date"], self[f"slot_{n}_start"], self[f"slot_{n}_end"], self[f"slot_{n}_all_day"])
                for n in range(1, SLOT_ROWS + 1)]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        now = utcnow()
        seen: dict[tuple, int] = {}
        self.slots = []
        for n, date_f, start_f, end_f, all_day_f in self.slot_rows():
            if date_f.data is None and not date_f.errors and start_f.data is None and end_f.data is None:
                continue
            if date_f.data is None and not date_f.errors:
                date_f.errors.append(_("Please enter a date."))
            if all_day_f.data:
                start_f.errors, end_f.errors = [], []
                if date_f.errors:
                    continue
                starts_at = start_of_day(date_f.data, self.zone)
                ends_at = start_of_day(date_f.data + timedelta(days=1), self.zone)
            else:
                for time_f in (start_f, end_f):
                    if time_f.data is None and not time_f.errors:
                        time_f.errors.append(_("Please enter a time, or tick “All day”."))
                starts_at, ends_at = self._instant(date_f, start_f), self._instant(date_f, end_f)
                if starts_at is None or ends_at is None:
                    continue
                if ends_at <= starts_at:
                    end_f.errors.append(_("The end must be after the start."))
                    continue
            if starts_at <= now:
                date_f.errors.append(_("This date has passed. Choose one in the future."))
                continue
            key = (starts_at, ends_at)
            if key in seen:
                date_f.errors.append(_("The same date and time as option %(num)d.", num=seen[key]))
                continue
            seen[key] = n
            self.slots.append(SlotTimes(starts_at, ends_at, bool(all_day_f.data)))
        self.deadline_at = None
        if self.deadline_date.data is not None or self.deadline_time.data is not None:
            if self.deadline_date.data is None and not self.deadline_date.errors:
                self.deadline_date.errors.append(_("Please enter a date too."))
            elif self.deadline_time.data is None and not self.deadline_time.errors:
                self.deadline_time.errors.append(_("Please enter a time too."))
            else:
                self.deadline_at = self._instant(self.deadline_date, self.deadline_time)
        rows_wrong = any(f.errors for row in self.slot_rows() for f in row[1:])
        if not rows_wrong and not MIN_SLOTS <= len(self.slots) <= MAX_SLOTS:
            self.form_errors.append(_("Enter between %(low)d and %(high)d dates.", low=MIN_SLOTS, high=MAX_SLOTS))
            self.slot_1_date.errors.append(_("Enter between %(low)d and %(high)d dates.", low=MIN_SLOTS,
                                             high=MAX_SLOTS))
        return ok and not any(f.errors for f in self) and not self.form_errors

    def _instant(self, date_f, time_f) -> datetime | None:
        if date_f.errors or time_f.errors or date_f.data is None or time_f.data is None:
            return None
        try:
            return to_utc(datetime.combine(date_f.data, time_f.data), self.zone)
        except LocalTimeError as exc:
            time_f.errors.append(local_time_message(exc.kind, self.zone))
            return None


for _n in range(1, SLOT_ROWS + 1):
    setattr(PollForm, f"slot_{_n}_date", date_field(_l("Date"), required=False))
    setattr(PollForm, f"slot_{_n}_start", time_field(_l("Start time"), required=False))
    setattr(PollForm, f"slot_{_n}_end", time_field(_l("End time"), required=False))
    setattr(PollForm, f"slot_{_n}_all_day", BooleanField(_l("All day")))


class NewMeetingForm(BaseForm):
    """A new draft meeting whose date a poll will find: only what the poll needs."""

    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Please enter a title.")),
                                                 Length(max=200)])
    venue_id = SelectField(_l("Venue"), choices=[],
                           validators=[InputRequired(message=_l("Please choose a venue."))])

    def __init__(self, *args, venues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.venues = {str(v.id): v for v in venues}
        self.venue_id.choices = choice_list([("", _l("Choose a venue"))] + [(v.id, f"{v.name}, {v.city}")
                                                                           for v in venues])

    def validate_venue_id(self, field):
        if field.data not in self.venues:
            raise ValidationError(_l("Please choose a venue from the list."))


class ChooseForm(BaseForm):
    """Closing the poll on one slot (the slot is in the address)."""


class CancelPollForm(BaseForm):
    note = TextAreaField(_l("Message to the people asked (optional)"), validators=[Length(max=2000)])
    confirm = BooleanField(_l("Yes, call off this poll and tell everyone asked"),
                           validators=[DataRequired(message=_l("Please confirm."))])


class VoteForm(BaseForm):
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=2000)])

    def answer_fields(self):
        return [self[name] for name in self._slot_fields]


def vote_form_for(poll, *args, **kwargs) -> VoteForm:
    """The voter's form for this poll: one yes / if need be / no choice per slot, then a comment."""
    class _Form(VoteForm):
        pass

    names = []
    for slot in poll.slots:
        name = f"slot_{slot.id}"
        setattr(_Form, name, RadioField(meeting_when(slot), choices=answer_choices(),
                                        validators=[InputRequired(message=_l("Please answer for this date."))]))
        names.append(name)
    _Form._slot_fields = names
    form = _Form(*args, **kwargs)
    return form
