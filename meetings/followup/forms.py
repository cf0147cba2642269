"""Organiser forms for recording a meeting."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.widgets import HiddenInput
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from babel.dates import format_date

from meetings.core.formatting import format_locale
from meetings.core.forms import (BaseForm, MultiCheckboxField, choice_list, email_validators, language_choices,
                                 lower_strip)
from meetings.core.timezones import to_local
from meetings.events.forms import date_field
from meetings.events.services import list_topics
from meetings.followup.register import DecisionFilter, DecisionStanding

MAX_NOTE = 20000


def format_day(day) -> str:
    return format_date(day, format="medium", locale=format_locale())


def _country_or_none():
    return choice_list([("", _l("Not recorded")), ("NL", _l("Netherlands")), ("DE", _l("Germany")),
                        ("BE", _l("Belgium")), ("OTHER", _l("Other country"))])


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class AttendanceForm(BaseForm):
    # Participants removed since the page was shown are skipped, not an error.
    present = MultiCheckboxField(_l("Present"), choices=[], coerce=int, validate_choice=False,
                                 description=_l("Tick everyone who came."))

    def __init__(self, *args, participants=(), labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.present.choices = [(p.id, (labels or {}).get(p.id, p.name or p.email)) for p in participants]


class WalkInForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Please enter the name.")),
                                               Length(max=200)])
    email = EmailField(_l("Email"), validators=email_validators(required=False), filters=[lower_strip],
                       description=_l("Optional; needed to send them the follow-up post."))
    organisation_id = SelectField(_l("Organisation"), choices=[], coerce=_optional_int, validate_choice=False)
    organisation_name = StringField(_l("Other organisation"), validators=[Length(max=200)],
                                    description=_l("If the organisation is not in the network."))
    country = SelectField(_l("Country"), choices=_country_or_none, default="")
    language = SelectField(_l("Language"), choices=language_choices, default="en")

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._organisation_ids = {o.id for o in organisations}
        self.organisation_id.choices = [("", _l("None or other"))] + [(o.id, o.name) for o in organisations]

    def validate_organisation_id(self, field):
        if field.data is not None and field.data not in self._organisation_ids:
            raise ValidationError(_l("Please choose an organisation from the list."))


def minutes_form(agenda_items, **form_kwargs) -> BaseForm:
    """A form with one Markdown notes field per agenda item (``note_<id>``), the
    decisions and the next meeting. ``form_kwargs`` go to the form as to any Flask-WTF
    form: none to read the request, ``formdata=None, data=...`` to show stored minutes."""

    class MinutesForm(BaseForm):
        decisions = TextAreaField(_l("Decisions"), validators=[Length(max=MAX_NOTE)],
                                  description=_l("One decision per line."))
        next_meeting_on = DateField(_l("Next meeting on"), validators=[Optional()],
                                    description=_l("If a date was fixed."))
        next_meeting_note = StringField(_l("Or when the group plans to meet again"),
                                        validators=[Length(max=200)],
                                        description=_l("For example “before the summer holidays”."))

    for item in agenda_items:
        setattr(MinutesForm, f"note_{item.id}",
                TextAreaField(item.title, validators=[Length(max=MAX_NOTE)],
                              description=_l("Notes in Markdown.")))
        setattr(MinutesForm, f"decisions_{item.id}",
                TextAreaField(_l("Decisions on “%(item)s”", item=item.title), validators=[Length(max=MAX_NOTE)],
                              description=_l("One decision per line.")))
    return MinutesForm(**form_kwargs)


class CirculateForm(BaseForm):
    """Mail the minutes to those recorded present (a button)."""


class ApproveForm(BaseForm):
    approved_on = date_field(_l("Approved on"))
    approved_at_meeting_id = SelectField(_l("Approved at the meeting"), choices=[], coerce=_optional_int,
                                         validate_choice=False,
                                         description=_l("Optional: the later meeting that approved them."))
    corrections = TextAreaField(_l("Corrections"), validators=[Length(max=MAX_NOTE)],
                                description=_l("Optional: corrections the approval was given with."))

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._meeting_ids = {m.id for m in meetings}
        self.approved_at_meeting_id.choices = [("", _l("None"))] + [
            (m.id, f"{m.title} ({format_day(to_local(m.starts_at, m.timezone).date())})") for m in meetings]

    def validate_approved_at_meeting_id(self, field):
        if field.data is not None and field.data not in self._meeting_ids:
            raise ValidationError(_l("Please choose a later meeting from the list."))


MAX_COMMENT = 5000


class CommentForm(BaseForm):
    body = TextAreaField(_l("Your comment"), validators=[InputRequired(message=_l("Please write your comment.")),
                                                          Length(max=MAX_COMMENT)],
                         description=_l("The organisers read it before the minutes are approved."))


class DecisionFilterForm(BaseForm):
    """The register's search and filter (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Length(max=200)])
    start = date_field(_l("From"), required=False)
    end = date_field(_l("To"), required=False)
    topic = SelectField(_l("Topic"), coerce=_optional_int, validators=[Optional()], validate_choice=False)
    standing = SelectField(_l("Show"), default="", choices=lambda: choice_list([
        (DecisionStanding.ALL.value, _l("All decisions")), (DecisionStanding.CURRENT.value, _l("Decisions in force")),
        (DecisionStanding.SUPERSEDED.value, _l("Superseded decisions"))]))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = list_topics()
        self.topic.choices = [("", _l("All topics"))] + [(topic.id, topic.name) for topic in self.topics]

    def validate_end(self, field):
        if field.data is not None and self.start.data is not None and not self.start.errors \
                and field.data < self.start.data:
            raise ValidationError(_l("The end of the period is before its start."))

    def validate_topic(self, field):
        if field.data is not None and field.data not in {topic.id for topic in self.topics}:
            raise ValidationError(_l("Please choose a topic from the list."))

    def decision_filter(self) -> DecisionFilter:
        """What the valid form asks for."""
        return DecisionFilter(q=self.q.data or "", start=self.start.data, end=self.end.data,
                              topic_id=self.topic.data, standing=self.standing.data or DecisionStanding.ALL)


