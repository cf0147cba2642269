"""Form pieces every capability uses: the base form's checks on every field (text without
control characters, "required" after stripping, a form's own checks only on values that
passed), email, URL, zone and choice fields."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.form import BaseForm as _WTFormsBaseForm
from wtforms.validators import URL, Length, Optional, StopValidation, ValidationError
from wtforms.validators import InputRequired as _InputRequired

from meetings.core.emails import MAX_EMAIL, InvalidEmail, checked_email
from meetings.core.timezones import offered_zone, zone_names

# Tab and line feed are the only control characters people type into a text field.
ALLOWED_CONTROLS = frozenset("\t\n")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def lower_strip(value):
    return value.strip().lower() if isinstance(value, str) else value


def unix_newlines(value):
    """Browsers send a text area's line breaks as CRLF; stored text has LF only."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def has_control_characters(text: str, allowed: frozenset[str] = ALLOWED_CONTROLS) -> bool:
    """Whether ``text`` holds a control character (C0, DEL or C1) not in ``allowed``.

    NUL is the one PostgreSQL refuses outright; the others have no place in text
    that ends up in pages, emails and calendars either."""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


def text_characters(form, field):
    """A text area: tabs and line breaks are fine, other control characters (NUL) are not.

    Stops the field's checks: nothing after it (a lookup in the database) sees the value."""
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise StopValidation(_l("Control characters are not allowed here."))


def no_control_characters(form, field):
    """A one-line field: no line breaks, tabs or other control characters (the text may go
    into email headers and iCalendar lines). Stops the field's checks like text_characters."""
    if isinstance(field.data, str) and has_control_characters(field.data, frozenset()):
        raise StopValidation(_l("Line breaks and control characters are not allowed here."))


_WTFORMS_REQUIRED = "This field is required."


class InputRequired(_InputRequired):
    """WTForms' InputRequired, but a value of white space only counts as no value."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and not field.data.strip():
            field.errors[:] = []
            # WTForms' own message, translated by WTForms' catalogue (not ours).
            raise StopValidation(self.message or field.gettext(_WTFORMS_REQUIRED))
        super().__call__(form, field)


def _is_text(field_class) -> bool:
    # A password is never stored or shown, and login must take any the account was given.
    return issubclass(field_class, StringField) and not issubclass(field_class, PasswordField)


def _when_valid(check):
    """Run ``check`` (a form's validate_<field>, which may query the database) only on a
    value that passed the field's own checks."""

    def run(form, field):
        if not field.errors:
            return check(form, field)

    return run


class BaseForm(FlaskForm):
    """The checks every field of every form gets, whatever the field declares:

    - surrounding white space is stripped (text areas' CRLF line breaks become LF);
    - a text field refuses control characters before any other check: a text area all
      but tab and line feed, a one-line field all of them;
    - "required" means required after stripping: white space only is no answer;
    - the form's own ``validate_<field>`` checks and extra validators run only when the
      field's own checks passed.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if strip not in filters and lower_strip not in filters:
                filters = [strip, *filters]
            declared = list(unbound_field.kwargs.get("validators") or [])
            validators = [InputRequired(v.message) if type(v) is _InputRequired else v for v in declared]
            if _is_text(unbound_field.field_class):
                filters = [unix_newlines, *filters]
                one_line = not issubclass(unbound_field.field_class, TextAreaField)
                validators = [no_control_characters if one_line else text_characters, *validators]
            if validators != declared:
                options = {**options, "validators": validators}
            return unbound_field.bind(form=form, filters=filters, **options)

    def validate(self, extra_validators=None) -> bool:
        extra = {name: [_when_valid(v) for v in checks] for name, checks in (extra_validators or {}).items()}
        for name in self._fields:
            inline = getattr(self.__class__, f"validate_{name}", None)
            if inline is not None:
                extra.setdefault(name, []).append(_when_valid(inline))
        # WTForms' Form.validate would add the inline checks a second time, unguarded.
        return _WTFormsBaseForm.validate(self, extra)


def valid_email(form, field):
    """``core.emails.checked_email`` as a form check (empty values are for "required" to judge)."""
    if field.data:
        try:
            checked_email(field.data)
        except InvalidEmail:
            raise ValidationError(_l("Please enter a valid email address, such as name@example.org.")) from None


def email_validators(required: bool = True) -> list:
    first = [InputRequired(message=_l("Please enter an email address."))] if required else [Optional()]
    return first + [Length(max=MAX_EMAIL), valid_email]


def web_scheme(form, field):
    """Only http(s) links: WTForms' URL check alone lets javascript:// and others through."""
    if field.data and not field.data.lower().startswith(("http://", "https://")):
        raise ValidationError(_l("Please enter a full web address starting with https://."))


def url_validators() -> list:
    return [Optional(), Length(max=500), web_scheme,
            URL(require_tld=False, message=_l("Please enter a full web address starting with https://."))]


def valid_zone(form, field):
    """Only the zones the form offers: an arbitrary string never reaches a zone lookup."""
    if not offered_zone(field.data):
        raise ValidationError(_l("Unknown time zone. Choose one from the list, e.g. Europe/Amsterdam."))


@lru_cache(maxsize=1)
def _zone_options() -> str:
    return "".join(widgets.Select.render_option(Choice(value=z, label=z, selected=False, render_kw=None)) for z in zone_names())


class ZoneSelect(widgets.Select):
    """The zone list: the same 400-odd options on every form, so they are rendered once per
    process and only the chosen zone is marked (WTForms would render each option on every
    page: two thirds of the meeting form's rendering). Renders what ``widgets.Select``
    renders for a field with the default zone choices."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        options = _zone_options()
        if offered_zone(field.data):
            option = f'<option value="{field.data}">'
            options = options.replace(option, f'<option selected value="{field.data}">', 1)
        return Markup(f"<select {widgets.html_params(name=field.name, **kwargs)}>{options}</select>")


class ZoneField(SelectField):
    """IANA time zone, chosen from the zones this machine knows."""

    widget = ZoneSelect()

    def __init__(self, label=None, validators=None, **kwargs):
        if "choices" in kwargs:  # another list of zones: WTForms renders it
            kwargs.setdefault("widget", widgets.Select())
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
