"""The contact form (with its trap for bots) and the organiser's page and embed forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from meetings.core.forms import BaseForm, choice_list, email_validators, language_choices, lower_strip

MAX_PAGE_BODY = 50000
MAX_MESSAGE = 5000
MAX_EMBED_ITEMS = 20


class ContactForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Please enter your name.")), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("Email"), validators=email_validators(), filters=[lower_strip],
                       render_kw={"autocomplete": "email"})
    organisation = StringField(_l("Organisation (optional)"), validators=[Optional(), Length(max=200)],
                               render_kw={"autocomplete": "organization"})
    subject = StringField(_l("Subject"), validators=[InputRequired(message=_l("Please enter a subject.")),
                                                     Length(max=200)])
    message = TextAreaField(_l("Message"), validators=[InputRequired(message=_l("Please write your message.")),
                                                       Length(max=MAX_MESSAGE)])
    language = SelectField(_l("Preferred language"), choices=language_choices, default="en")
    consent = BooleanField(_l("I agree that my message and address are stored to answer me, as the privacy "
                              "statement says."),
                           validators=[InputRequired(message=_l("Please agree to the privacy statement to send "
                                                                "your message."))])
    # Hidden from people and screen readers; a bot filling in every field fills this one too.
    homepage = StringField(_l("Leave this field empty"), validators=[Length(max=500)])


class PageForm(BaseForm):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Please enter a title.")),
                                                 Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[InputRequired(message=_l("Please write the text of the page.")),
                                                 Length(max=MAX_PAGE_BODY)],
                         description=_l("Markdown: **bold**, *italic*, [link](https://example.org), lists with “- ”."))


class EmbedForm(BaseForm):
    """What the organiser's snippet page builds the iframe from (a GET form)."""

    class Meta:
        csrf = False

    topic = SelectField(_l("Topic"), validators=[Optional()], choices=[])
    lang = SelectField(_l("Language"), choices=language_choices, default="en")
    limit = IntegerField(_l("Number of events"), default=5,
                         validators=[Optional(), NumberRange(min=1, max=MAX_EMBED_ITEMS)])

    def set_topics(self, topics) -> None:
        self.topic.choices = choice_list([("", _l("All topics"))] + [(t.slug, t.name) for t in topics])
