"""iCalendar addresses: one meeting as .ics, the feed of all public meetings, one topic's feed,
a contact's personal feed; the page explaining how to subscribe, and the links to do it.

These addresses are public and stable (see the product's address list). Feeds are
polled by calendar servers every few hours for years, so every answer carries an
ETag and a Last-Modified from one aggregate query, and a client that already has
the current version gets a 304 before anything is built.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template,
                   request, url_for)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import is_resource_modified, parse_accept_header, quote_etag

from meetings.calendar import builder, links, personal
from meetings.calendar.cache import event_cache, feed_bodies
from meetings.calendar.feeds import (FeedState, download_etag, feed_entries, feed_key,
                                     feed_meetings, feed_state, meeting_for_download, meetings_by_id,
                                     settings_digest)
from meetings.calendar.forms import FeedAlarmForm, alarm_minutes, alarm_value
from meetings.calendar.versions import current_mark
from meetings.core.routing import absolute_url
from meetings.core.types import utcnow
from meetings.events.languages import in_language
from meetings.events.models import Meeting, MeetingStatus, Topic
from meetings.events.queries import agenda_schedule, topic_by_slug
from meetings.extensions import db, limiter, login_manager
from meetings.network.models import Contact
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus
from meetings.participants.services import participant_by_token

bp = Blueprint("calendar", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_CACHE = "public, max-age=3600"
# A download is fetched once by a person: let caches keep it, but ask each time
# whether it changed (the answer is a cheap 304).
DOWNLOAD_CACHE = "public, no-cache"
PRIVATE_CACHE = "private, no-store"
# Personal feeds: only the subscriber's own client may keep a copy.
PERSONAL_FEED_CACHE = "private, max-age=3600"
MAX_SLUG_LENGTH = 120
# Above this many events to build, the whole feed is loaded at once rather than meeting by id.
MANY_MISSING = 100


def _plausible(slug: str) -> bool:
    # Straight from the address bar: anything that could not have been stored
    # (too long, control characters such as NUL, which PostgreSQL refuses) is not there.
    return 0 < len(slug) <= MAX_SLUG_LENGTH and slug.isprintable()


@lru_cache(maxsize=256)
def _best_match(accept_language: str, languages: tuple[str, ...]) -> str | None:
    # Clients send the same few headers again and again: parse each once.
    return LanguageAccept(parse_accept_header(accept_language)).best_match(languages) if accept_language else None


def choose_language(config, args, accept_language: str, default: str | None = None) -> str:
    """``?lang=`` (for subscription links in one language), else Accept-Language, else ``default``.

    The session is deliberately not read: it would make caches vary on cookies.
    """
    languages = config["LANGUAGES"]
    chosen = args.get("lang")
    if chosen in languages:
        return chosen
    return (_best_match(accept_language, tuple(languages))
            or (default if default in languages else config["BABEL_DEFAULT_LOCALE"]))


def _language(default: str | None = None) -> str:
    return choose_language(current_app.config, request.args, request.headers.get("Accept-Language", ""), default)


def _current_mark(key: str, *, base_url: str, past_days: int, now: datetime):
    """The feed's stored validators if they are current and the client asked whether its copy
    is (a request without If-None-Match or If-Modified-Since cannot be answered 304)."""
    if not (request.if_none_match or request.if_modified_since):
        return None
    return current_mark(key, settings=settings_digest(base_url, past_days), now=now)


def _not_modified(etag: str, last_modified: datetime | None) -> bool:
    """Whether the client's copy is current: werkzeug's conditional-request check (RFC 9110
    13.2.2: If-None-Match wins when sent) against the feed's own validators.

    Feeds' Last-Modified only ever moves forward and moves with every new ETag
    (see ``feeds.settle_mark``), so a date-only client (Apple Calendar) may be
    answered by comparing dates. The date compared is the mark itself, not the
    header sent (which may be held back to the answer's Date, see ``_validators``).
    """
    return not is_resource_modified(request.environ, etag=quote_etag(etag), last_modified=last_modified)


# Personal feeds are nobody's search result.
NOINDEX = ("X-Robots-Tag", "noindex")


def _validators(response: Response, etag: str, last_modified: datetime | None, cache_control: str,
                noindex: bool = False) -> Response:
    """The headers every feed answer carries, full or 304 (``noindex``: a personal feed).

    Last-Modified is never later than the answer's Date (RFC 9110 8.8.2.1). A mark set
    ahead of the clock (several changes within one second, ``feeds.settle_mark``) is sent
    as the current second until the clock reaches it; requests are still compared with
    the mark itself (``_not_modified``), so a copy sent with the earlier date is revalidated
    in full, never answered 304 while stale.
    """
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = min(last_modified, utcnow().replace(microsecond=0))
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Accept-Language")
    if noindex:
        response.headers.add(*NOINDEX)
    return response


def _answer(etag: str, last_modified: datetime | None, cache_control: str, build, filename: str | None = None,
            noindex: bool = False):
    if _not_modified(etag, last_modified):
        response = Response(status=304)
    else:
        response = Response(build(), content_type=CONTENT_TYPE)
        if filename:
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _validators(response, etag, last_modified, cache_control, noindex)


def _past_days() -> int:
    return int(current_app.config["FEED_PAST_DAYS"])


def _public_events(state: FeedState, *, now: datetime, past_days: int, language: str,
                   base_url: str) -> list[builder.Rendered]:
    """The feed's events in order, each rendered once per version of its meeting (``calendar.cache``):
    one light query says which meetings the feed holds and when each last changed, and
    only the meetings not rendered at that version are loaded and built."""
    cache = event_cache()
    entries = feed_entries(state.topic_id, now=now, past_days=past_days)

    def key(meeting_id: int, updated_at: datetime) -> tuple:
        return ("public", meeting_id, updated_at, language, base_url)

    events = {meeting_id: cache.get(key(meeting_id, updated_at)) for meeting_id, updated_at in entries}
    missing = [meeting_id for meeting_id, event in events.items() if event is None]
    if len(missing) > MANY_MISSING:
        # Most of the feed is new (a first request): load it whole, in a fixed number of queries.
        wanted = set(missing)
        loaded = [m for m in feed_meetings(state.topic_id, now=now, past_days=past_days) if m.id in wanted]
    else:
        loaded = meetings_by_id(missing)
    for meeting in loaded:
        shown = in_language(meeting, language)
        events[meeting.id] = cache.put(key(meeting.id, meeting.updated_at), builder.rendered(
            builder.meeting_event(shown, base_url=base_url, language=language, agenda=agenda_schedule(shown))))
    return [events[meeting_id] for meeting_id, _changed in entries if events[meeting_id] is not None]


def _feed(topic_slug: str | None):
    if topic_slug is not None and not _plausible(topic_slug):
        abort(404)
    now = utcnow()
    language = _language()
    base_url = current_app.config["BASE_URL"]
    past_days = _past_days()
    # A current mark answers a client holding the current copy from one lookup; anything
    # else (no mark, a stale one, a client without the current copy) takes the aggregate.
    mark = _current_mark(feed_key(topic_slug, language), base_url=base_url, past_days=past_days, now=now)
    if mark is not None and _not_modified(mark.etag, mark.last_modified):
        return _answer(mark.etag, mark.last_modified, FEED_CACHE, None)
    state = feed_state(topic_slug, now=now, past_days=past_days, language=language, base_url=base_url)
    if state is None:
        abort(404)
    if state.moved:
        db.session.commit()

    def build() -> bytes:
        events = _public_events(state, now=now, past_days=past_days, language=language, base_url=base_url)
        with force_locale(language):
            if state.topic_name is None:
                name = _("Cluster meetings")
            else:
                name = _("Cluster meetings: %(topic)s", topic=state.topic_name)
        return builder.feed_of(events, name=name, uid=builder.stable_uid(base_url, "calendar", topic_slug or ""))

    return _answer(state.etag, state.last_modified, FEED_CACHE, lambda: feed_bodies().get_or_render(state.etag, build))


@bp.route("/calendar.ics")
@limiter.exempt
def public_feed():
    return _feed(None)


@bp.route("/calendar/<topic_slug>.ics")
@limiter.exempt
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
        shown = in_language(meeting, language)
        return builder.download(shown, base_url=base_url, language=language, agenda=agenda_schedule(shown))

    return _answer(etag, builder.last_change(meeting), DOWNLOAD_CACHE if public else PRIVATE_CACHE, build,
                   filename=f"{meeting.slug}.ics")


# --- the personal feed ------------------------------------------------------------------

def _personal_event(participant: Participant, *, language: str, base_url: str, alarm: int | None):
    meeting = in_language(participant.meeting, language)
    moments = [builder.last_change(meeting)] + [m for m in (participant.responded_at, participant.created_at) if m]
    extra, page = [], None
    with force_locale(language):
        answer = personal.answer_line(participant)
        if (participant.kind == ParticipantKind.INVITEE and meeting.status != MeetingStatus.CANCELLED
                and "rsvp.answer" in current_app.view_functions):
            answer_page = absolute_url("rsvp.answer", token=participant.token)
            extra.append(_("Change your answer: %(url)s", url=answer_page))
            if not meeting.is_public:
                page = answer_page
    if meeting.status == MeetingStatus.CANCELLED:
        status = "CANCELLED"
    elif participant.status in (ParticipantStatus.TENTATIVE, ParticipantStatus.WAITING):
        status = "TENTATIVE"
    else:
        status = None
    description = "\n\n".join(p for p in (answer, builder.description_of(meeting).strip()) if p)
    return builder.meeting_event(meeting, base_url=base_url, language=language, description_text=description,
                                 status=status, agenda=agenda_schedule(meeting), url=page, links=extra,
                                 changed=max(moments), alarm_minutes=alarm)


@bp.route("/feeds/<token>.ics")
@limiter.exempt
def personal_feed(token: str):
    if not personal.plausible_token(token):
        abort(404)
    now = utcnow()
    chosen = request.args.get("lang")
    chosen = chosen if chosen in current_app.config["LANGUAGES"] else None
    base_url = current_app.config["BASE_URL"]
    past_days = _past_days()
    mark = _current_mark(personal.feed_key(token, chosen), base_url=base_url, past_days=past_days, now=now)
    if mark is not None and _not_modified(mark.etag, mark.last_modified):
        return _answer(mark.etag, mark.last_modified, PERSONAL_FEED_CACHE, None, noindex=True)
    state = personal.personal_feed_state(token, now=now, past_days=past_days, base_url=base_url, language=chosen)
    if state is None:
        abort(404)
    if state.moved:
        db.session.commit()

    def build() -> bytes:
        rows = personal.personal_feed_rows(state.contact_id, state.contact_email, now=now, past_days=past_days)
        cache = event_cache()
        events, seen = [], set()
        for participant in rows:
            # One entry per meeting even if the contact is on its list twice (e.g. after an address change).
            if participant.meeting_id in seen:
                continue
            seen.add(participant.meeting_id)
            # The event shows the reader's own row and reminder beside the meeting: all in its key.
            key = ("personal", participant.meeting_id, participant.meeting.updated_at, participant.id,
                   participant.token, participant.kind, participant.status, participant.responded_at,
                   participant.created_at, state.language, state.alarm_minutes, base_url)
            events.append(cache.get_or_render(key, lambda: builder.rendered(_personal_event(
                participant, language=state.language, base_url=base_url, alarm=state.alarm_minutes))))
        with force_locale(state.language):
            name = _("My cluster meetings")
        return builder.feed_of(events, name=name, uid=builder.stable_uid(base_url, "feeds", str(state.contact_id)))

    return _answer(state.etag, state.last_modified, PERSONAL_FEED_CACHE, build, noindex=True)


# --- subscribing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonalFeedPanel:
    """What the answer page shows about the participant's personal feed."""

    token: str
    links: links.FeedLinks | None
    revoked: bool
    alarm_form: FeedAlarmForm


def _public_feed_name(topic: Topic | None) -> str:
    if topic is None:
        return _("Cluster meetings")
    return _("Cluster meetings: %(topic)s", topic=topic.name)


@bp.app_template_global()
def feed_subscription(topic: Topic | None = None) -> links.FeedLinks:
    """Subscription links for the public feed, or one topic's feed, in the page's language
    (calendar clients send no Accept-Language of their own)."""
    language = str(get_locale() or "en")
    if topic is None:
        url = absolute_url("calendar.public_feed", lang=language)
    else:
        url = absolute_url("calendar.topic_feed", topic_slug=topic.slug, lang=language)
    return links.feed_links(url, _public_feed_name(topic))


@bp.app_template_global()
def meeting_calendar_links(meeting: Meeting) -> links.EventLinks:
    """The .ics download, subscribing to it, and the "add to Google / Outlook" forms for one meeting."""
    language = str(get_locale() or "en")
    # The page holds everything else; a form filled in by address should stay short and plain.
    details = absolute_url("events_public.detail", slug=meeting.slug) if meeting.is_public else ""
    return links.event_links(download=absolute_url("calendar.meeting_download", slug=meeting.slug, lang=language),
                             title=meeting.title, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                             details=details, location=builder.location_text(meeting, language))


@bp.app_template_global()
def personal_feed_panel(participant: Participant) -> PersonalFeedPanel | None:
    """The personal feed section of the answer page; None for a participant without a contact
    (e.g. a colleague sent in someone's place who is not in the network)."""
    contact = participant.contact
    if contact is None:
        return None
    url = personal.current_feed_url(contact)
    feed = links.feed_links(url, _("My cluster meetings")) if url else None
    form = FeedAlarmForm(formdata=None, alarm=alarm_value(contact.feed_alarm_minutes))
    return PersonalFeedPanel(token=participant.token, links=feed, revoked=contact.feed_revoked_at is not None,
                             alarm_form=form)


@bp.app_template_global()
def personal_feed_url(participant) -> str | None:
    """For emails to a participant: the address of their contact's personal feed if it has
    one; None without a contact, a token or when switched off. Only reads: a template writes
    nothing, so whoever queues the email makes the token first (``personal.feed_url``)."""
    contact = getattr(participant, "contact", None)
    if contact is None:
        return None
    return personal.current_feed_url(contact)


@bp.route("/calendar/subscribe")
def subscribe():
    topic = None
    slug = request.args.get("topic")
    if slug is not None:
        topic = topic_by_slug(slug) if _plausible(slug) else None
        if topic is None:
            abort(404)
    return render_template("calendar/subscribe.html", topic=topic, feed=feed_subscription(topic))


# --- the contact manages their feed from their answer page ------------------------------------

def _contact_of(token: str):
    participant = participant_by_token(token)
    if participant is None or participant.contact is None:
        abort(404)
    g.page_language = participant.language
    return participant.contact


def _back(token: str):
    return redirect(url_for("rsvp.answer", token=token, _anchor="feed-heading"), code=303)


@bp.route("/rsvp/<token>/feed/renew", methods=["POST"])
@limiter.limit("20 per minute")
def rsvp_feed_renew(token: str):
    contact = _contact_of(token)
    had_one = bool(contact.feed_token)
    personal.renew_feed_token(contact)
    db.session.commit()
    flash(_("Your calendar feed has a new address. Subscribe again with it; the old address no longer works.")
          if had_one else _("Your calendar feed is ready."), "success")
    return _back(token)


@bp.route("/rsvp/<token>/feed/revoke", methods=["POST"])
@limiter.limit("20 per minute")
def rsvp_feed_revoke(token: str):
    contact = _contact_of(token)
    personal.revoke_feed_token(contact)
    db.session.commit()
    flash(_("Your calendar feed is switched off; its address no longer works."), "success")
    return _back(token)


@bp.route("/rsvp/<token>/feed/alarm", methods=["POST"])
@limiter.limit("20 per minute")
def rsvp_feed_alarm(token: str):
    contact = _contact_of(token)
    form = FeedAlarmForm()
    if not form.validate_on_submit():
        # The page always checks one choice: anything else was not sent from it.
        abort(400)
    personal.set_feed_alarm(contact, alarm_minutes(form.alarm.data))
    db.session.commit()
    flash(_("Your reminder setting is saved."), "success")
    return _back(token)


# --- the organiser manages a contact's feed from the contact's page ----------------------------

def _organisers_contact(contact_id: int) -> Contact:
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    return db.get_or_404(Contact, contact_id)


def _to_contact(contact: Contact):
    return redirect(url_for("network.contact_edit", contact_id=contact.id, _anchor="feed-heading"), code=303)


@bp.route("/manage/contacts/<int:contact_id>/feed/renew", methods=["POST"])
def contact_feed_renew(contact_id: int):
    contact = _organisers_contact(contact_id)
    personal.renew_feed_token(contact)
    db.session.commit()
    flash(_("%(name)s's calendar feed has a new address; the old one no longer works.", name=contact.name),
          "success")
    return _to_contact(contact)


@bp.route("/manage/contacts/<int:contact_id>/feed/revoke", methods=["POST"])
def contact_feed_revoke(contact_id: int):
    contact = _organisers_contact(contact_id)
    personal.revoke_feed_token(contact)
    db.session.commit()
    flash(_("%(name)s's calendar feed is switched off.", name=contact.name), "success")
    return _to_contact(contact)
