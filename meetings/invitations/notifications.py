"""One function per invitation email: invitation, update, reminder, cancellation, removal.

Each queues its messages in the outbox within the caller's transaction, one row
per invitee written with one statement, so sending to a thousand people takes
no longer than the commit. Their content (paired .txt/.html templates in the
participant's own language, and the calendar part from the one iCalendar
builder) is written by :func:`prepare` when the outbox delivers or shows them.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetings.calendar.builder import invitation as invitation_ics
from meetings.core.routing import absolute_url
from meetings.events.models import Meeting
from meetings.events.queries import agenda_schedule
from meetings.extensions import db
from meetings.mail.models import OutboxMessage
from meetings.mail.outbox import Content, Recipient, queue_later
from meetings.participants.models import Participant


@dataclass(frozen=True)
class Kind:
    """How one kind of invitation email is written."""

    method: str
    template: str
    subject: Callable[[str], str]  # the meeting's title -> the subject, in the current locale


KINDS = {
    "invitation": Kind("REQUEST", "invitation", lambda title: _("Invitation: %(title)s", title=title)),
    "update": Kind("REQUEST", "update", lambda title: _("Updated: %(title)s", title=title)),
    "reminder": Kind("REQUEST", "reminder",
                     lambda title: _("Reminder: please answer the invitation to %(title)s", title=title)),
    "cancellation": Kind("CANCEL", "cancellation", lambda title: _("Cancelled: %(title)s", title=title)),
    "removal": Kind("CANCEL", "removal", lambda title: _("No longer invited: %(title)s", title=title)),
}


def rsvp_url(participant: Participant) -> str:
    """The participant's personal page, as an absolute address for emails: the answer page
    of an invitee, the registration page of a registrant."""
    endpoint = "registration.manage" if participant.kind == "registrant" else "rsvp.answer"
    return absolute_url(endpoint, token=participant.token)


def _queue(kind: str, participants: Iterable[Participant], *, sequence: int, key: str,
           note: str | None = None) -> None:
    args = {"sequence": sequence, **({"note": note} if note else {})}
    queue_later(kind, [
        Recipient(to_email=p.email, to_name=p.name, language=p.language or "en", meeting_id=p.meeting_id,
                  participant_id=p.id, dedupe_key=f"{kind}:{p.id}:{key}", args=args)
        for p in participants])


def send_invitations(participants: list[Participant], meeting: Meeting) -> None:
    """Queue the first invitation (iTIP REQUEST at the meeting's SEQUENCE) to each participant."""
    _queue("invitation", participants, sequence=meeting.sequence, key=str(meeting.sequence))


def send_updates(participants: list[Participant], meeting: Meeting, note: str | None) -> None:
    """Queue an update (REQUEST, same UID, the meeting's new SEQUENCE, the organiser's note) to each."""
    _queue("update", participants, sequence=meeting.sequence, key=str(meeting.sequence), note=note)


def send_reminders(participants: list[Participant], meeting: Meeting, day_key: str) -> None:
    """Queue a reminder to answer (REQUEST at the current SEQUENCE), at most one per person per day."""
    _queue("reminder", participants, sequence=meeting.sequence, key=day_key)


def send_cancellations(participants: list[Participant], meeting: Meeting, note: str | None, *,
                       removed: bool) -> None:
    """Queue an iTIP CANCEL to each: the meeting is cancelled, or they were taken off the list."""
    _queue("removal" if removed else "cancellation", participants, sequence=meeting.sequence,
           key=str(meeting.sequence), note=note)


def prepare(messages: list[OutboxMessage]) -> dict[int, Content | str]:
    """Write the invitation emails queued by the functions above, each in its recipient's language.

    Participants, meetings, venues and agendas are loaded once for the whole batch,
    and each meeting's schedule is computed once.
    """
    ids = {m.participant_id for m in messages if m.participant_id is not None}
    people = {p.id: p for p in db.session.scalars(
        select(Participant).where(Participant.id.in_(ids))
        .options(selectinload(Participant.meeting).selectinload(Meeting.venue),
                 selectinload(Participant.meeting).selectinload(Meeting.agenda_items)))}
    schedules: dict[int, list] = {}
    contents: dict[int, Content | str] = {}
    for message in messages:
        participant = people.get(message.participant_id)
        if participant is None:
            contents[message.id] = "the invitee is no longer on the list"
            continue
        meeting = participant.meeting
        if meeting.id not in schedules:
            schedules[meeting.id] = agenda_schedule(meeting)
        args = json.loads(message.prepare_args or "{}")
        contents[message.id] = _content(participant, KINDS[message.kind], message.kind, schedules[meeting.id],
                                        sequence=args.get("sequence", meeting.sequence), note=args.get("note"))
    return contents


def _content(participant: Participant, kind: Kind, name: str, schedule, *, sequence: int,
             note: str | None) -> Content:
    meeting = participant.meeting
    language = participant.language or meeting.language or "en"
    config = current_app.config
    link = rsvp_url(participant)
    with force_locale(language):
        context = dict(meeting=meeting, participant=participant, rsvp_url=link, note=note,
                       schedule=schedule, language=language, kind=name,
                       meeting_url=absolute_url("events_public.detail", slug=meeting.slug)
                       if meeting.is_public else None)
        subject = kind.subject(meeting.title)
        text_body = render_template(f"emails/{kind.template}.txt", **context)
        html_body = render_template(f"emails/{kind.template}.html", **context)
        ics = invitation_ics(meeting, participant, method=kind.method,
                             organizer_email=config["ORGANIZER_EMAIL"], organizer_name=config.get("ORGANIZER_NAME"),
                             base_url=config["BASE_URL"], rsvp_url=link, sequence=sequence, agenda=schedule,
                             language=language, message=note)
    return Content(subject=subject, text_body=text_body, html_body=html_body, ics=ics.decode("utf-8"),
                   ics_method=kind.method)
