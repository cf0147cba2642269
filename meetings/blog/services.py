"""Blog posts: the follow-up draft written from a meeting's record, saving,
publishing (now or later), the public queries, excerpts and the Atom feed.
No request objects here; callers commit.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import nh3
from babel.dates import format_date
from babel.lists import format_list
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from meetings.blog.models import VISIBLE_STATUSES, Post, PostStatus
from meetings.blog.notifications import follow_post_schedule, send_post_published
from meetings.core.formatting import date_long, days_text, format_locale
from meetings.core.markdown import render_markdown
from meetings.core.routing import absolute_url
from meetings.core.types import utcnow
from meetings.core.views import existing_page
from meetings.events.languages import translated_text
from meetings.events.models import Meeting
from meetings.events.services import slugify, unique_slug
from meetings.extensions import db
from meetings.followup import services as followup
from meetings.network.models import Organisation

PER_PAGE = 10
EXCERPT_LENGTH = 220
ATOM = "http://www.w3.org/2005/Atom"
# An empty feed still needs an updated time; a fixed one keeps it stable.
EMPTY_FEED_UPDATED = datetime(2024, 1, 1, tzinfo=timezone.utc)


# --- drafting -------------------------------------------------------------------

@dataclass
class Draft:
    title: str
    body: str
    language: str


def _markdown_text(text: str) -> str:
    """Recorded text placed in a sentence: Markdown and HTML characters lose their meaning."""
    return re.sub(r"([\\`*_\[\]<>#])", r"\\\1", " ".join(text.split()))


def _names(items: list[str], locale: str) -> str:
    return format_list([_markdown_text(i) for i in items], locale=locale)


def _place(meeting: Meeting) -> tuple[str | None, str | None]:
    venue = meeting.venue
    if venue is None:
        return None, None
    return venue.name, venue.city


def _lead(meeting: Meeting, title: str, day: str, organisations: list[str]) -> str:
    """When, who (how many organisations) and where; the venue only with its city."""
    venue, city = _place(meeting)
    title = _markdown_text(title)
    venue = _markdown_text(venue) if venue and city else None
    city = _markdown_text(city) if venue else None
    count = len(organisations)
    if count and venue:
        return ngettext("On %(date)s, people from one organisation met at %(venue)s in %(city)s "
                        "for the %(meeting)s.",
                        "On %(date)s, people from %(num)d organisations met at %(venue)s in %(city)s "
                        "for the %(meeting)s.", count, date=day, venue=venue, city=city, meeting=title)
    if count and meeting.online_url:
        return ngettext("On %(date)s, people from one organisation met online for the %(meeting)s.",
                        "On %(date)s, people from %(num)d organisations met online for the %(meeting)s.",
                        count, date=day, meeting=title)
    if count:
        return ngettext("On %(date)s, people from one organisation met for the %(meeting)s.",
                        "On %(date)s, people from %(num)d organisations met for the %(meeting)s.",
                        count, date=day, meeting=title)
    if venue:
        return _("The %(meeting)s took place on %(date)s at %(venue)s in %(city)s.",
                 meeting=title, date=day, venue=venue, city=city)
    if meeting.online_url:
        return _("The %(meeting)s took place online on %(date)s.", meeting=title, date=day)
    return _("The %(meeting)s took place on %(date)s.", meeting=title, date=day)


def _discussed(meeting: Meeting, locale: str) -> str | None:
    """What was discussed, as recorded: the agenda items with minutes, else the agenda."""
    items = meeting.agenda_items
    noted = followup.notes_by_item(meeting)
    with_minutes = [item for item in items if noted.get(item.id)]
    if with_minutes:
        titles = [translated_text(item, "title", locale) for item in with_minutes]
        return ngettext("The discussion covered %(items)s.", "The discussion covered %(items)s.", len(titles),
                        items=_names(titles, locale))
    if items:
        titles = [translated_text(item, "title", locale) for item in items]
        return ngettext("On the agenda was %(items)s.", "On the agenda were %(items)s.", len(titles),
                        items=_names(titles, locale))
    return None


def cluster_partners() -> list[str]:
    """Names of the organisations the network marks as partners of the cluster, by name;
    a partner that asked not to be shown on the public Network page is not named in public."""
    return list(db.session.scalars(select(Organisation.name).where(Organisation.is_partner.is_(True),
                                                                   Organisation.is_public.is_(True))
                                   .order_by(func.lower(Organisation.name), Organisation.id)))


def draft_followup(meeting: Meeting, language: str) -> Draft:
    """Write the follow-up post of a held meeting as Markdown, in ``language``.

    Only recorded facts go in, each sentence saying what kind of fact it is: the date
    in words and the venue; the organisations of those marked present; what was
    discussed (the agenda items with minutes, else the agenda as planned); the
    meeting's topics, named as its topics; the decisions; the open action items as next
    steps with their owners' organisations; the next meeting; and, as a statement about
    the cluster rather than about the meeting, the organisations marked as its partners;
    and, last, a sentence linking the contact page. A sentence whose facts are missing is left out. Minutes themselves stay private.
    """
    locale = language if language in current_app.config["LANGUAGES"] else "en"
    organisations = followup.represented_organisations(meeting)
    topics = sorted((t.name for t in meeting.topics), key=str.lower)
    record = followup.get_record(meeting)
    decisions = followup.decision_texts(meeting)
    steps = [item for item in followup.action_items(meeting) if item.is_open]
    partners = cluster_partners()
    meeting_title = translated_text(meeting, "title", locale)
    with force_locale(locale):
        # A meeting over several days took place "on 7–9 December 2026".
        day = (days_text(meeting.first_day, meeting.last_day, locale) if meeting.spans_days
               else date_long(meeting.starts_at, meeting.timezone, locale))
        _venue, city = _place(meeting)
        title = (_("%(meeting)s in %(city)s", meeting=meeting_title, city=city) if city
                 else _("Looking back: %(meeting)s", meeting=meeting_title))
        paragraphs = [_lead(meeting, meeting_title, day, organisations)]

        middle = []
        if organisations:
            middle.append(ngettext("Represented was %(organisations)s.", "Represented were %(organisations)s.",
                                   len(organisations), organisations=_names(organisations, locale)))
        discussed = _discussed(meeting, locale)
        if discussed:
            middle.append(discussed)
        if topics:
            middle.append(ngettext("Topic of the meeting: %(topics)s.", "Topics of the meeting: %(topics)s.",
                                   len(topics), topics=_names(topics, locale)))
        if middle:
            paragraphs.append(" ".join(middle))

        if decisions:
            paragraphs.append(ngettext("The meeting took one decision:", "The meeting took these decisions:",
                                       len(decisions)) + "\n\n"
                              + "\n".join(f"- {_markdown_text(d)}" for d in decisions))

        closing = []
        if steps:
            described = []
            for item in steps:
                owner = item.owner.organisation.name if item.owner and item.owner.organisation else None
                described.append(_("%(what)s (%(organisation)s)", what=item.what, organisation=owner)
                                 if owner else item.what)
            closing.append(_("Next steps: %(steps)s.", steps=_names(described, locale)))
        if record and record.next_meeting_on:
            closing.append(_("The group plans to meet again on %(date)s.",
                             date=format_date(record.next_meeting_on, format="long", locale=format_locale(locale))))
        elif record and record.next_meeting_note:
            intent = _markdown_text(record.next_meeting_note)
            # The intent is the organiser's own words, in the meeting's language: woven
            # into a sentence only when the post is in that language, else quoted.
            closing.append(_("The group plans to meet again %(when)s.", when=intent) if locale == meeting.language
                           else _("Next meeting: %(when)s.", when=intent))
        if closing:
            paragraphs.append(" ".join(closing))

        if partners:
            paragraphs.append(ngettext("The cluster's partner is %(partners)s.",
                                       "The cluster's partners are %(partners)s.", len(partners),
                                       partners=_names(partners, locale)))
        # As the cluster's own posts do: the last line says where to ask.
        paragraphs.append(_("For more information please [contact us](%(url)s).",
                            url=absolute_url("pages.contact", lang=locale)))
    return Draft(title=title[:200], body="\n\n".join(paragraphs) + "\n", language=locale)


def create_post(data: dict, meeting: Meeting | None = None) -> Post:
    """A new draft post with a unique slug made from its title (or ``data['slug']``). Flushes."""
    post = Post(status=PostStatus.DRAFT, meeting_id=meeting.id if meeting else None)
    return save_post(post, data)


def save_post(post: Post, data: dict) -> Post:
    """Store title, slug (made unique, from the title when empty), body and language. Flushes."""
    post.title = data["title"]
    post.body = data.get("body") or ""
    post.language = data.get("language") or post.language or "en"
    base = slugify(data.get("slug") or "") or slugify(post.title)
    with db.session.no_autoflush:
        post.slug = unique_slug(Post, base, exclude_id=post.id, fallback="post")
    db.session.add(post)
    db.session.flush()
    return post


def create_followup_post(meeting: Meeting, language: str) -> Post:
    """Draft the meeting's follow-up post and store it as a draft. Flushes."""
    draft = draft_followup(meeting, language)
    return create_post({"title": draft.title, "body": draft.body, "language": draft.language}, meeting)


