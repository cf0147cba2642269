from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, SearchField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from meetings.core.forms import (BaseForm, MultiCheckboxField, choice_list, country_choices, email_validators,
                                 language_choices, lower_strip, url_validators)
from meetings.network import services
from meetings.network.models import Contact, Group, Organisation

KIND_LABELS = {
    "chamber": _l("Chamber of commerce"),
    "agency": _l("Development agency"),
    "university": _l("University"),
    "applied_university": _l("University of applied sciences"),
    "institute": _l("Research institute"),
    "company": _l("Company"),
    "other": _l("Other organisation"),
}
COUNTRY_LABELS = {choice.value: choice.label for choice in country_choices()}
LANGUAGE_LABELS = {choice.value: choice.label for choice in language_choices()}


def kind_choices():
    return choice_list(KIND_LABELS.items())


def optional_id(value):
    """Coerce a select value to an id; the empty choice means none."""
    if value in (None, "", "None"):
        return None
    return int(value)


def web_address(form, field):
    # The URL validator accepts any scheme (javascript://...), but a partner's
    # website is linked from the public page, so only http(s) may pass.
    if field.data and urlsplit(field.data).scheme.lower() not in ("http", "https"):
        raise ValidationError(_l("Please enter a full web address starting with https://."))


class OrganisationForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Please enter the name of the organisation.")),
                                               Length(max=200)])
    short_name = StringField(_l("Short name"), description=_l("An abbreviation such as UT or IHK."),
                             validators=[Length(max=60)])
    country = SelectField(_l("Country"), choices=country_choices, default="NL")
    kind = SelectField(_l("Kind"), choices=kind_choices, default="other")
    website = URLField(_l("Website"), validators=[*url_validators(), web_address])
    description = TextAreaField(_l("Description"), description=_l("A few sentences for the public Network page."),
                                validators=[Length(max=4000)])
    is_public = BooleanField(_l("Shown on the public Network page"), default=True)
    is_partner = BooleanField(_l("Partner of the cluster"),
                              description=_l("Follow-up posts name the partners as the organisations the cluster "
                                             "works with."))

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs):
        super().__init__(*args, obj=organisation, **kwargs)
        self.organisation = organisation

    def validate_name(self, field):
        other = services.organisation_by_name(field.data)
        if other is not None and other is not self.organisation:
            raise ValidationError(_l("There is already an organisation with this name."))


class ContactForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Please enter the name of the contact.")),
                                               Length(max=200)])
    email = EmailField(_l("Email"), filters=[lower_strip], validators=email_validators())
    organisation_id = SelectField(_l("Organisation"), coerce=optional_id,
                                  invalid_choice_message=_l("Please choose an organisation from the list."))
    language = SelectField(_l("Preferred language"), choices=language_choices(), default="en",
                           description=_l("Invitations and other emails are sent in this language."))
    job_title = StringField(_l("Job title"), validators=[Length(max=200)])
    group_ids = MultiCheckboxField(_l("Groups"), coerce=int,
                                   invalid_choice_message=_l("Please choose groups from the list."))

    def __init__(self, *args, contact: Contact | None = None, **kwargs):
        if contact is not None:
            kwargs.setdefault("group_ids", [group.id for group in contact.groups])
        super().__init__(*args, obj=contact, **kwargs)
        self.contact = contact
        self.organisation_id.choices = [("", _l("(no organisation)"))] + [
            (str(org.id), org.name) for org in services.list_organisations()]
        self.group_ids.choices = [(group.id, group.name) for group in services.list_groups()]

    def validate_email(self, field):
        other = services.contact_by_email(field.data)
        if other is not None and other is not self.contact:
            raise ValidationError(_l("There is already a contact with this email address."))


class GroupForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Please enter the name of the group.")),
                                               Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)])
    member_ids = MultiCheckboxField(_l("Members"), coerce=int,
                                    invalid_choice_message=_l("Please choose members from the list."))

    def __init__(self, *args, group: Group | None = None, **kwargs):
        if group is not None:
            kwargs.setdefault("member_ids", [contact.id for contact in group.members])
        super().__init__(*args, obj=group, **kwargs)
        self.group = group
        self.member_ids.choices = [(contact.id, services.contact_label(contact)) for contact in services.list_all_contacts()]

    def validate_name(self, field):
        other = services.group_by_name(field.data)
        if other is not None and other is not self.group:
            raise ValidationError(_l("There is already a group with this name."))


class ContactFilterForm(BaseForm):
    """The search box and filters above the contact list (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), description=_l("Name, email or organisation"),
                    validators=[Optional(), Length(max=200)])
    organisation = SelectField(_l("Organisation"), coerce=optional_id, validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [("", _l("All organisations"))] + [
            (str(org.id), org.name) for org in services.list_organisations()]
        self.language.choices = [("", _l("All languages")), *language_choices()]


class ImportUploadForm(BaseForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Please choose a CSV file to upload."))],
                     description=_l("In Excel or LibreOffice choose “Save as” and the type “CSV UTF-8”. "
                                    "The first line names the columns: Name and Email are needed; Organisation, "
                                    "Language (en, de or nl), Job title and Groups (separated by | or ,) are optional."))


class ImportConfirmForm(BaseForm):
    payload = HiddenField(validators=[InputRequired()])
