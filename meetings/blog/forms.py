"""Organiser forms for posts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField,
                     TimeField)
from wtforms.validators import InputRequired, Length, Optional, Regexp

from meetings.core.forms import BaseForm, choice_list, language_choices

MAX_BODY = 50000


class PostForm(BaseForm):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Please enter a title.")),
                                                 Length(max=200)])
    slug = StringField(_l("Address"), validators=[Optional(), Length(max=120),
                                                  Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                                         message=_l("Use lower-case letters, digits and hyphens only."))],
                       description=_l("The end of the post's address under /blog/. Leave empty to make it from the title."))
    body = TextAreaField(_l("Text"), validators=[InputRequired(message=_l("Please write the text of the post.")),
                                                 Length(max=MAX_BODY)],
                         description=_l("Markdown: **bold**, *italic*, [link](https://example.org), lists with “- ”."))
    language = SelectField(_l("Language"), choices=language_choices, default="en")


def _when_choices():
    return choice_list([("now", _l("Now")), ("later", _l("At a set time"))])


class PublishForm(BaseForm):
    when = RadioField(_l("Publish"), choices=_when_choices, default="now")
    publish_date = DateField(_l("Date"), validators=[Optional()])
    publish_time = TimeField(_l("Time"), validators=[Optional()])
    notify = BooleanField(_l("Notify those who attended by email"),
                          description=_l("One email to each attendee with an address, in their language."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.when.data == "later":
            if self.publish_date.data is None and not self.publish_date.errors:
                self.publish_date.errors.append(_l("Please enter the date to publish on."))
                ok = False
            if self.publish_time.data is None and not self.publish_time.errors:
                self.publish_time.errors.append(_l("Please enter the time to publish at."))
                ok = False
        return ok


class DeleteForm(BaseForm):
    """The confirmation page's form: ``confirm`` is "yes" only when sent from it."""

    confirm = HiddenField()
