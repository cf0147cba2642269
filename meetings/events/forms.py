"""Organiser forms for meetings, agenda items and topics."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField,
                     TimeField, URLField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from meetings.core.formatting import day_long, days_text
from meetings.core.forms import (BaseForm, MultiCheckboxField, ZoneField, choice_list, language_choices,
                                 url_validators)
from meetings.core.languages import LANGUAGE_NAMES
from meetings.core.timezones import LocalTimeError, get_zone, start_of_day, to_utc
from meetings.events.labels import MEETING_STATUS_LABELS
from meetings.events.languages import ITEM_TEXTS, MEETING_TEXTS, clean_translations
from meetings.events.models import MeetingStatus
from meetings.events.services import SLUG_MAX, SLUG_RE

TIME_FORMATS = ["%H:%M", "%H:%M:%S"]  # browsers send seconds when the input has a step


def status_choices():
    return choice_list(MEETING_STATUS_LABELS.items())


def visibility_choices():
    return choice_list([("public", _l("Public: listed on the Events page")),
                        ("invitation", _l("Invitation only"))])



def web_address(form, field):
    # The URL validator accepts any scheme; a meeting link must open in a browser.
    if field.data and not field.data.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Please enter a full web address starting with https://."))


def sensible_date(form, field):
    # Far-off years overflow when converted between zones; no meeting needs them.
    if isinstance(field.data, date) and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Please enter a date between the years 2000 and 2100."))


def date_field(label, required=True, **kwargs):
    first = InputRequired(message=_l("Please enter a date.")) if required else Optional()
    return DateField(label, validators=[first, sensible_date],
                     invalid_value_message=_l("Please enter a date as YYYY-MM-DD."), **kwargs)


def time_field(label, required=True, **kwargs):
    first = InputRequired(message=_l("Please enter a time.")) if required else Optional()
    return TimeField(label, validators=[first], format=TIME_FORMATS,
                     invalid_value_message=_l("Please enter a time as HH:MM, e.g. 14:30."), **kwargs)


def local_time_message(kind: str, zone: str) -> str:
    """The message for a wall-clock time a daylight-saving change makes impossible to place."""
    if kind == "nonexistent":
        return _("This time does not exist in %(zone)s on that day (clocks go forward).", zone=zone)
    return _("This time occurs twice in %(zone)s on that day (clocks go back); choose another time.", zone=zone)


def translation_fields(form_class, texts: dict) -> None:
    """Add to ``form_class`` one optional field per text and shipped language, named
    ``<text>_<language>`` (e.g. ``title_de``); ``texts`` maps each text to a field maker,
    which takes the field's label (the language's own name)."""
    for language, name in LANGUAGE_NAMES.items():
        for text, make in texts.items():
            setattr(form_class, f"{text}_{language}", make(name))


class TranslationsMixin:
    """The texts a form takes in other languages than the meeting's main one."""

    translated_texts: tuple[str, ...] = ()

    def translation_field(self, text: str, language: str):
        return self[f"{text}_{language}"]

    def other_languages(self, main_language: str | None) -> list[tuple[str, str]]:
        """(code, name) of the shipped languages other than ``main_language``, for the form's sections."""
        return [(code, name) for code, name in LANGUAGE_NAMES.items() if code != main_language]

    def has_translations(self, languages) -> bool:
        """Whether any text in ``languages`` ((code, name) pairs) was entered or is wrong (the
        form then shows those fields open)."""
        fields = [self.translation_field(text, code) for code, _name in languages for text in self.translated_texts]
        return any(f.data or f.errors for f in fields)

    def translations(self, main_language: str | None) -> dict:
        """The entered translations as they are stored (empty texts and the main language left out)."""
        return clean_translations({code: {text: self.translation_field(text, code).data
                                          for text in self.translated_texts}
                                   for code in LANGUAGE_NAMES}, main_language, self.translated_texts)

    def fill_translations(self, obj) -> None:
        """Put a saved object's translations into the form."""
        stored = obj.translations or {}
        for code in LANGUAGE_NAMES:
            for text in self.translated_texts:
                self.translation_field(text, code).data = (stored.get(code) or {}).get(text, "")


# Each field is labelled with the language's own name; the form's fieldset names the text
# ("Title in other languages"), so the main "Title" stays the only field of that name.
def _title_in(label: str):
    return StringField(label, validators=[Optional(), Length(max=200)])


def _description_in(label: str):
    return TextAreaField(label, description=_l("Markdown. Leave empty to show the description in the main language."),
                         validators=[Optional(), Length(max=20000)])


