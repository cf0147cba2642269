"""The email that circulates a meeting's minutes to one person recorded present."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from meetings.core.routing import absolute_url
from meetings.followup.models import MinutesReader, MinutesVersion
from meetings.mail.models import OutboxMessage
from meetings.mail.outbox import OutboxError, queue_email

KIND = "minutes_circulated"


def send_minutes_circulated(version: MinutesVersion, reader: MinutesReader) -> OutboxMessage | None:
    """Queue the circulated minutes to one reader, in their language, with their personal
    link to comment. Once per version and person; None for an unusable address."""
    meeting = version.meeting
    participant = reader.participant
    language = participant.language or "en"
    link = absolute_url("minutes_comments.comment", token=reader.token)
    with force_locale(language):
        subject = _("Minutes for your comments: %(meeting)s", meeting=meeting.title)
        context = dict(meeting=meeting, version=version, content=version.content, participant=participant,
                       comment_url=link, language=language)
        text_body = render_template("emails/minutes_circulated.txt", **context)
        html_body = render_template("emails/minutes_circulated.html", **context)
    try:
        return queue_email(to_email=participant.email, to_name=participant.name, subject=subject,
                           text_body=text_body, html_body=html_body, kind=KIND, language=language,
                           meeting_id=meeting.id, participant_id=participant.id,
                           dedupe_key=f"{KIND}:{version.id}:{participant.id}")
    except OutboxError:
        return None
