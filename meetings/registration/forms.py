"""Registration forms: the public form (with the meeting's own questions), the
registrant's change form, and the organiser's question, settings, filter and add forms."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from meetings.core.forms import (BaseForm, MultiCheckboxField, choice_list, country_choices, email_validators,
                                 language_choices, lower_strip)
from meetings.participants.labels import participant_status_labels
from meetings.participants.models import ParticipantKind
from meetings.registration.models import CHOICE_KINDS
from meetings.registration.services import FILTER_KINDS, FILTER_STATUSES, RegistrationData

MAX_CHOICES = 30
MAX_CHOICE_LENGTH = 200



def status_labels() -> dict[str, str]:
    """Each participant status as people read it (the participants' one mapping)."""
    return participant_status_labels()


def kind_labels() -> dict[str, str]:
    return {ParticipantKind.INVITEE: _("invitee"), ParticipantKind.REGISTRANT: _("registrant"),
            ParticipantKind.WALK_IN: _("walk-in")}


def question_kind_choices():
    return choice_list([("short_text", _l("Short text")), ("long_text", _l("Long text")),
                        ("single_choice", _l("One choice")), ("multi_choice", _l("Several choices")),
                        ("yes_no", _l("Yes or no"))])


class _OneOf:
    """The answer must be one of the question's choices (when given)."""

    def __init__(self, values):
        self.values = set(values)

    def __call__(self, form, field):
        given = field.data if isinstance(field.data, list) else ([field.data] if field.data else [])
        if any(value not in self.values for value in given):
            raise ValidationError(_l("Please choose from the list."))


class _Chosen:
    """A required multi-choice question needs at least one box ticked."""

    def __call__(self, form, field):
        if not field.data:
            raise ValidationError(_l("Please choose at least one."))


def _question_field(question):
    required = question.required
    first = [InputRequired(message=_l("Please answer this question."))] if required else [Optional()]
    label = question.label
    if question.kind == "long_text":
        return TextAreaField(label, validators=[*first, Length(max=2000)])
    if question.kind == "single_choice":
        choices = question.choice_list
        return RadioField(label, choices=choice_list((c, c) for c in choices), validate_choice=False,
                          validators=[*first, _OneOf(choices)])
    if question.kind == "multi_choice":
        choices = question.choice_list
        return MultiCheckboxField(label, choices=choice_list((c, c) for c in choices), validate_choice=False,
                                  validators=[*([_Chosen()] if required else []), _OneOf(choices)])
    if question.kind == "yes_no":
        return RadioField(label, choices=choice_list([("yes", _l("Yes")), ("no", _l("No"))]), validate_choice=False,
                          validators=[*first, _OneOf(["yes", "no"])])
    return StringField(label, validators=[*first, Length(max=500)])


def country_select_choices():
    return choice_list([("", _l("Choose a country"))]) + country_choices()


class DetailsForm(BaseForm):
    """What a registrant may change later: everything but the email address."""

    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Please enter your name.")),
                                               Length(max=200)],
                       render_kw={"autocomplete": "name"})
    organisation = StringField(_l("Organisation"),
                               description=_l("Your company, university or institute, if any."),
                               validators=[Optional(), Length(max=200)],
                               render_kw={"autocomplete": "organization", "list": "known-organisations"})
    country = SelectField(_l("Country"), choices=[], validators=[InputRequired(message=_l("Please choose a country."))])
    language = SelectField(_l("Preferred language"), choices=language_choices(), default="en",
                           description=_l("Emails about this meeting are written in this language."))
    dietary = StringField(_l("Dietary needs (optional)"), validators=[Optional(), Length(max=500)])
    accessibility = TextAreaField(_l("Accessibility needs (optional)"),
                                  description=_l("Anything that helps you take part, e.g. step-free access."),
                                  validators=[Optional(), Length(max=500)])

    questions: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_select_choices()

    def question_fields(self):
        return [getattr(self, f"q_{q.id}") for q in self.questions]

    def answers(self) -> dict[int, str | list[str]]:
        return {q.id: getattr(self, f"q_{q.id}").data for q in self.questions}

    def fill_from(self, participant, answers: dict[int, str]) -> None:
        """Show a saved registration in the form."""
        self.name.data = participant.name
        self.organisation.data = (participant.organisation.name if participant.organisation
                                  else participant.organisation_name)
        self.country.data = participant.country or ""
        self.language.data = participant.language
        self.dietary.data = participant.dietary
        self.accessibility.data = participant.accessibility
        for question in self.questions:
            value = answers.get(question.id, "")
            field = getattr(self, f"q_{question.id}")
            field.data = value.splitlines() if question.kind == "multi_choice" else value

    def data_for(self, email: str) -> RegistrationData:
        return RegistrationData(name=self.name.data, email=email, organisation=self.organisation.data or None,
                                country=self.country.data or None, language=self.language.data,
                                dietary=self.dietary.data or None, accessibility=self.accessibility.data or None,
                                answers=self.answers())


