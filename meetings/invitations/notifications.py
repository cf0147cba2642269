"""One function per invitation email: invitation, update, reminder, cancellation, removal.

Each queues its messages in the outbox within the caller's transaction, one row
per invitee written with one statement, so sending to a thousand people takes
no longer than the commit. Their content (paired .txt/.html templates in the
participant's own language, and the calendar part from the one iCalendar
builder) is written by :func:`prepare` when the outbox delivers or shows them.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetings.calendar import personal
from meetings.calendar.builder import Invitation, decline_counter
from meetings.calendar.links import webcal_url
from meetings.core.database import among
from meetings.core.routing import absolute_url
from meetings.core.types import utcnow
from meetings.events.languages import in_language, schedule_in_language
from meetings.events.models import Meeting
from meetings.events.queries import agenda_schedule
from meetings.events.services import details_fingerprint
from meetings.extensions import db
from meetings.mail.message import inline_css
from meetings.mail.models import OutboxMessage
from meetings.mail.outbox import Content, Recipient, queue_email, queue_later
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus
from meetings.participants.services import SentBy, reply_address, who_sent


@dataclass(frozen=True)
class Kind:
    """How one kind of invitation email is written."""

    method: str | None  # None: an email without a calendar part
    template: str
    subject: Callable[[str], str]  # the meeting's title -> the subject, in the current locale


KINDS = {
    "invitation": Kind("REQUEST", "invitation", lambda title: _("Invitation: %(title)s", title=title)),
    "update": Kind("REQUEST", "update", lambda title: _("Updated: %(title)s", title=title)),
    "reminder": Kind("REQUEST", "reminder",
                     lambda title: _("Reminder: please answer the invitation to %(title)s", title=title)),
    "cancellation": Kind("CANCEL", "cancellation", lambda title: _("Cancelled: %(title)s", title=title)),
    "removal": Kind("CANCEL", "removal", lambda title: _("No longer invited: %(title)s", title=title)),
    # For those told of a cancellation whose calendar never had the meeting (the waiting list).
    "cancellation_notice": Kind(None, "cancellation_notice", lambda title: _("Cancelled: %(title)s", title=title)),
}


def rsvp_url(participant: Participant) -> str:
    """The participant's personal page, as an absolute address for emails: the answer page
    of an invitee, the registration page of a registrant."""
    endpoint = "registration.manage" if participant.kind == ParticipantKind.REGISTRANT else "rsvp.answer"
    return absolute_url(endpoint, token=participant.token)


def _queue(kind: str, participants: Iterable[Participant], *, sequence: int, key: str,
           note: str | None = None, asked_again: set[int] = frozenset(), from_poll: bool = False) -> None:
    args = {"sequence": sequence, **({"note": note} if note else {}), **({"from_poll": True} if from_poll else {})}
    queue_later(kind, [
        Recipient(to_email=p.email, to_name=p.name, language=p.language or "en", meeting_id=p.meeting_id,
                  participant_id=p.id, dedupe_key=f"{kind}:{p.id}:{key}", reply_to=reply_address(p),
                  args={**args, "asked_again": True} if p.id in asked_again else args)
        for p in participants])


def send_invitations(participants: list[Participant], meeting: Meeting, *, from_poll: bool = False) -> None:
    """Queue the first invitation (iTIP REQUEST at the meeting's SEQUENCE) to each participant;
    ``from_poll``: their letter says their vote in the date poll is their starting answer."""
    _queue("invitation", participants, sequence=meeting.sequence, key=str(meeting.sequence), from_poll=from_poll)


def send_updates(participants: list[Participant], meeting: Meeting, note: str | None, *,
                 asked_again: set[int] = frozenset()) -> None:
    """Queue an update (REQUEST, same UID, the meeting's new SEQUENCE, the organiser's note) to each;
    those whose answer the change set back (ids in ``asked_again``) are told why they are asked again."""
    _queue("update", participants, sequence=meeting.sequence, key=str(meeting.sequence), note=note,
           asked_again=asked_again)


def send_again(participant: Participant, meeting: Meeting, key: str) -> None:
    """Queue the invitation once more (REQUEST at the meeting's SEQUENCE) to one person whose
    calendar asked for it; ``key`` tells this asking from others."""
    _queue("invitation", [participant], sequence=meeting.sequence, key=f"again:{key}")


def send_reminders(participants: list[Participant], meeting: Meeting, day_key: str) -> None:
    """Queue a reminder to answer (REQUEST at the current SEQUENCE), at most one per person per day."""
    _queue("reminder", participants, sequence=meeting.sequence, key=day_key)


def send_cancellations(participants: list[Participant], meeting: Meeting, note: str | None, *,
                       removed: bool) -> None:
    """Queue an iTIP CANCEL to each: the meeting is cancelled, or they were taken off the list."""
    _queue("removal" if removed else "cancellation", participants, sequence=meeting.sequence,
           key=str(meeting.sequence), note=note)


def send_cancellation_notices(participants: list[Participant], meeting: Meeting, note: str | None) -> None:
    """Queue the news of the cancellation without a calendar part, to those whose calendar
    never had the meeting (only a REQUEST's recipient may get a CANCEL for its UID)."""
    _queue("cancellation_notice", participants, sequence=meeting.sequence, key=str(meeting.sequence), note=note)


def prepare(messages: list[OutboxMessage]) -> dict[int, Content | str]:
    """Write the invitation emails queued by the functions above, each in its recipient's language.

    Participants, their contacts, meetings, venues and agendas are loaded once for
    the whole batch, missing personal feed addresses made in one flush, and each
    letter (see :class:`_Letter`) written once for everyone it goes to alike.
    """
    ids = {m.participant_id for m in messages if m.participant_id is not None}
    people = {p.id: p for p in db.session.scalars(
        select(Participant).where(among(Participant.id, ids))
        .options(selectinload(Participant.contact), selectinload(Participant.delegated_from),
                 selectinload(Participant.meeting).selectinload(Meeting.venue),
                 selectinload(Participant.meeting).selectinload(Meeting.agenda_items),
                 selectinload(Participant.meeting).selectinload(Meeting.topics)))}
    feeds = personal.ensure_feed_tokens([p.contact for p in people.values() if p.contact is not None])
    delegated = delegations(people.values())
    schedules: dict[int, list] = {}
    unsent: dict[int, bool] = {}  # per meeting: changed since the calendars were last sent
    # Kept for the app context (a delivery run prepares batch after batch of one sending).
    letters: dict[tuple, _Letter] = g.setdefault("invitation_letters", {})
    stamp = utcnow()
    contents: dict[int, Content | str] = {}
    for message in messages:
        participant = people.get(message.participant_id)
        if participant is None:
            contents[message.id] = "the invitee is no longer on the list"
            continue
        meeting = participant.meeting
        if meeting.id not in schedules:
            schedules[meeting.id] = agenda_schedule(meeting)
            unsent[meeting.id] = (meeting.sent_fingerprint is not None
                                  and meeting.sent_fingerprint != details_fingerprint(meeting))
        args = json.loads(message.prepare_args or "{}")
        language = participant.language or meeting.language or "en"
        feed = feeds.get(participant.contact_id)
        asked_again = bool(args.get("asked_again"))
        sequence, calendar = args.get("sequence", meeting.sequence), True
        if message.kind == "reminder":
            # A reminder repeats what calendars already hold, at the SEQUENCE they hold, and is
            # written when it is delivered: if the meeting changed since it was queued, it must
            # not carry the new details at an old SEQUENCE (the update will), so it goes without
            # a calendar part; after an update it carries the current SEQUENCE.
            sequence, calendar = meeting.sequence, not unsent[meeting.id]
        # A colleague is told who sent them in every mail that asks them to come.
        sent_by = who_sent(participant) if message.kind in ("invitation", "update", "reminder") else None
        from_poll = bool(args.get("from_poll"))
        key = (meeting.uid, meeting.updated_at, message.kind, language, sequence, args.get("note"),
               participant.kind, participant.status, feed is not None, asked_again, calendar, sent_by, from_poll)
        letter = letters.get(key)
        if letter is None:
            letter = letters[key] = _Letter(meeting, message.kind, language, schedules[meeting.id],
                                            sequence=sequence, note=key[5], shape=participant, feed=feed is not None,
                                            stamp=stamp, asked_again=asked_again, calendar=calendar,
                                            sent_by=sent_by, from_poll=from_poll)
        contents[message.id] = letter.to(participant, feed, delegated.get(participant.id, (None, None)))
    return contents


def delegations(participants: Iterable[Participant]) -> dict[int, tuple[str | None, str | None]]:
    """Per participant id, the mailbox they delegated to and the one they stand in for
    (RFC 5546 DELEGATED-TO and DELEGATED-FROM), in one query for the whole batch."""
    people = list(participants)
    result: dict[int, tuple[str | None, str | None]] = {}
    delegators = [p.id for p in people if p.status == ParticipantStatus.DELEGATED]
    delegated_to: dict[int, str] = {}
    if delegators:
        rows = db.session.execute(select(Participant.delegated_from_id, Participant.email)
                                  .where(among(Participant.delegated_from_id, delegators)))
        delegated_to = {source: email for source, email in rows if email}
    for person in people:
        source = person.delegated_from if person.delegated_from_id is not None else None
        result[person.id] = (delegated_to.get(person.id), source.email if source is not None else None)
    return result


class _StandIn:
    """A participant as the templates see them while a letter is written for all alike:
    their kind and answer are real, their name, address and links are marks that
    :meth:`_Letter.to` replaces. (Templates greet with ``participant.name or participant.email``.)"""

    def __init__(self, shape: Participant):
        self.kind, self.status = shape.kind, shape.status
        self.name, self.email = _NAME, _EMAIL


# Random per process, so nothing a person types can look like one.
_MARK = secrets.token_hex(8)
_NAME, _EMAIL, _LINK, _FEED, _WEBCAL = (f"x{_MARK}{what}" for what in ("name", "email", "link", "feed", "webcal"))


class _Letter:
    """One kind of email about one meeting in one language (its texts in that language
    where the organiser gave them), to everyone in the same position (invitee or
    registrant, their answer, whether they have a personal feed).

    The templates, the CSS inlining and the calendar's shared part run once; each
    recipient's email then only receives their own name, address and links
    (HTML-escaped in the HTML part) and their own calendar lines. The templates are
    ordinary templates: :meth:`written_for` renders them with one recipient's own
    values, and tests/invitations/test_letters.py holds :meth:`to` to the same result
    for every kind. Why not render per recipient: rendering text and HTML costs about
    6 ms a message (Flask-Babel look-ups, Markdown, dates), which took delivery with
    content written (``python -m bench invitations``, SQLite) from 206 to 94 messages/s
    in one run, below the 250 required.
    """

    def __init__(self, meeting: Meeting, name: str, language: str, schedule, *, sequence: int, note: str | None,
                 shape: Participant, feed: bool, stamp, asked_again: bool = False, calendar: bool = True,
                 sent_by: SentBy | None = None, from_poll: bool = False):
        kind = KINDS[name]
        config = current_app.config
        meeting, schedule = in_language(meeting, language), schedule_in_language(schedule, language)
        self.kind, self.language = kind, language
        self._context = dict(meeting=meeting, note=note, schedule=schedule, language=language, kind=name,
                             asked_again=asked_again, sent_by=sent_by, from_poll=from_poll,
                             meeting_url=absolute_url("events_public.detail", slug=meeting.slug)
                             if meeting.is_public else None)
        with force_locale(language):
            self.subject = kind.subject(meeting.title)
        self.text, self.html = self._render(_StandIn(shape), _LINK, _FEED if feed else None,
                                            _WEBCAL if feed else None)
        self.method = kind.method if calendar else None
        self.calendar = None if kind.method is None or not calendar else Invitation(
            meeting, method=kind.method, organizer_email=config["ORGANIZER_EMAIL"],
            organizer_name=config["ORGANIZER_NAME"], base_url=config["BASE_URL"], language=language,
            stamp=stamp, sequence=sequence, agenda=schedule, message=note)

    def _render(self, participant, rsvp_url: str, feed_url: str | None, webcal_feed_url: str | None):
        with force_locale(self.language):
            context = dict(self._context, participant=participant, rsvp_url=rsvp_url, feed_url=feed_url,
                           webcal_feed_url=webcal_feed_url)
            text = render_template(f"emails/{self.kind.template}.txt", **context)
            html = inline_css(render_template(f"emails/{self.kind.template}.html", **context))
        return text, html

    def written_for(self, participant: Participant, feed: str | None) -> tuple[str, str]:
        """Text and HTML rendered from the templates with ``participant``'s own values: what
        :meth:`to` gives them, the slow way."""
        return self._render(participant, rsvp_url(participant), feed, webcal_url(feed) if feed else None)

    def to(self, participant: Participant, feed: str | None,
           delegation: tuple[str | None, str | None] = (None, None)) -> Content:
        """The letter for one participant, whose personal feed is at ``feed``; ``delegation`` is the
        mailbox they sent in their place and the one they stand in for (either may be None)."""
        link = rsvp_url(participant)
        values = {_NAME: participant.name or participant.email, _EMAIL: participant.email, _LINK: link,
                  _FEED: feed or "", _WEBCAL: webcal_url(feed) if feed else ""}
        text, html = self.text, self.html
        for mark, value in values.items():
            text = text.replace(mark, value)
            html = html.replace(mark, escape(value))
        if self.calendar is None:
            return Content(subject=self.subject, text_body=text, html_body=html)
        delegated_to, delegated_from = delegation
        ics = self.calendar.for_participant(participant, link, delegated_to=delegated_to,
                                            delegated_from=delegated_from, reply_address=reply_address(participant))
        return Content(subject=self.subject, text_body=text, html_body=html, ics=ics.decode("utf-8"),
                       ics_method=self.method)


def send_decline_counter(proposal, comment: str | None) -> None:
    """Queue the organiser's "no" to a proposal of another time (:class:`~meetings.invitations.models.TimeProposal`):
    an iTIP DECLINECOUNTER at the meeting's current SEQUENCE, with a few words in the proposer's
    language saying the meeting stays where it is (and ``comment``, the organiser's own words).

    Not marked Auto-Submitted: it answers what a person proposed, and their calendar should
    show it to them.
    """
    participant, config = proposal.participant, current_app.config
    language = participant.language or proposal.meeting.language or "en"
    meeting = in_language(proposal.meeting, language)
    with force_locale(language):
        context = dict(meeting=meeting, participant=participant, proposal=proposal, comment=comment,
                       rsvp_url=rsvp_url(participant), language=language)
        text_body = render_template("emails/declinecounter.txt", **context)
        html_body = render_template("emails/declinecounter.html", **context)
        subject = _("Proposal of another time declined: %(title)s", title=meeting.title)
    # Their reply address as ORGANIZER and Reply-To, as in their invitation: a new proposal
    # from their calendar comes back as theirs.
    replies_to = reply_address(participant)
    ics = decline_counter(meeting, participant, organizer_email=replies_to or config["ORGANIZER_EMAIL"],
                          organizer_name=config["ORGANIZER_NAME"], language=language,
                          sequence=meeting.sequence, comment=comment)
    queue_email(to_email=participant.email, to_name=participant.name, subject=subject, text_body=text_body,
                html_body=inline_css(html_body), ics=ics.decode("utf-8"), ics_method="DECLINECOUNTER",
                kind="declinecounter", language=language, meeting_id=meeting.id, participant_id=participant.id,
                dedupe_key=f"declinecounter:{proposal.id}", reply_to=replies_to)