class MeetingForm(TranslationsMixin, BaseForm):
    translated_texts = MEETING_TEXTS

    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Please enter a title.")),
                                                 Length(max=200)])
    slug = StringField(_l("Address (slug)"),
                       description=_l("Part of the public address /events/<slug>: lower-case letters, digits and "
                                      "hyphens. Leave empty to make one from the title."),
                       validators=[Optional(), Length(max=SLUG_MAX),
                                   Regexp(SLUG_RE, message=_l("Use only lower-case letters a-z, digits and single "
                                                              "hyphens between them, e.g. core-team-june-2026."))])
    description = TextAreaField(_l("Description"), description=_l("Markdown: **bold**, *italic*, lists, links."),
                                validators=[Length(max=20000)])
    language = SelectField(_l("Main language"), choices=language_choices(), default="en")
    venue_id = SelectField(_l("Venue"), choices=[])
    online_url = URLField(_l("Online link"), description=_l("Video call address, for an online or hybrid meeting."),
                          validators=[*url_validators(), web_address])
    timezone = ZoneField(_l("Time zone"),
                         description=_l("Only for online meetings: with a venue, the venue's time zone is used "
                                        "and this choice is ignored."))
    all_day = BooleanField(_l("All day"), description=_l("The meeting takes whole days, from the start date to "
                                                         "the end date included; the times are then ignored."))
    start_date = date_field(_l("Start date"))
    # Needed unless the meeting is all day (checked in validate, so the browser never insists).
    start_time = time_field(_l("Start time"), required=False)
    end_date = date_field(_l("End date"))
    end_time = time_field(_l("End time"), required=False)
    # Shown when editing a meeting whose agenda has start times; checked unless unticked.
    move_agenda = BooleanField(_l("Move the agenda's start times with the meeting"), default=True,
                               description=_l("If the start moves, each agenda item with a start time moves by "
                                              "as much, so the agenda stays inside the meeting."))
    topics = MultiCheckboxField(_l("Topics"), choices=[], coerce=int)
    visibility = RadioField(_l("Visibility"), choices=visibility_choices(), default="invitation")
    status = SelectField(_l("Status"), choices=status_choices(), default=MeetingStatus.DRAFT)
    capacity = IntegerField(_l("Capacity"), description=_l("Most people who can take part. Leave empty for no limit."),
                            validators=[Optional(), NumberRange(min=1, max=100000,
                                                                message=_l("Enter a number of at least 1."))])
    registration_opens_date = date_field(_l("Registration opens (date)"), required=False)
    registration_opens_time = time_field(_l("Registration opens (time)"), required=False)
    registration_closes_date = date_field(_l("Registration closes (date)"), required=False)
    registration_closes_time = time_field(_l("Registration closes (time)"), required=False)

    def __init__(self, *args, venues=(), topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._venue_zones = {str(v.id): v.timezone for v in venues}
        self.venue_id.choices = choice_list([("", _l("No venue (online only)"))]
                                            + [(v.id, f"{v.name}, {v.city}") for v in venues])
        self.topics.choices = [(t.id, t.name) for t in topics]
        self.result: dict = {}

    @property
    def zone(self) -> str:
        """The zone times are entered in: the venue's, else the one chosen."""
        return self._venue_zones.get(self.venue_id.data or "", self.timezone.data or "")

    def validate(self, extra_validators=None) -> bool:
        if self.venue_id.data:
            # The zone select is ignored with a venue; check the venue's zone instead.
            self.timezone.data = self._venue_zones.get(self.venue_id.data, self.timezone.data)
        ok = super().validate(extra_validators)
        if self.all_day.data and (self.start_time.errors or self.end_time.errors):
            # An all-day meeting ignores its times, even ones that could not be read.
            self.start_time.errors, self.end_time.errors = [], []
            ok = not any(f.errors for f in self)
        if not self.online_url.errors and not self.venue_id.data and not self.online_url.data:
            self.form_errors.append(_("Choose a venue, enter an online link, or both."))
            self.online_url.errors.append(_("Enter an online link or choose a venue."))
            ok = False
        if self.timezone.errors:
            return False
        if self.all_day.data:
            starts_at, ends_at = self._days()
        else:
            for time_f in (self.start_time, self.end_time):
                if time_f.data is None and not time_f.errors:
                    time_f.errors.append(_("Please enter a time, or tick “All day”."))
            starts_at = self._instant(self.start_date, self.start_time)
            ends_at = self._instant(self.end_date, self.end_time)
            if starts_at and ends_at and ends_at <= starts_at:
                field = self.end_time if self.end_date.data == self.start_date.data else self.end_date
                field.errors.append(_("The end must be after the start."))
                ends_at = None
        opens_at = self._optional_instant(self.registration_opens_date, self.registration_opens_time)
        closes_at = self._optional_instant(self.registration_closes_date, self.registration_closes_time)
        if opens_at and closes_at and closes_at <= opens_at:
            self.registration_closes_date.errors.append(_("Registration must close after it opens."))
            closes_at = None
        if any(f.errors for f in self) or self.form_errors:
            return False
        self.result = {
            "title": self.title.data, "slug": self.slug.data or "", "description": self.description.data or "",
            "language": self.language.data, "venue_id": int(self.venue_id.data) if self.venue_id.data else None,
            "online_url": self.online_url.data or None, "timezone": self.zone,
            "starts_at": starts_at, "ends_at": ends_at, "all_day": bool(self.all_day.data), "topic_ids": self.topics.data or [],
            "visibility": self.visibility.data, "status": self.status.data, "capacity": self.capacity.data,
            "registration_opens_at": opens_at, "registration_closes_at": closes_at,
            "translations": self.translations(self.language.data),
        }
        return ok

    def _days(self) -> tuple[datetime | None, datetime | None]:
        """An all-day meeting's start and (exclusive) end: the start of its first day and of
        the day after its last, in its zone. The times entered are ignored."""
        first, last = self.start_date.data, self.end_date.data
        if self.start_date.errors or self.end_date.errors or first is None or last is None:
            return None, None
        if last < first:
            self.end_date.errors.append(_("The end date cannot be before the start date."))
            return None, None
        return start_of_day(first, self.zone), start_of_day(last + timedelta(days=1), self.zone)

    def _instant(self, date_f, time_f) -> datetime | None:
        if date_f.errors or time_f.errors or date_f.data is None or time_f.data is None:
            return None
        try:
            return to_utc(datetime.combine(date_f.data, time_f.data), self.zone)
        except LocalTimeError as exc:
            time_f.errors.append(local_time_message(exc.kind, self.zone))
            return None

    def _optional_instant(self, date_f, time_f) -> datetime | None:
        if date_f.data is None and time_f.data is None:
            return None
        if date_f.data is None and not date_f.errors:
            date_f.errors.append(_("Please enter a date too."))
        if time_f.data is None and not time_f.errors:
            time_f.errors.append(_("Please enter a time too."))
        return self._instant(date_f, time_f)

    def fill_from(self, meeting) -> None:
        """Put a saved meeting's values into the form, times as wall-clock times in its zone."""
        for name in ("title", "slug", "description", "language", "online_url", "timezone", "visibility",
                     "status", "capacity"):
            getattr(self, name).data = getattr(meeting, name)
        self.venue_id.data = str(meeting.venue_id) if meeting.venue_id else ""
        self.topics.data = [t.id for t in meeting.topics]
        self.all_day.data = meeting.all_day
        times = () if meeting.all_day else (("start", meeting.starts_at), ("end", meeting.ends_at))
        if meeting.all_day:
            # The form shows the last day itself, not the exclusive end.
            self.start_date.data, self.end_date.data = meeting.first_day, meeting.last_day
        for prefix, instant in (*times, ("registration_opens", meeting.registration_opens_at),
                                ("registration_closes", meeting.registration_closes_at)):
            if instant is not None:
                local = instant.astimezone(get_zone(meeting.timezone))
                getattr(self, f"{prefix}_date").data = local.date()
                getattr(self, f"{prefix}_time").data = local.time()
        self.fill_translations(meeting)


def _day_value(value) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    return date.fromisoformat(value) if value else None


class AgendaItemForm(TranslationsMixin, BaseForm):
    translated_texts = ITEM_TEXTS

    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Please enter a title.")),
                                                 Length(max=200)])
    # Only for a meeting over several days (removed otherwise); checked against its days in validate.
    day = SelectField(_l("Day"), coerce=_day_value, validate_choice=False,
                      invalid_value_message=_l("Please choose a day from the list."),
                      description=_l("Leave empty to follow the item before."))
    start_time = time_field(_l("Start time"), required=False,
                            description=_l("Local time in the meeting's zone. Leave empty to follow the item before."))
    duration_minutes = IntegerField(_l("Duration (minutes)"),
                                    validators=[Optional(), NumberRange(min=1, max=1440, message=_l(
                                        "Enter a duration between 1 and 1440 minutes."))])
    presenter = StringField(_l("Presenter"), validators=[Length(max=200)])
    notes = TextAreaField(_l("Notes"), description=_l("Markdown."), validators=[Length(max=10000)])

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._days: list[date] = list(meeting.days) if meeting is not None and meeting.spans_days else []
        if self._days:
            self.day.choices = [("", _("Same day as the item before"))] + [
                (d.isoformat(), day_long(d)) for d in self._days]
            self._days_text = days_text(self._days[0], self._days[-1])
        else:
            del self.day

    @property
    def day_data(self) -> date | None:
        """The day chosen, or None (a meeting of one day has no day field)."""
        return self.day.data if "day" in self else None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if "day" in self and not self.day.errors and self.day.data is not None and self.day.data not in self._days:
            self.day.errors.append(_("Choose one of the meeting's days (%(days)s).", days=self._days_text))
            ok = False
        if (not self.start_time.errors and not self.duration_minutes.errors
                and self.start_time.data is None and self.duration_minutes.data is None):
            self.start_time.errors.append(_("Enter a start time, a duration, or both."))
            ok = False
        return ok


translation_fields(MeetingForm, {"title": _title_in, "description": _description_in})
translation_fields(AgendaItemForm, {"title": _title_in})


class TopicForm(BaseForm):
    name = StringField(_l("Topic name"), validators=[InputRequired(message=_l("Please enter a name.")),
                                                     Length(max=120)])
