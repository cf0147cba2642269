"""Organiser forms for a meeting's invitees."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from wtforms import SearchField
from wtforms.validators import Length

from meetings.core.forms import BaseForm, MultiCheckboxField


class ContactFilterForm(BaseForm):
    """The GET form that narrows the list of contacts (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Filter contacts"), description=_l("Part of a name, email address or organisation."),
                    validators=[Length(max=200)])


class InviteForm(BaseForm):
    # Contacts that disappeared since the page was shown are skipped, not an error.
    contacts = MultiCheckboxField(_l("Contacts"), choices=[], coerce=int, validate_choice=False)
    groups = MultiCheckboxField(_l("Whole groups"), choices=[], coerce=int, validate_choice=False,
                                description=_l("Every member of the group is added to the list."))
    organisations = MultiCheckboxField(_l("Whole organisations"), choices=[], coerce=int, validate_choice=False,
                                       description=_l("Every contact of the organisation is added to the list."))

    def __init__(self, *args, contacts=(), groups=(), organisations=(), group_sizes=None, **kwargs):
        super().__init__(*args, **kwargs)
        sizes = group_sizes or {}
        self.contacts.choices = [(c.id, _contact_label(c)) for c in contacts]
        self.groups.choices = [(g.id, ngettext("%(name)s (%(num)d person)", "%(name)s (%(num)d people)",
                                                  sizes.get(g.id, 0), name=g.name))
                               for g in groups]
        self.organisations.choices = [(o.id, o.name) for o in organisations]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.contacts, self.groups, self.organisations):
            # Numbers no row can have are dropped before they reach the database,
            # which would refuse ones beyond its integer range.
            field.data = [n for n in field.data or [] if 0 < n <= 2**31 - 1]
        if ok and not (self.contacts.data or self.groups.data or self.organisations.data):
            self.form_errors.append(_("Choose at least one contact, group or organisation."))
            ok = False
        return ok


def _contact_label(contact) -> str:
    if contact.organisation:
        return _("%(name)s, %(organisation)s <%(email)s>", name=contact.name,
                 organisation=contact.organisation.name, email=contact.email)
    return _("%(name)s <%(email)s>", name=contact.name, email=contact.email)
