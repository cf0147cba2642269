from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from meetings.core.forms import BaseForm, choice_list, email_validators, lower_strip
from meetings.participants.models import ParticipantStatus


def answer_choices():
    return choice_list([(ParticipantStatus.ACCEPTED, _l("Yes, I will attend")),
                        (ParticipantStatus.TENTATIVE, _l("Maybe")),
                        (ParticipantStatus.DECLINED, _l("No, I cannot attend"))])


class AnswerForm(BaseForm):
    status = RadioField(_l("Your answer"), choices=answer_choices,
                        validators=[InputRequired(message=_l("Please choose an answer."))])
    comment = TextAreaField(_l("Comment for the organisers (optional)"), validators=[Length(max=2000)])


class DelegateForm(BaseForm):
    colleague_name = StringField(_l("Your colleague's name"), validators=[
        InputRequired(message=_l("Please enter your colleague's name.")), Length(max=200)])
    colleague_email = EmailField(_l("Your colleague's email"), filters=[lower_strip], validators=email_validators())
    colleague_message = TextAreaField(_l("Message to your colleague (optional)"),
                                      description=_l("Included in their invitation."),
                                      validators=[Length(max=1000)])


class UpdateForm(BaseForm):
    note = TextAreaField(_l("Message to the invitees (optional)"),
                         description=_l("Shown at the top of the update, e.g. why the time changed."),
                         validators=[Length(max=2000)])


class CancelForm(BaseForm):
    note = TextAreaField(_l("Message to the invitees (optional)"), validators=[Length(max=2000)])
    confirm = BooleanField(_l("Yes, cancel this meeting and tell every invitee"),
                           validators=[DataRequired(message=_l("Please confirm the cancellation."))])


class DeclineProposalForm(BaseForm):
    """Declining one proposal of another time, with a few words to its proposer."""

    comment = TextAreaField(_l("Message to the person who proposed it (optional)"),
                            description=_l("Sent with the answer to their calendar."),
                            validators=[Length(max=1000)])
