"""Public event pages: the list of public meetings and a meeting's own page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.routing import BuildError

from meetings.core.views import page_number
from meetings.events.languages import MeetingInLanguage, in_language, schedule_in_language
from meetings.events.models import Meeting
from meetings.events.queries import (agenda_schedule, meeting_by_slug, past_public_meetings_page,
                                     topic_by_slug, topics_with_public_meetings, upcoming_public_meetings)
from meetings.events.services import get_meeting

bp = Blueprint("events_public", __name__, url_prefix="/events")

# Slugs and page numbers arrive straight from the address bar: anything that could
# not be stored (too long, control characters such as NUL, which PostgreSQL refuses
# in a query) is simply not there.
MAX_SLUG_LENGTH = 120


def _plausible(value: str) -> bool:
    return 0 < len(value) <= MAX_SLUG_LENGTH and value.isprintable()


def reader_language() -> str | None:
    """The language the current page is written in."""
    locale = get_locale()
    return str(locale) if locale is not None else None


def get_meeting_or_404(meeting_id: int) -> Meeting:
    """The meeting with venue, topics and agenda loaded, or 404."""
    # The id converter only lets through ids a database column can hold.
    meeting = get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


@bp.app_template_filter("in_language")
def in_language_filter(meeting, language: str | None = None) -> MeetingInLanguage:
    """``meeting|in_language``: the meeting's texts in the page's language (or ``language``)."""
    return in_language(meeting, language or reader_language())


@bp.app_template_filter("schedule_in_language")
def schedule_in_language_filter(schedule, language: str | None = None) -> list[tuple]:
    """``schedule|schedule_in_language``: agenda rows with their titles in the page's language."""
    return schedule_in_language(schedule or (), language or reader_language())


@bp.route("/")
def index():
    topic = None
    topic_slug = request.args.get("topic")
    if topic_slug is not None:
        topic = topic_by_slug(topic_slug) if _plausible(topic_slug) else None
        if topic is None:
            abort(404)
    past = past_public_meetings_page(page_number(), topic=topic)
    if past is None:
        abort(404)
    upcoming = upcoming_public_meetings(topic=topic) if past.page == 1 else []
    return render_template("events/public/index.html", upcoming=upcoming, past=past, topic=topic,
                           topics=topics_with_public_meetings())


def get_visible_meeting_or_404(slug: str) -> Meeting:
    """The meeting at ``slug`` if the visitor may see it: public ones for everyone,
    drafts and invitation-only ones for logged-in organisers only."""
    meeting = meeting_by_slug(slug) if _plausible(slug) else None
    if meeting is None:
        abort(404)
    if not meeting.is_public and not current_user.is_authenticated:
        abort(404)
    return meeting


def organiser_url(meeting: Meeting) -> str:
    """Where organisers manage this meeting."""
    for endpoint in ("events.show", "events.edit"):
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, meeting_id=meeting.id)
            except BuildError:
                continue
    return f"/manage/meetings/{meeting.id}"


@bp.route("/<slug>")
def detail(slug: str):
    meeting = in_language(get_visible_meeting_or_404(slug), reader_language())
    return render_template("events/public/detail.html", meeting=meeting, schedule=agenda_schedule(meeting),
                           organiser_url=organiser_url(meeting) if current_user.is_authenticated else None)
