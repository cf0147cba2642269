"""Words for the report's codes and shares, in the reader's language."""
from __future__ import annotations

from babel.numbers import format_percent
from flask_babel import gettext as _

from meetings.core.formatting import format_locale
from meetings.network.forms import COUNTRY_LABELS, KIND_LABELS
from meetings.site.templating import country_name


def country_label(code: str | None) -> str:
    """A country code in words, in the reader's language ("Not recorded" for none)."""
    if not code:
        return _("Not recorded")
    if code in COUNTRY_LABELS:
        return str(COUNTRY_LABELS[code])
    return country_name(code) or code


def kind_label(kind: str | None) -> str:
    """An organisation's kind in words ("Not recorded" for none)."""
    if not kind:
        return _("Not recorded")
    return str(KIND_LABELS.get(kind, kind))


def percent(share: float | None) -> str:
    """A share as a percentage in the reader's language: '40 %', '40%'; a dash for none."""
    if share is None:
        return "–"
    return format_percent(share, locale=format_locale())
