"""One function per email of the contact form: the message to the cluster's mailbox, and
the acknowledgement to its sender in their language. Both are queued in the outbox within
the caller's transaction."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from meetings.core.routing import absolute_url
from meetings.mail.outbox import queue_email
from meetings.pages.models import ContactMessage

KIND_MESSAGE = "contact_message"
KIND_ACKNOWLEDGEMENT = "contact_acknowledgement"


def send_contact_message(message: ContactMessage) -> None:
    """The message to CONTACT_EMAIL, in the site's default language, answered by replying."""
    config = current_app.config
    language = config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        context = dict(message=message, language=language, meeting=None,
                       detail_url=absolute_url("pages_manage.message", contact_message_id=message.id))
        text_body = render_template("emails/contact_message.txt", **context)
        html_body = render_template("emails/contact_message.html", **context)
        subject = _("Contact form: %(subject)s", subject=message.subject)
    queue_email(to_email=config["CONTACT_EMAIL"], to_name=None, subject=subject, text_body=text_body,
                html_body=html_body, kind=KIND_MESSAGE, language=language, reply_to=message.email,
                dedupe_key=f"contact:{message.id}")


def send_contact_acknowledgement(message: ContactMessage) -> None:
    """A short "we received your message" to the sender, in the language they wrote in."""
    language = message.language
    with force_locale(language):
        context = dict(message=message, language=language, meeting=None, site_url=absolute_url("site.home"))
        text_body = render_template("emails/contact_received.txt", **context)
        html_body = render_template("emails/contact_received.html", **context)
        subject = _("We received your message: %(subject)s", subject=message.subject)
    queue_email(to_email=message.email, to_name=message.name, subject=subject, text_body=text_body,
                html_body=html_body, kind=KIND_ACKNOWLEDGEMENT, language=language,
                dedupe_key=f"contact-ack:{message.id}")
