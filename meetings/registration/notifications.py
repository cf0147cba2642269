"""One function per registration email: confirm your address, you are registered (or waiting),
you moved up, your registration is cancelled, your link again, you are already on the list.

Each renders its paired .txt/.html templates in the person's language and queues
the message in the outbox within the caller's transaction; those about a seat
carry the meeting as an iTIP REQUEST (or CANCEL) from the one calendar builder.
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from meetings.calendar import personal
from meetings.calendar.builder import invitation as invitation_ics
from meetings.core.routing import absolute_url
from meetings.events.languages import in_language
from meetings.events.queries import agenda_schedule
from meetings.events.services import record_sent_details
from meetings.mail.outbox import queue_email
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus
from meetings.participants.services import SentBy


def manage_url(participant: Participant) -> str:
    """The registrant's personal page, as an absolute address for emails."""
    return absolute_url("registration.manage", token=participant.token)


def confirm_url(participant: Participant) -> str:
    """Where a registrant confirms their address."""
    return absolute_url("registration.confirm", token=participant.token)


def _queue(participant: Participant, *, kind: str, template: str, subject, method: str | None = None,
           dedupe_key: str | None = None, **extra) -> None:
    """Write and queue one email; ``subject`` takes the meeting in the person's language."""
    language = participant.language or participant.meeting.language or "en"
    # Title, description and agenda in the person's language where the organiser gave them.
    meeting = in_language(participant.meeting, language)
    config = current_app.config
    link = manage_url(participant)
    schedule = agenda_schedule(meeting)
    # Made here, before the templates render (they only read): the email links to the feed.
    feed = personal.feed_url(participant.contact) if participant.contact is not None else None
    ics = None
    with force_locale(language):
        context = dict(meeting=meeting, participant=participant, manage_url=link, schedule=schedule,
                       language=language, meeting_url=absolute_url("events_public.detail", slug=meeting.slug),
                       feed_url=feed, **extra)
        text_body = render_template(f"emails/{template}.txt", **context)
        html_body = render_template(f"emails/{template}.html", **context)
        title = subject(meeting)
        if method:
            # The person's calendar remembers this SEQUENCE: a later CANCEL or REQUEST must rise above it.
            participant.sent_sequence = meeting.sequence
            if method == "REQUEST" and meeting.sent_fingerprint is None:
                # From now on a change of time, place or agenda is offered as an update.
                record_sent_details(meeting.original)
            ics = invitation_ics(meeting, participant, method=method, organizer_email=config["ORGANIZER_EMAIL"],
                                 organizer_name=config["ORGANIZER_NAME"], base_url=config["BASE_URL"],
                                 rsvp_url=link, sequence=meeting.sequence, agenda=schedule,
                                 language=language).decode("utf-8")
    queue_email(to_email=participant.email, to_name=participant.name, subject=title, text_body=text_body,
                html_body=html_body, ics=ics, ics_method=method, kind=kind, language=language,
                meeting_id=meeting.id, participant_id=participant.id, dedupe_key=dedupe_key)


def send_confirmation_request(participant: Participant) -> None:
    """Queue the double opt-in email with the confirmation link (no calendar yet)."""
    _queue(participant, kind="registration_confirm", template="registration_confirm",
           subject=lambda meeting: _("Please confirm your registration: %(title)s", title=meeting.title),
           confirm_url=confirm_url(participant))


def send_confirmed(participant: Participant) -> None:
    """Queue "you are registered" with the invitation (iTIP REQUEST), or "you are on the
    waiting list, number N" without one: a waiting place is not yet a calendar entry."""
    def subject(meeting) -> str:
        if participant.status == ParticipantStatus.WAITING:
            return _("Waiting list, number %(position)d: %(title)s",
                     position=participant.waitlist_position or 0, title=meeting.title)
        return _("You are registered: %(title)s", title=meeting.title)

    _queue(participant, kind="registration_confirmed", template="registration_confirmed", subject=subject,
           method="REQUEST" if participant.status == ParticipantStatus.REGISTERED else None)


def send_promoted(participant: Participant) -> None:
    """Queue "a seat became free, you are registered now", with the invitation."""
    _queue(participant, kind="registration_promoted", template="registration_promoted",
           subject=lambda meeting: _("A place became free: you are registered for %(title)s", title=meeting.title),
           method="REQUEST")


def send_cancelled(participant: Participant, *, with_calendar: bool) -> None:
    """Queue the cancellation of a registration; ``with_calendar`` adds an iTIP CANCEL that
    takes the entry out of the person's calendar (only someone who held a seat has one)."""
    _queue(participant, kind="registration_cancelled", template="registration_cancelled",
           subject=lambda meeting: _("Registration cancelled: %(title)s", title=meeting.title),
           method="CANCEL" if with_calendar else None, had_calendar=with_calendar)


def personal_link(participant: Participant) -> str | None:
    """The person's own page for the meeting: the confirmation link while pending, the manage
    page once confirmed, the answer page for an invitee; None for a walk-in (no page)."""
    if participant.kind == ParticipantKind.REGISTRANT:
        return confirm_url(participant) if participant.status == ParticipantStatus.PENDING else manage_url(participant)
    if participant.kind == ParticipantKind.INVITEE:
        return absolute_url("rsvp.answer", token=participant.token)
    return None


def send_link(participant: Participant) -> None:
    """Queue the person's personal link again (``personal_link``)."""
    _queue(participant, kind="registration_link", template="registration_link",
           subject=lambda meeting: _("Your link for %(title)s", title=meeting.title),
           link=personal_link(participant))


def send_already_on_list(participant: Participant, *, asked_by: SentBy | None = None) -> None:
    """Queue "this address is already on the list, here is your link" to the address's owner.

    Sent instead of telling whoever typed the address (the public form, or an invitee
    naming a colleague, ``asked_by``, whose message is passed on) that it is known: the pages answer the same
    whether or not it was, and only the owner learns that it was.
    """
    def subject(meeting) -> str:
        if participant.status == ParticipantStatus.CANCELLED:
            return _("Your link for %(title)s", title=meeting.title)
        return _("You are already on the list: %(title)s", title=meeting.title)

    _queue(participant, kind="registration_already", template="registration_already", subject=subject,
           link=personal_link(participant), asked_by=asked_by)
