"""Form pieces every capability uses: stripping, email, URL, zone and choice fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, Email, Length, Optional, ValidationError

from meetings.core.timezones import LocalTimeError, get_zone, zone_names


def strip(value):
    return value.strip() if isinstance(value, str) else value


def lower_strip(value):
    return value.strip().lower() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Strips surrounding white space from every text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if strip not in filters and lower_strip not in filters:
                filters = [strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)


def no_control_characters(form, field):
    """Refuse CR, LF and other control characters in one-line fields (headers, iCalendar)."""
    if isinstance(field.data, str) and any(ord(c) < 32 or ord(c) == 127 for c in field.data):
        raise ValidationError(_l("Line breaks and control characters are not allowed here."))


def email_validators(required: bool = True) -> list:
    from wtforms.validators import InputRequired

    first = [InputRequired(message=_l("Please enter an email address."))] if required else [Optional()]
    return first + [Length(max=254), no_control_characters,
                    Email(message=_l("Please enter a valid email address, such as name@example.org."),
                          check_deliverability=False, allow_smtputf8=True)]


def web_scheme(form, field):
    """Only http(s) links: WTForms' URL check alone lets javascript:// and others through."""
    if field.data and not field.data.lower().startswith(("http://", "https://")):
        raise ValidationError(_l("Please enter a full web address starting with https://."))


def url_validators() -> list:
    return [Optional(), Length(max=500), no_control_characters, web_scheme,
            URL(require_tld=False, message=_l("Please enter a full web address starting with https://."))]


def valid_zone(form, field):
    try:
        get_zone(field.data or "")
    except LocalTimeError:
        raise ValidationError(_l("Unknown time zone. Choose one from the list, e.g. Europe/Amsterdam."))


class ZoneField(SelectField):
    """IANA time zone, chosen from the zones this machine knows."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("choices", [SelectChoice(z) for z in zone_names()])
        kwargs.setdefault("default", "Europe/Amsterdam")
        super().__init__(label, validators=[*(validators or []), valid_zone], validate_choice=False, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (rendered as a fieldset by the form macro)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choice_list(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def country_choices():
    return choice_list([("NL", _l("Netherlands")), ("DE", _l("Germany")), ("BE", _l("Belgium")), ("OTHER", _l("Other country"))])


def language_choices():
    return choice_list([("en", "English"), ("de", "Deutsch"), ("nl", "Nederlands")])
