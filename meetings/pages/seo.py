"""What search engines and link previews read: a meeting as schema.org ``Event`` JSON-LD,
Open Graph and Twitter card tags, the sitemap with its language alternates, robots.txt."""
from __future__ import annotations

import json
from datetime import datetime
from xml.etree import ElementTree as ET

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from meetings.core.markdown import plain_text
from meetings.core.routing import absolute_url
from meetings.core.timezones import to_local
from meetings.events.languages import in_language
from meetings.events.models import Meeting
from meetings.events.states import MeetingStatus

SCHEMA = "https://schema.org"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
DESCRIPTION_LENGTH = 200
# Where people's own pages and the organisers' work live: no search engine should list them.
PRIVATE_PREFIXES = ("/manage/", "/rsvp/", "/registrations/", "/feeds/", "/inbound/", "/login", "/logout",
                    "/language/", "/contact/sent")


def short_text(markdown: str | None, length: int = DESCRIPTION_LENGTH) -> str:
    """Markdown as one line of plain text, cut at a word, for descriptions."""
    text = " ".join(plain_text(markdown).split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",;:.") + "\u2026"


def _instant(meeting: Meeting, instant: datetime, *, end: bool = False) -> str:
    local = to_local(instant, meeting.timezone)
    if meeting.all_day:
        # All-day ends are exclusive in the database; schema.org's endDate is the last day.
        return (meeting.last_day if end else meeting.first_day).isoformat()
    return local.isoformat(timespec="seconds")


def _status(meeting: Meeting) -> str:
    if meeting.status == MeetingStatus.CANCELLED:
        return f"{SCHEMA}/EventCancelled"
    if meeting.moved_sequence:
        # An update moved its time or place after invitations went out.
        return f"{SCHEMA}/EventRescheduled"
    return f"{SCHEMA}/EventScheduled"


def _mode(meeting: Meeting) -> str:
    if meeting.venue is not None and meeting.online_url:
        return f"{SCHEMA}/MixedEventAttendanceMode"
    if meeting.online_url:
        return f"{SCHEMA}/OnlineEventAttendanceMode"
    return f"{SCHEMA}/OfflineEventAttendanceMode"


def _location(meeting: Meeting) -> list[dict] | dict:
    places: list[dict] = []
    venue = meeting.venue
    if venue is not None:
        address = {"@type": "PostalAddress", "streetAddress": venue.address, "addressLocality": venue.city,
                   "addressCountry": venue.country}
        if venue.postal_code:
            address["postalCode"] = venue.postal_code
        places.append({"@type": "Place", "name": venue.name, "address": address})
    if meeting.online_url:
        places.append({"@type": "VirtualLocation", "url": meeting.online_url})
    if not places:
        # Google requires a location: the meeting page itself says where it will be.
        places.append({"@type": "VirtualLocation", "url": absolute_url("events_public.detail", slug=meeting.slug)})
    return places[0] if len(places) == 1 else places


def event_data(meeting: Meeting, language: str, *, registration_open: bool, register_url: str | None = None,
               free_places: int | None = None) -> dict:
    """The meeting as a schema.org ``Event`` (Google's required and recommended properties
    that the meeting has), its texts in ``language``."""
    shown = in_language(meeting, language)
    config = current_app.config
    data: dict = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": shown.title,
        "startDate": _instant(meeting, meeting.starts_at),
        "endDate": _instant(meeting, meeting.ends_at, end=True),
        "eventStatus": _status(meeting),
        "eventAttendanceMode": _mode(meeting),
        "location": _location(meeting),
        "organizer": {"@type": "Organization", "name": config["ORGANIZER_NAME"] or _("Advanced Manufacturing & Robotics cluster"),
                      "url": absolute_url("site.home")},
        "url": absolute_url("events_public.detail", slug=meeting.slug),
        "inLanguage": language,
        "description": short_text(shown.description) or shown.title,
    }
    presenters = sorted({item.presenter for item in meeting.agenda_items if item.presenter})
    if presenters:
        data["performer"] = [{"@type": "Person", "name": name} for name in presenters]
    if registration_open and register_url and meeting.status != MeetingStatus.CANCELLED:
        offer = {"@type": "Offer", "url": register_url, "price": "0", "priceCurrency": "EUR",
                 "availability": f"{SCHEMA}/{'SoldOut' if free_places == 0 else 'InStock'}"}
        if meeting.registration_opens_at:
            offer["validFrom"] = to_local(meeting.registration_opens_at, meeting.timezone).isoformat(timespec="seconds")
        data["offers"] = offer
    return data


def json_ld(data: dict) -> Markup:
    """A ``<script type="application/ld+json">`` element; <, > and & are written as JSON escapes,
    so no text of the meeting can end the script element."""
    text = (json.dumps(data, ensure_ascii=False, sort_keys=False)
            .replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(f'<script type="application/ld+json">{text}</script>')


def sitemap(entries: list[tuple[str, dict, datetime | None]]) -> bytes:
    """``entries``: (endpoint, values, last changed). Each page in every language (``?lang=``),
    each listing the others as hreflang alternates, the address without ``lang`` as x-default."""
    ET.register_namespace("", SITEMAP)
    ET.register_namespace("xhtml", XHTML)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    languages = current_app.config["LANGUAGES"]
    for endpoint, values, changed in entries:
        addresses = {language: absolute_url(endpoint, **values, lang=language) for language in languages}
        for language in languages:
            url = ET.SubElement(root, f"{{{SITEMAP}}}url")
            ET.SubElement(url, f"{{{SITEMAP}}}loc").text = addresses[language]
            if changed is not None:
                ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = changed.date().isoformat()
            for other, address in addresses.items():
                ET.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang=other, href=address)
            ET.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang="x-default",
                          href=absolute_url(endpoint, **values))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def robots_txt() -> str:
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES),
             f"Sitemap: {absolute_url('pages.sitemap')}", ""]
    return "\n".join(lines)