class SupersedeForm(BaseForm):
    """One per row of the register (each with its own prefix); the page's CSRF token, which
    the app checks on every POST, goes along as a plain field."""

    class Meta:
        csrf = False

    superseded_by_id = SelectField(_l("Superseded by"), choices=[], coerce=_optional_int, validate_choice=False,
                                   description=_l("A decision of a later meeting that replaced this one."))

    def __init__(self, *args, later=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._later_ids = {d.id for d in later}
        self.superseded_by_id.choices = [("", _l("Not superseded"))] + [
            (d.id, f"{format_day(to_local(d.meeting.starts_at, d.meeting.timezone).date())}: {d.text[:120]}")
            for d in later]


class ActionItemForm(BaseForm):
    what = StringField(_l("What"), validators=[InputRequired(message=_l("Please say what is to be done.")),
                                               Length(max=500)])
    owner_id = SelectField(_l("Owner"), choices=[], coerce=_optional_int, validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[Optional()])

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._contact_ids = {c.id for c in contacts}
        self.owner_id.choices = [("", _l("Nobody yet"))] + [
            (c.id, f"{c.name} ({c.organisation.name})" if c.organisation else c.name) for c in contacts]

    def validate_owner_id(self, field):
        if field.data is not None and field.data not in self._contact_ids:
            raise ValidationError(_l("Please choose the owner from the contacts."))


class DraftForm(BaseForm):
    """Draft the follow-up post. When the meeting already has a post in that language, the
    organiser is asked first: ``replace`` names the draft to write again, ``separate``
    asks for a new draft beside posts already published."""

    language = SelectField(_l("Language of the post"), choices=language_choices, default="en")
    replace = IntegerField(widget=HiddenInput(), validators=[Optional()])
    separate = HiddenField()


    def validate_superseded_by_id(self, field):
        if field.data is not None and field.data not in self._later_ids:
            raise ValidationError(_l("Only a decision of a later meeting can supersede this one."))
