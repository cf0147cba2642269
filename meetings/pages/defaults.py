"""The built-in texts of the pages, shown until an organiser writes their own: the privacy
statement is the one the site has always shown, now as Markdown an organiser can change."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from meetings.pages.states import PageKey


def page_title(key: str) -> str:
    """The page's name in the current language (menu entry and built-in title)."""
    return {PageKey.ABOUT: _("About us"), PageKey.PRIVACY: _("Privacy statement")}[key]


def _about() -> str:
    return "\n\n".join([
        _("The Advanced Manufacturing & Robotics cluster is a cross-border network of chambers of commerce, "
          "regional development agencies, universities and research institutes in the Netherlands and Germany."),
        _("Its partners meet regularly to share projects, knowledge and plans. The events page lists the next "
          "meetings; the contact page reaches the cluster office."),
    ])


def _privacy() -> str:
    items = [_("your name, email address, organisation, country and preferred language;"),
             _("dietary and accessibility needs, if you tell us about them;"),
             _("your answers to the organiser's questions about this meeting;"),
             _("when you registered, confirmed or cancelled, and your place on the waiting list.")]
    return "\n\n".join([
        _("When you register for a meeting of the Advanced Manufacturing & Robotics cluster, we store what you "
          "enter in the registration form:"),
        "\n".join(f"- {item}" for item in items),
        "## " + _("Why"),
        _("We use this data only to organise the meeting: to confirm your place, to send you the calendar "
          "invitation and news about the meeting (changes, cancellation, a place becoming free), to prepare "
          "catering, access and the sign-in list, and to count participants per organisation and country."),
        _("Only the meeting's organisers see your registration. The public meeting page shows only the number "
          "of free places. We do not pass your data to anyone else."),
        "## " + _("How long"),
        _("Registrations are deleted 12 months after the meeting. Only anonymous counts remain."),
        "## " + _("Your rights"),
        _("With the personal link in your confirmation email you can see and change your registration or cancel "
          "it at any time. You can ask the organisers to erase your registration earlier by replying to any of "
          "our emails."),
    ])


def default_text(key: str, language: str) -> tuple[str, str]:
    """The built-in (title, Markdown body) of a page in ``language``."""
    with force_locale(language):
        body = _about() if key == PageKey.ABOUT else _privacy()
        return page_title(key), body + "\n"
