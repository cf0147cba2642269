"""The email telling those who attended that the meeting's post is out."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from meetings.blog.models import Post
from meetings.core.routing import absolute_url
from meetings.core.types import utcnow
from meetings.mail.models import FAILED, OutboxMessage
from meetings.mail.outbox import OutboxError, hold_until, queue_email, reinstate, withdraw
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
    key = f"{_dedupe_prefix(post)}{participant.id}"
    try:
        message = queue_email(to_email=participant.email, to_name=participant.name, subject=subject,
                              text_body=text_body, html_body=html_body, kind=KIND,
                              language=language, meeting_id=meeting.id, participant_id=participant.id,
                              dedupe_key=key)
    except OutboxError:
        return None
    if message.status == FAILED:  # held back when the post was taken off the blog?
        reinstate(kind=KIND, dedupe_key=key, reason=WITHDRAWN)
    hold_until(post.published_at or utcnow(), kind=KIND, dedupe_key=key)
    return message


def follow_post_schedule(post: Post) -> int:
    """Keep the post's waiting emails in step with it: due when the post appears, or held
    back (failed, with the reason shown in the outbox) once it is a draft again. Emails
    already tried or sent are left alone. Flushes; returns how many were changed."""
    if post.published_at is None:
        return withdraw(kind=KIND, key_prefix=_dedupe_prefix(post), reason=WITHDRAWN)
    return hold_until(post.published_at, kind=KIND, key_prefix=_dedupe_prefix(post))
