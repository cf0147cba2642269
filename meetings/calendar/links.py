"""Every "add to calendar" and "subscribe" address the pages show, built in one place.

Feeds are subscribed to by address (webcal://, Google's ``cid``, Outlook's
``addfromweb``); a single meeting is offered as its .ics download and as
Google's and Outlook's "new event" forms filled in. Every query value is
percent-encoded here, so a title with ``&`` or ``#`` cannot cut a link short.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

GOOGLE_RENDER = "https://calendar.google.com/calendar/render"
OUTLOOK_SUBSCRIBE = "https://outlook.live.com/calendar/0/addfromweb"
OUTLOOK_COMPOSE = "https://outlook.live.com/calendar/0/deeplink/compose"
# Long event texts make addresses that some browsers and proxies refuse.
MAX_DETAILS = 1000


def _query(pairs: list[tuple[str, str]]) -> str:
    # %20 for spaces (not "+"), and nothing left unencoded, so every service reads the value as given.
    return urlencode(pairs, quote_via=quote, safe="")


def webcal_url(url: str) -> str:
    """The feed address with the ``webcal`` scheme, which opens the system's calendar app."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"not a web address: {url!r}")
    return urlunsplit(("webcal",) + tuple(parts[1:]))


def google_subscribe_url(feed: str) -> str:
    """Google Calendar's "add calendar by URL" for the feed at ``feed``."""
    return f"{GOOGLE_RENDER}?{_query([('cid', webcal_url(feed))])}"


def outlook_subscribe_url(feed: str, name: str) -> str:
    """Outlook on the web's "subscribe from web" for the feed at ``feed``, named ``name``."""
    return f"{OUTLOOK_SUBSCRIBE}?{_query([('url', webcal_url(feed)), ('name', name)])}"


def _utc(moment: datetime, pattern: str) -> str:
    return moment.astimezone(timezone.utc).strftime(pattern)


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_DETAILS else text[: MAX_DETAILS - 1].rstrip() + "\u2026"


def google_event_url(*, title: str, starts_at: datetime, ends_at: datetime, details: str = "",
                     location: str = "") -> str:
    """Google Calendar's form for a new event, filled in (times in UTC)."""
    dates = f"{_utc(starts_at, '%Y%m%dT%H%M%SZ')}/{_utc(ends_at, '%Y%m%dT%H%M%SZ')}"
    pairs = [("action", "TEMPLATE"), ("text", title), ("dates", dates)]
    if details:
        pairs.append(("details", _short(details)))
    if location:
        pairs.append(("location", location))
    return f"{GOOGLE_RENDER}?{_query(pairs)}"


def outlook_event_url(*, title: str, starts_at: datetime, ends_at: datetime, details: str = "",
                      location: str = "") -> str:
    """Outlook on the web's form for a new event, filled in (times in UTC)."""
    pairs = [("path", "/calendar/action/compose"), ("rru", "addevent"), ("subject", title),
             ("startdt", _utc(starts_at, "%Y-%m-%dT%H:%M:%SZ")), ("enddt", _utc(ends_at, "%Y-%m-%dT%H:%M:%SZ"))]
    if details:
        pairs.append(("body", _short(details)))
    if location:
        pairs.append(("location", location))
    return f"{OUTLOOK_COMPOSE}?{_query(pairs)}"


@dataclass(frozen=True)
class FeedLinks:
    """Ways to subscribe to one feed."""

    url: str
    webcal: str
    google: str
    outlook: str
    name: str


def feed_links(url: str, name: str) -> FeedLinks:
    """All subscription addresses of the feed at ``url`` (absolute http(s) address)."""
    return FeedLinks(url=url, webcal=webcal_url(url), google=google_subscribe_url(url),
                     outlook=outlook_subscribe_url(url, name), name=name)


@dataclass(frozen=True)
class EventLinks:
    """Ways to put one meeting into a calendar: a copy (download, Google's and Outlook's
    filled-in forms), or a subscription to its .ics, which follows its changes."""

    download: str
    google: str
    outlook: str
    webcal: str
    google_subscribe: str
    outlook_subscribe: str


def event_links(*, download: str, title: str, starts_at: datetime, ends_at: datetime, details: str = "",
                location: str = "") -> EventLinks:
    """The .ics download, Google's and Outlook's filled-in "new event" forms, and the
    subscription addresses of the download, for one meeting."""
    fields = dict(title=title, starts_at=starts_at, ends_at=ends_at, details=details, location=location)
    return EventLinks(download=download, google=google_event_url(**fields), outlook=outlook_event_url(**fields),
                      webcal=webcal_url(download), google_subscribe=google_subscribe_url(download),
                      outlook_subscribe=outlook_subscribe_url(download, title))
