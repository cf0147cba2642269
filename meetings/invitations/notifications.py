"""One function per invitation email: invitation, update, reminder, cancellation.

Each renders its paired .txt/.html templates in the participant's own language,
builds the calendar part with the one iCalendar builder, and queues the message
in the outbox within the caller's transaction.
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from meetings.calendar.builder import invitation as invitation_ics
from meetings.core.routing import absolute_url
from meetings.events.models import Meeting
from meetings.events.queries import agenda_schedule
from meetings.mail.outbox import queue_email
from meetings.participants.models import Participant


def rsvp_url(participant: Participant) -> str:
    """The participant's personal answer page, as an absolute address for emails."""
    return absolute_url("rsvp.answer", token=participant.token)


def _queue(participant: Participant, *, kind: str, method: str, template: str, subject: str,
           note: str | None, sequence: int, dedupe_key: str | None) -> None:
    meeting: Meeting = participant.meeting
    language = participant.language or meeting.language or "en"
    config = current_app.config
    link = rsvp_url(participant)
    schedule = agenda_schedule(meeting)
    with force_locale(language):
        context = dict(meeting=meeting, participant=participant, rsvp_url=link, note=note,
                       schedule=schedule, language=language, kind=kind,
                       meeting_url=absolute_url("events_public.detail", slug=meeting.slug)
                       if meeting.is_public else None)
        text_body = render_template(f"emails/{template}.txt", **context)
        html_body = render_template(f"emails/{template}.html", **context)
        ics = invitation_ics(meeting, participant, method=method,
                             organizer_email=config["ORGANIZER_EMAIL"], organizer_name=config.get("ORGANIZER_NAME"),
                             base_url=config["BASE_URL"], rsvp_url=link, sequence=sequence, agenda=schedule,
                             language=language, message=note)
    queue_email(to_email=participant.email, to_name=participant.name, subject=subject, text_body=text_body,
                html_body=html_body, ics=ics.decode("utf-8"), ics_method=method, kind=kind, language=language,
                meeting_id=meeting.id, participant_id=participant.id, dedupe_key=dedupe_key)


def send_invitation(participant: Participant) -> None:
    """Queue the first invitation (iTIP REQUEST) to one participant."""
    meeting = participant.meeting
    with force_locale(participant.language or "en"):
        subject = _("Invitation: %(title)s", title=meeting.title)
    _queue(participant, kind="invitation", method="REQUEST", template="invitation", subject=subject,
           note=None, sequence=meeting.sequence, dedupe_key=f"invitation:{participant.id}:{meeting.sequence}")


def send_update(participant: Participant, note: str | None) -> None:
    """Queue an update (REQUEST, same UID, the meeting's new SEQUENCE) to one participant."""
    meeting = participant.meeting
    with force_locale(participant.language or "en"):
        subject = _("Updated: %(title)s", title=meeting.title)
    _queue(participant, kind="update", method="REQUEST", template="update", subject=subject,
           note=note, sequence=meeting.sequence, dedupe_key=f"update:{participant.id}:{meeting.sequence}")


def send_reminder(participant: Participant, day_key: str) -> None:
    """Queue a reminder to answer (REQUEST at the current SEQUENCE), at most one per person per day."""
    meeting = participant.meeting
    with force_locale(participant.language or "en"):
        subject = _("Reminder: please answer the invitation to %(title)s", title=meeting.title)
    _queue(participant, kind="reminder", method="REQUEST", template="reminder", subject=subject,
           note=None, sequence=meeting.sequence, dedupe_key=f"reminder:{participant.id}:{day_key}")


def send_cancellation(participant: Participant, note: str | None, *, removed: bool) -> None:
    """Queue an iTIP CANCEL to one participant: the meeting is cancelled, or they were taken off the list."""
    meeting = participant.meeting
    with force_locale(participant.language or "en"):
        subject = (_("No longer invited: %(title)s", title=meeting.title) if removed
                   else _("Cancelled: %(title)s", title=meeting.title))
    _queue(participant, kind="removal" if removed else "cancellation", method="CANCEL",
           template="removal" if removed else "cancellation", subject=subject, note=note,
           sequence=meeting.sequence, dedupe_key=f"cancel:{participant.id}:{meeting.sequence}")
