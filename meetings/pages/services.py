"""The pages in a reader's language, saving an organiser's text, and the contact form's
messages: kept, then mailed through the outbox. No request objects here; callers commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.pages import notifications
from meetings.pages.defaults import default_text
from meetings.pages.models import ContactMessage, SiteText
from meetings.pages.states import PageKey

MESSAGES_PER_PAGE = 50


@dataclass(frozen=True)
class PageText:
    """What a page shows: its title and Markdown text, the language they are in, whether an
    organiser wrote them (else they are the built-in ones) and when they last changed."""

    key: str
    title: str
    body: str
    language: str
    written: bool
    updated_at: datetime | None = None


def _rows(key: str) -> dict[str, SiteText]:
    return {row.language: row for row in db.session.scalars(select(SiteText).where(SiteText.page == key))}


def page_text(key: str, language: str) -> PageText:
    """The page in ``language``; else the organiser's English text; else the built-in text in
    ``language`` (the built-in texts are translated)."""
    rows = _rows(key)
    row = rows.get(language) or rows.get(current_app.config["BABEL_DEFAULT_LOCALE"])
    if row is not None:
        return PageText(key, row.title, row.body, row.language, True, row.updated_at)
    title, body = default_text(key, language)
    return PageText(key, title, body, language, False)


def page_texts(key: str) -> dict[str, PageText]:
    """The page in every language of the site, each as a reader of that language sees it."""
    return {language: page_text(key, language) for language in current_app.config["LANGUAGES"]}


def written_text(key: str, language: str) -> PageText:
    """What the edit form starts from: the organiser's text in ``language``, else the
    built-in text in that language."""
    row = _rows(key).get(language)
    if row is not None:
        return PageText(key, row.title, row.body, language, True, row.updated_at)
    title, body = default_text(key, language)
    return PageText(key, title, body, language, False)


def save_page(key: str, language: str, *, title: str, body: str) -> SiteText:
    """Store the page's text in ``language`` (a new row or the one there). Flushes."""
    row = _rows(key).get(language)
    if row is None:
        row = SiteText(page=PageKey(key), language=language)
        db.session.add(row)
    row.title, row.body = title, body
    row.updated_at = utcnow()
    db.session.flush()
    return row


def reset_page(key: str, language: str) -> None:
    """Forget the organiser's text in ``language``: the page falls back again. Flushes."""
    row = _rows(key).get(language)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def last_changed(key: str) -> datetime | None:
    """When an organiser last saved the page in any language (for the sitemap)."""
    return max((row.updated_at for row in _rows(key).values()), default=None)


@dataclass(frozen=True)
class ContactData:
    name: str
    email: str
    organisation: str | None
    subject: str
    message: str
    language: str


def record_contact_message(data: ContactData) -> ContactMessage:
    """Keep the message, and queue it for the cluster's mailbox (Reply-To the sender) and a
    short acknowledgement for the sender, all in the caller's transaction. Flushes."""
    message = ContactMessage(name=data.name, email=data.email, organisation=data.organisation,
                             subject=data.subject, message=data.message, language=data.language)
    db.session.add(message)
    db.session.flush()
    notifications.send_contact_message(message)
    notifications.send_contact_acknowledgement(message)
    return message


def contact_messages(limit: int = MESSAGES_PER_PAGE) -> list[ContactMessage]:
    """The latest messages first."""
    query = select(ContactMessage).order_by(ContactMessage.created_at.desc(), ContactMessage.id.desc())
    return list(db.session.scalars(query.limit(limit)))
