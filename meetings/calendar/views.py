"""Public iCalendar addresses: one meeting as .ics, the feed of all public meetings, one topic's feed.

These addresses are public and stable (see the product's address list). Feeds are
polled by calendar servers every few hours for years, so every answer carries an
ETag and a Last-Modified from one aggregate query, and a client that already has
the current version gets a 304 before anything is built.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from meetings.calendar import builder
from meetings.calendar.feeds import (DEFAULT_PAST_DAYS, download_etag, feed_meetings, feed_state,
                                     meeting_for_download)
from meetings.core.types import utcnow
from meetings.events.queries import agenda_schedule

bp = Blueprint("calendar", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_CACHE = "public, max-age=3600"
# A download is fetched once by a person: let caches keep it, but ask each time
# whether it changed (the answer is a cheap 304).
DOWNLOAD_CACHE = "public, no-cache"
PRIVATE_CACHE = "private, no-store"
MAX_SLUG_LENGTH = 120


def _plausible(slug: str) -> bool:
    # Straight from the address bar: anything that could not have been stored
    # (too long, control characters such as NUL, which PostgreSQL refuses) is not there.
    return 0 < len(slug) <= MAX_SLUG_LENGTH and slug.isprintable()


def _language(default: str | None = None) -> str:
    """``?lang=`` (for subscription links in one language), else Accept-Language, else ``default``.

    The session is deliberately not read: it would make caches vary on cookies.
    """
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    return (request.accept_languages.best_match(languages)
            or (default if default in languages else current_app.config["BABEL_DEFAULT_LOCALE"]))


def _not_modified(etag: str, last_modified: datetime | None) -> bool:
    """Whether the client's copy is current (RFC 9110 13.2.2: If-None-Match wins when sent).

    If-Modified-Since counts only when it equals our Last-Modified: a client whose
    date differs (e.g. after a deletion moved the latest change back) gets the full
    feed and, with it, the date to send next time.
    """
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag) or request.if_none_match.star_tag
    if last_modified is not None and request.if_modified_since is not None:
        return request.if_modified_since == last_modified
    return False


def _answer(etag: str, last_modified: datetime | None, cache_control: str, build, filename: str | None = None):
    if _not_modified(etag, last_modified):
        response = Response(status=304)
    else:
        response = Response(build(), content_type=CONTENT_TYPE)
        if filename:
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Accept-Language")
    return response


def _past_days() -> int:
    return int(current_app.config.get("FEED_PAST_DAYS", DEFAULT_PAST_DAYS))


def _feed(topic_slug: str | None):
    if topic_slug is not None and not _plausible(topic_slug):
        abort(404)
    now = utcnow()
    language = _language()
    base_url = current_app.config["BASE_URL"]
    state = feed_state(topic_slug, now=now, past_days=_past_days(), language=language, base_url=base_url)
    if state is None:
        abort(404)

    def build() -> bytes:
        meetings = feed_meetings(state.topic_id, now=now, past_days=_past_days())
        with force_locale(language):
            if state.topic_name is None:
                name = _("Cluster meetings")
            else:
                name = _("Cluster meetings: %(topic)s", topic=state.topic_name)
        return builder.feed([(m, agenda_schedule(m)) for m in meetings], name=name,
                            uid=builder.stable_uid(base_url, "calendar", topic_slug or ""),
                            base_url=base_url, language=language)

    return _answer(state.etag, state.last_modified, FEED_CACHE, build)


@bp.route("/calendar.ics")
def public_feed():
    return _feed(None)


@bp.route("/calendar/<topic_slug>.ics")
def topic_feed(topic_slug: str):
    return _feed(topic_slug)


@bp.route("/events/<slug>.ics")
def meeting_download(slug: str):
    meeting = meeting_for_download(slug) if _plausible(slug) else None
    if meeting is None:
        abort(404)
    public = meeting.is_public
    # Organisers may download drafts and invitation-only meetings; nobody else learns they exist.
    if not public and not current_user.is_authenticated:
        abort(404)
    language = _language(meeting.language)
    base_url = current_app.config["BASE_URL"]
    etag = download_etag(meeting, language=language, base_url=base_url)

    def build() -> bytes:
        return builder.download(meeting, base_url=base_url, language=language, agenda=agenda_schedule(meeting))

    return _answer(etag, builder.last_change(meeting), DOWNLOAD_CACHE if public else PRIVATE_CACHE, build,
                   filename=f"{meeting.slug}.ics")
