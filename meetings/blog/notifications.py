"""The email telling those who attended that the meeting's post is out."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from meetings.blog.models import Post
from meetings.core.routing import absolute_url
from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.mail.models import FAILED, QUEUED, OutboxMessage
from meetings.mail.outbox import OutboxError, queue_email
from meetings.participants.models import Participant

KIND = "post_published"
WITHDRAWN = "The post was taken off the blog before this email went out."


def _dedupe_prefix(post: Post) -> str:
    return f"{KIND}:{post.id}:"


def send_post_published(post: Post, participant: Participant) -> OutboxMessage | None:
    """Queue one email to an attendee, in their language, linking to the post. A scheduled
    post's email waits in the outbox until the post appears. None for an unusable address.

    Asking again for the same person queues nothing new; an email held back when the
    post was taken off the blog is queued again."""
    meeting = post.meeting
    language = participant.language or "en"
    link = absolute_url("blog.post", slug=post.slug)
    with force_locale(language):
        subject = _("Read about %(meeting)s: %(title)s", meeting=meeting.title, title=post.title)
        context = dict(post=post, meeting=meeting, participant=participant, post_url=link, language=language)
        text_body = render_template("emails/post_published.txt", **context)
        html_body = render_template("emails/post_published.html", **context)
    try:
        message = queue_email(to_email=participant.email, to_name=participant.name, subject=subject,
                              text_body=text_body, html_body=html_body, kind=KIND,
                              language=language, meeting_id=meeting.id, participant_id=participant.id,
                              dedupe_key=f"{_dedupe_prefix(post)}{participant.id}")
    except OutboxError:
        return None
    if message.status == FAILED and message.last_error == WITHDRAWN:
        message.status, message.last_error = QUEUED, None
    if message.status == QUEUED and message.attempts == 0:
        message.next_attempt_at = max(utcnow(), post.published_at or utcnow())
    db.session.flush()
    return message


def follow_post_schedule(post: Post) -> int:
    """Keep the post's waiting emails in step with it: due when the post appears, or held
    back (failed, with the reason shown in the outbox) once it is a draft again. Emails
    already tried or sent are left alone. Flushes; returns how many were changed."""
    waiting = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == KIND, OutboxMessage.dedupe_key.startswith(_dedupe_prefix(post), autoescape=True),
        OutboxMessage.status == QUEUED, OutboxMessage.attempts == 0))
    changed = 0
    for message in waiting:
        if post.published_at is None:
            message.status, message.next_attempt_at, message.last_error = FAILED, None, WITHDRAWN
        else:
            message.next_attempt_at = max(utcnow(), post.published_at)
        changed += 1
    db.session.flush()
    return changed
