from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from meetings.core.forms import BaseForm, email_validators, language_choices, lower_strip

MIN_PASSWORD = 10
_password_length = lazy_ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_PASSWORD)


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), filters=[lower_strip], validators=email_validators())
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("Please enter your password.")), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class UserForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Please enter a name.")), Length(max=120)])
    email = EmailField(_l("Email"), filters=[lower_strip], validators=email_validators())
    language = SelectField(_l("Language"), choices=language_choices(), default="en")
    is_admin = BooleanField(_l("Administrator (manages organiser accounts)"))
    active = BooleanField(_l("Account active"), default=True)
    password = PasswordField(_l("Password"), description=lazy_ngettext("At least %(num)d character. Leave empty to keep the current password.", "At least %(num)d characters. Leave empty to keep the current password.", MIN_PASSWORD),
                             validators=[Optional(), Length(min=MIN_PASSWORD, max=200, message=_password_length)])
    confirm = PasswordField(_l("Repeat password"), validators=[EqualTo("password", message=_l("The two passwords differ."))])


class ProfileForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Please enter a name.")), Length(max=120)])
    language = SelectField(_l("Language of the interface"), choices=language_choices())
    current_password = PasswordField(_l("Current password"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[Optional(), Length(min=MIN_PASSWORD, max=200, message=_password_length)])
    confirm = PasswordField(_l("Repeat new password"), validators=[EqualTo("password", message=_l("The two passwords differ."))])


class LinkIdentityForm(BaseForm):
    """An administrator lets a provider identity sign in as an account."""
    provider = SelectField(_l("Provider"), choices=[])
    subject = StringField(_l("Subject (the provider's id of the person)"),
                          description=_l("Shown to the person when a sign-in without a link is refused."),
                          validators=[InputRequired(message=_l("Please enter the subject.")), Length(max=255)])


class SignInDomainForm(BaseForm):
    """An administrator lets a provider's people with a verified email at a domain in."""
    provider = SelectField(_l("Provider"), choices=[])
    domain = StringField(_l("Email domain"), description=_l("For example partner.example: people whose verified email ends in @partner.example."),
                         filters=[lower_strip], validators=[InputRequired(message=_l("Please enter a domain.")), Length(max=253)])
