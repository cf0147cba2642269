"""Organiser forms for recording a meeting."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.widgets import HiddenInput
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from meetings.core.forms import (BaseForm, MultiCheckboxField, choice_list, email_validators, language_choices,
                                 lower_strip)

MAX_NOTE = 20000


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
    return MinutesForm(**form_kwargs)


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