def redraft_followup_post(post: Post) -> Post:
    """Write a draft post of a meeting again from the meeting's record, in the post's
    language: its title and text are replaced, its address stays. Flushes."""
    if post.status != PostStatus.DRAFT or post.meeting is None:
        raise ValueError("only a meeting's draft post is written again")
    draft = draft_followup(post.meeting, post.language)
    return save_post(post, {"title": draft.title, "body": draft.body, "language": draft.language, "slug": post.slug})


def meeting_posts(meeting: Meeting, language: str | None = None) -> list[Post]:
    """Every post of the meeting (in ``language``, if given), drafts first, then newest."""
    query = select(Post).where(Post.meeting_id == meeting.id)
    if language is not None:
        query = query.where(Post.language == language)
    return list(db.session.scalars(query.order_by(*_organiser_order())))


def slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = select(Post.id).where(Post.slug == slug)
    if exclude_id is not None:
        query = query.where(Post.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def publish_post(post: Post, at: datetime | None = None, notify: bool = False) -> int:
    """Publish now (``at`` None or past) or schedule for ``at``. A post the public can
    already read keeps its date when published "now" again. With ``notify``, queue one
    email per attendee with an address, in their language; for a scheduled post the
    emails wait in the outbox until it appears. Returns the number of emails queued. Flushes."""
    now = utcnow()
    if at is None or at <= now:
        if not post.is_visible(now):
            post.published_at = now
        post.status, post.publish_at = PostStatus.PUBLISHED, None
    else:
        post.status, post.publish_at, post.published_at = PostStatus.SCHEDULED, at, at
    db.session.flush()
    follow_post_schedule(post)
    if not notify or post.meeting is None:
        return 0
    queued = 0
    for participant in followup.attendees(post.meeting):
        if participant.email and send_post_published(post, participant) is not None:
            queued += 1
    return queued


def unpublish_post(post: Post) -> None:
    """Back to draft: the post leaves the blog and the feed, and its emails still waiting
    in the outbox are held back. Flushes."""
    post.status, post.publish_at, post.published_at = PostStatus.DRAFT, None, None
    db.session.flush()
    follow_post_schedule(post)


def delete_post(post: Post) -> None:
    """Delete a post; its emails still waiting in the outbox are held back. Flushes."""
    unpublish_post(post)
    db.session.delete(post)
    db.session.flush()


# --- queries --------------------------------------------------------------------

def _visible(now: datetime):
    return (Post.status.in_(VISIBLE_STATUSES), Post.published_at.is_not(None), Post.published_at <= now)


def visible_posts_query(now: datetime | None = None):
    """Posts the public may read, newest first."""
    return select(Post).where(*_visible(now or utcnow())).order_by(Post.published_at.desc(), Post.id.desc())


def latest_posts(limit: int = 3) -> list[Post]:
    """The newest visible posts."""
    return list(db.session.scalars(visible_posts_query().limit(limit)))


def posts_page(number: int) -> Pagination | None:
    """One page of visible posts (``PER_PAGE`` each); None for a page that does not exist
    (page 1 always exists, empty or not)."""
    return existing_page(visible_posts_query(utcnow()).options(selectinload(Post.meeting)), number, PER_PAGE)


def visible_post(slug: str) -> Post | None:
    """The post at ``slug`` if the public may read it now."""
    return db.session.scalar(select(Post).where(Post.slug == slug, *_visible(utcnow())))


def post_for_meeting(meeting: Meeting, visible_only: bool = True) -> Post | None:
    """The meeting's newest (visible) post."""
    query = select(Post).where(Post.meeting_id == meeting.id)
    if visible_only:
        query = query.where(*_visible(utcnow()))
    return db.session.scalar(query.order_by(Post.published_at.desc().nulls_last(), Post.id.desc()).limit(1))


def _organiser_order():
    """How organisers see posts: drafts first, then by date, newest first."""
    return or_(Post.status == PostStatus.DRAFT).desc(), Post.published_at.desc().nulls_first(), Post.id.desc()


def all_posts() -> list[Post]:
    """Every post for the organisers: drafts first, then by date."""
    return list(db.session.scalars(select(Post).options(selectinload(Post.meeting)).order_by(*_organiser_order())))


def excerpt(post: Post, length: int = EXCERPT_LENGTH) -> str:
    """The post's opening words as plain text, cut at a word."""
    text = html.unescape(nh3.clean(str(render_markdown(post.body)), tags=set()))
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0].rstrip(",;:.")
    return f"{cut}\u2026"


