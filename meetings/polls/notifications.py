"""One function per poll email: the request with the personal link, the reminder, the
cancellation, and the holds (one tentative calendar entry per slot, and its cancellation).

Each queues its rows in the caller's transaction with one statement (the outbox's
``queue_later``); :func:`prepare` writes their content, in each person's language, when the
outbox delivers or shows them. Holds come from the one iCalendar builder (``Holds``).
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Iterable

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetings.calendar.builder import Holds
from meetings.core.database import among
from meetings.core.routing import absolute_url
from meetings.events.languages import in_language
from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.mail.message import inline_css
from meetings.mail.models import OutboxMessage
from meetings.mail.outbox import Content, Recipient, queue_later
from meetings.polls.models import Poll, PollSlot, PollVoter

REQUEST, REMINDER, CANCELLED, HOLD, HOLD_CANCEL = ("poll_request", "poll_reminder", "poll_cancelled", "poll_hold",
                                                   "poll_hold_cancel")
SUBJECTS = {
    REQUEST: lambda title: _("When can you come? %(title)s", title=title),
    REMINDER: lambda title: _("Reminder: please answer the date poll for %(title)s", title=title),
    CANCELLED: lambda title: _("Date poll called off: %(title)s", title=title),
    HOLD: lambda title: _("Date held: %(title)s", title=title),
    HOLD_CANCEL: lambda title: _("Date no longer held: %(title)s", title=title),
}
KINDS = tuple(SUBJECTS)
METHOD = {HOLD: "REQUEST", HOLD_CANCEL: "CANCEL"}


def vote_url(voter: PollVoter) -> str:
    """The person's own poll page, as an absolute address for emails and calendars."""
    return absolute_url("poll_vote.vote", token=voter.token)


def _queue(kind: str, poll: Poll, voters: Iterable[PollVoter], key: str, **args) -> None:
    queue_later(kind, [Recipient(to_email=v.email, to_name=v.name, language=v.language or "en",
                                 meeting_id=poll.meeting_id, dedupe_key=f"{kind}:{v.id}:{key}",
                                 args={"voter_id": v.id, **args})
                       for v in voters])


def send_requests(poll: Poll, voters: list[PollVoter]) -> None:
    """Queue the poll to each person asked, with their personal link."""
    _queue(REQUEST, poll, voters, str(poll.id))


def send_reminders(poll: Poll, voters: list[PollVoter], day_key: str) -> None:
    """Queue a reminder to answer, at most one per person per day."""
    _queue(REMINDER, poll, voters, day_key)


def send_cancellations(poll: Poll, voters: list[PollVoter], note: str | None) -> None:
    """Queue the news that the poll was called off (``note``: the organiser's words)."""
    _queue(CANCELLED, poll, voters, str(poll.id), **({"note": note} if note else {}))


def send_holds(poll: Poll, slots: list[PollSlot], voters: list[PollVoter]) -> None:
    """Queue one tentative calendar entry (iTIP REQUEST) per slot to each person, at the slot's SEQUENCE."""
    for slot in slots:
        _queue(HOLD, poll, voters, f"{slot.id}:{slot.sequence}", slot_id=slot.id, sequence=slot.sequence)


def send_hold_cancels(poll: Poll, slots: list[PollSlot], voters: list[PollVoter]) -> None:
    """Queue the removal (iTIP CANCEL, the slot's raised SEQUENCE) of each slot's hold to each person."""
    for slot in slots:
        _queue(HOLD_CANCEL, poll, voters, f"{slot.id}:{slot.sequence}", slot_id=slot.id, sequence=slot.sequence)


def prepare(messages: list[OutboxMessage]) -> dict[int, Content | str]:
    """Write the poll emails queued above, each in its recipient's language; the text and the
    shared part of a hold are written once per slot, kind, SEQUENCE and language."""
    args = {m.id: json.loads(m.prepare_args or "{}") for m in messages}
    voters = {v.id: v for v in db.session.scalars(
        select(PollVoter).where(among(PollVoter.id, {a.get("voter_id") for a in args.values()} - {None}))
        .options(selectinload(PollVoter.poll).selectinload(Poll.slots),
                 selectinload(PollVoter.poll).selectinload(Poll.meeting).selectinload(Meeting.venue)))}
    letters: dict[tuple, tuple] = g.setdefault("poll_letters", {})
    config = current_app.config
    contents: dict[int, Content | str] = {}
    for message in messages:
        given = args[message.id]
        voter = voters.get(given.get("voter_id"))
        if voter is None:
            contents[message.id] = "the person asked is no longer in the poll"
            continue
        poll = voter.poll
        slot = next((s for s in poll.slots if s.id == given.get("slot_id")), None)
        if message.kind in METHOD and slot is None:
            contents[message.id] = "the slot is no longer in the poll"
            continue
        language = voter.language or poll.meeting.language or "en"
        key = (message.kind, poll.id, language, slot.id if slot else None, given.get("sequence"), given.get("note"))
        letter = letters.get(key)
        if letter is None:
            meeting = in_language(poll.meeting, language)
            context = dict(meeting=meeting, poll=poll, slot=slot, note=given.get("note"), language=language,
                           vote_url=_LINK, name=_NAME)
            with force_locale(language):
                subject = SUBJECTS[message.kind](meeting.title)
                text = render_template(f"emails/{message.kind}.txt", **context)
                html = inline_css(render_template(f"emails/{message.kind}.html", **context))
            holds = Holds(meeting, slot, method=METHOD[message.kind], organizer_email=config["ORGANIZER_EMAIL"],
                          organizer_name=config["ORGANIZER_NAME"], base_url=config["BASE_URL"], language=language,
                          sequence=given["sequence"]) if message.kind in METHOD else None
            letter = letters[key] = (subject, text, html, holds)
        subject, text, html, holds = letter
        link, name = vote_url(voter), voter.name or voter.email
        text = text.replace(_LINK, link).replace(_NAME, name)
        html = html.replace(_LINK, link).replace(_NAME, str(escape(name)))
        if holds is None:
            contents[message.id] = Content(subject=subject, text_body=text, html_body=html)
        else:
            contents[message.id] = Content(subject=subject, text_body=text, html_body=html,
                                           ics=holds.for_person(voter, link).decode("utf-8"),
                                           ics_method=METHOD[message.kind])
    return contents


# Stands for the person's own link while a letter is written for everyone alike (a URL-safe token).
_MARK = secrets.token_hex(8)
_LINK, _NAME = f"https://{_MARK}.invalid/poll", f"x{_MARK}name"
