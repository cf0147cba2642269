"""Filters and globals every template can use."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import get_locale
from markupsafe import Markup

from meetings.blog.models import PostStatus
from meetings.calendar.links import webcal_url
from meetings.core import formatting
from meetings.core.languages import LANGUAGE_NAMES
from meetings.core.markdown import plain_text, render_markdown
from meetings.events.labels import meeting_status_label
from meetings.events.models import Meeting, MeetingStatus
from meetings.mail.models import OutboxStatus
from meetings.participants.labels import participant_status_label
from meetings.participants.models import ParticipantKind, ParticipantStatus
from meetings.polls.states import PollAnswer, PollState
from meetings.participants.services import invitee_counts


def country_name(code: str | None) -> str:
    """The country's name in the reader's language ('NL' -> 'Niederlande'); '' for none or 'OTHER'."""
    if not code or len(code) != 2:
        return ""
    locale = get_locale()
    names = locale.territories if locale is not None else {}
    return names.get(code.upper(), code.upper())


def external_url(url: str | None) -> str | None:
    """The address if it is a plain web link (http or https with a host), else None.

    Stored links were validated on the way in; this keeps anything else
    (``javascript:``, ``data:``) out of an href even if a row was written elsewhere.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def status_label(value, kind: str = "participant") -> str:
    """Every status a page shows, in the reader's language: a meeting's or a participant's
    (given the object), or a status key of ``kind`` "meeting" or "participant"."""
    if isinstance(value, Meeting):
        return meeting_status_label(value.status)
    if kind == "meeting":
        return meeting_status_label(value)
    return participant_status_label(value)


def auto_dir(value) -> Markup:
    """User text (a title, a name, a comment) in its own ``<span dir="auto">``, escaped, so
    right-to-left text reads right inside a sentence in another direction (used in emails,
    whose clients know no ``<bdi>``)."""
    return Markup('<span dir="auto">%s</span>') % ("" if value is None else value)


def has_endpoint(name: str) -> bool:
    """Whether the app has a view called ``name`` (for ``url_for``)."""
    return name in current_app.view_functions


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain_text"] = plain_text
    app.jinja_env.filters["date_long"] = formatting.date_long
    app.jinja_env.filters["date_medium"] = formatting.date_medium
    app.jinja_env.filters["datetime_short"] = formatting.datetime_short
    app.jinja_env.filters["time_short"] = formatting.time_short
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["external_url"] = external_url
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["auto_dir"] = auto_dir
    app.jinja_env.globals["webcal_url"] = webcal_url
    # Organiser pages of meetings show how many invitees each has (one query per call).
    app.jinja_env.globals["invitee_counts"] = invitee_counts
    app.jinja_env.globals["when"] = formatting.when
    # A page links to another capability's page only when the app has it (no import needed).
    app.jinja_env.globals["has_endpoint"] = has_endpoint
    app.jinja_env.globals["meeting_when"] = formatting.meeting_when
    app.jinja_env.globals["by_day"] = formatting.by_day
    app.jinja_env.filters["day_long"] = formatting.day_long
    app.jinja_env.filters["day_time_short"] = formatting.day_time_short
    app.jinja_env.globals["zone_label"] = formatting.zone_label
    # Templates compare statuses with the enum members, never with spelled-out values.
    for enum_type in (MeetingStatus, OutboxStatus, ParticipantKind, ParticipantStatus, PostStatus, PollState,
                      PollAnswer):
        app.jinja_env.globals[enum_type.__name__] = enum_type
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def inject_language() -> dict:
        return {
            "current_language": str(get_locale() or "en"),
            "language_names": LANGUAGE_NAMES,
            "languages": current_app.config["LANGUAGES"],
        }