# --- Atom -----------------------------------------------------------------------

def _tag_authority() -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return host


def _iso(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_updated(post: Post) -> datetime:
    """An entry's updated time: its last edit, never before it appeared."""
    return max(post.updated_at, post.published_at) if post.published_at else post.updated_at


def atom_feed(limit: int = 20) -> bytes:
    """The newest visible posts as an Atom 1.0 document (RFC 4287), built as XML elements."""
    posts = list(db.session.scalars(visible_posts_query().limit(limit)))
    authority = _tag_authority()
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        cluster = _("Advanced Manufacturing & Robotics cluster")
        sub(feed, "title", _("Blog of the %(cluster)s", cluster=cluster))
    sub(feed, "id", f"tag:{authority},2024:blog")
    sub(feed, "link", rel="self", type="application/atom+xml", href=absolute_url("blog.feed"))
    sub(feed, "link", rel="alternate", type="text/html", href=absolute_url("blog.index"))
    newest = max((entry_updated(p) for p in posts), default=None)
    sub(feed, "updated", _iso(newest or EMPTY_FEED_UPDATED))
    author = sub(feed, "author")
    sub(author, "name", cluster)
    sub(author, "uri", absolute_url("site.home"))
    for post in posts:
        entry = sub(feed, "entry")
        sub(entry, "title", post.title)
        sub(entry, "id", f"tag:{authority},{post.created_at:%Y-%m-%d}:post-{post.id}")
        sub(entry, "link", rel="alternate", type="text/html", href=absolute_url("blog.post", slug=post.slug))
        sub(entry, "published", _iso(post.published_at))
        sub(entry, "updated", _iso(entry_updated(post)))
        sub(entry, "summary", excerpt(post))
        sub(entry, "content", str(render_markdown(post.body)), type="html")
        entry.set("{http://www.w3.org/XML/1998/namespace}lang", post.language)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