class RegistrationForm(DetailsForm):
    """The public form: details, email, consent, and a field only bots fill in."""

    email = EmailField(_l("Email"), validators=email_validators(), filters=[lower_strip],
                       render_kw={"autocomplete": "email"})
    consent = BooleanField(_l("I agree that my registration is stored and used as the privacy statement says."),
                           validators=[InputRequired(message=_l("Please agree to the privacy statement to register."))])
    # Hidden from people and screen readers; a bot filling in every field fills this one too.
    homepage = StringField(_l("Leave this field empty"), validators=[Length(max=500)])

    def registration(self) -> RegistrationData:
        return self.data_for(self.email.data)


class AddForm(RegistrationForm):
    """The organiser adds someone by hand: no consent box (the organiser has it), no trap."""

    consent = None
    homepage = None
    notify = BooleanField(_l("Send the confirmation email with the calendar invitation"), default=True)


def with_questions(form_class, questions, **kwargs):
    """An instance of ``form_class`` with one field per question (``q_<id>``)."""
    attrs = {f"q_{q.id}": _question_field(q) for q in questions}
    attrs["questions"] = list(questions)
    bound = type(form_class.__name__, (form_class,), attrs)
    return bound(**kwargs)


class ActionForm(BaseForm):
    """A button that changes something: only its CSRF token."""


class QuestionForm(BaseForm):
    label = StringField(_l("Question"), validators=[InputRequired(message=_l("Please enter the question.")),
                                                    Length(max=300)])
    kind = SelectField(_l("Kind of answer"), choices=question_kind_choices(), default="short_text")
    choices = TextAreaField(_l("Choices"), description=_l("For one or several choices: one choice per line."),
                            validators=[Length(max=MAX_CHOICES * (MAX_CHOICE_LENGTH + 2))])
    required = BooleanField(_l("An answer is required"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data in CHOICE_KINDS and not self.choices.errors:
            lines = [line.strip() for line in (self.choices.data or "").splitlines() if line.strip()]
            if len(lines) < 2:
                self.choices.errors.append(_("Enter at least two choices, one per line."))
                ok = False
            elif len(lines) > MAX_CHOICES:
                self.choices.errors.append(ngettext("Enter at most %(num)d choice.", "Enter at most %(num)d choices.", MAX_CHOICES))
                ok = False
            elif any(len(line) > MAX_CHOICE_LENGTH for line in lines):
                self.choices.errors.append(ngettext("Each choice can have at most %(num)d character.",
                                                    "Each choice can have at most %(num)d characters.",
                                                    MAX_CHOICE_LENGTH))
                ok = False
            elif len(set(lines)) != len(lines):
                self.choices.errors.append(_("Each choice may appear only once."))
                ok = False
        return ok


class SettingsForm(BaseForm):
    waitlist_enabled = BooleanField(_l("Waiting list when the meeting is full"),
                                    description=_l("Without it, people are told the meeting is full."))


class FilterForm(BaseForm):
    """The GET form that narrows the participants list (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], default="")
    kind = SelectField(_l("Kind"), choices=[], default="")
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = status_labels()
        self.status.choices = choice_list([("", _("All"))] + [(s, labels[s]) for s in FILTER_STATUSES])
        kinds = kind_labels()
        self.kind.choices = choice_list([("", _("All"))] + [(k, kinds[k]) for k in FILTER_KINDS])


class ResendForm(BaseForm):
    email = StringField(_l("Email"), validators=email_validators(), filters=[lower_strip])
