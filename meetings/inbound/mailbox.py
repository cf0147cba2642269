"""Mail without a calendar part that reaches a reply address: what a person wrote is passed
on to the organisers, automatic replies are only recorded (RFC 3834: never answered), and
delivery reports (RFC 3464) mark the address that bounced."""
from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from meetings.inbound.handlers import handles, record
from meetings.inbound.models import InboundMessage
from meetings.inbound.parsing import Parsed, reply_token
from meetings.inbound.states import InboundState, Reason
from meetings.mail.message import AddressError, check_address, inline_css, sender_parts
from meetings.mail.outbox import queue_email
from meetings.participants.models import REPLY_TOKEN_SHAPE, Participant
from meetings.participants.services import mark_address_bouncing, mark_bouncing, participant_by_reply_token


def _own_addresses() -> set[str]:
    config = current_app.config
    addresses = {config["ORGANIZER_EMAIL"] or "", config["INBOUND_ADDRESS"] or ""}
    try:
        addresses.add(sender_parts(config["MAIL_DEFAULT_SENDER"])[1])
    except (AddressError, ValueError):
        pass
    return {a.strip().lower() for a in addresses if a}


@handles("plain")
def forward(message: InboundMessage, parsed: Parsed, participant: Participant | None) -> None:
    """A person wrote to a reply address ("I'll be ten minutes late"): the mail goes to the
    organisers (ORGANIZER_EMAIL) through the outbox, with the original attached, its subject
    and sender shown, and Reply-To the sender so that answering reaches them."""
    sender = (parsed.sender or "").lower()
    if sender in _own_addresses() or sender.partition("@")[0] in ("mailer-daemon", "postmaster"):
        # Our own mail coming back, or a mail system writing: passing it on could loop.
        return record(message, Reason.NOT_FORWARDED, parsed.sender)
    try:
        reply_to = check_address(parsed.sender) if parsed.sender else None
    except AddressError:
        reply_to = None
    config = current_app.config
    language = config["BABEL_DEFAULT_LOCALE"]
    meeting = participant.meeting if participant is not None else None
    with force_locale(language):
        context = dict(parsed=parsed, participant=participant, meeting=meeting, language=language)
        text_body = render_template("emails/inbound_forward.txt", **context)
        html_body = inline_css(render_template("emails/inbound_forward.html", **context))
        who = parsed.sender_name or parsed.sender or _("unknown sender")
        subject = _("Message from %(name)s: %(subject)s", name=who, subject=parsed.subject or _("(no subject)"))
    queue_email(to_email=config["ORGANIZER_EMAIL"], to_name=config["ORGANIZER_NAME"], subject=subject,
                text_body=text_body, html_body=html_body, kind="inbound_forward", language=language,
                meeting_id=meeting.id if meeting is not None else None,
                participant_id=participant.id if participant is not None else None,
                dedupe_key=f"inbound-forward:{message.message_id}"[:255], reply_to=reply_to,
                attached_message=message.raw)
    message.participant, message.meeting = participant, meeting
    message.state, message.reason, message.detail = InboundState.FORWARDED, Reason.FORWARDED, config["ORGANIZER_EMAIL"]


@handles("auto")
def automatic(message: InboundMessage, parsed: Parsed, participant: Participant | None) -> None:
    """An automatic reply (out of office, Auto-Submitted): kept, never passed on, never answered."""
    message.participant = participant
    message.meeting = participant.meeting if participant is not None else None
    record(message, Reason.AUTO_REPLY, parsed.subject)


@dataclass(frozen=True)
class Failure:
    """One recipient a delivery report says could not be reached."""

    address: str
    status: str | None
    diagnostic: str | None

    @property
    def detail(self) -> str:
        return " ".join(part for part in (self.status, self.diagnostic) if part)


_ADDRESS_TYPE = re.compile(r"^\s*[A-Za-z0-9-]+\s*;\s*")


def _field(block: Message, name: str) -> str | None:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else None


def failures(raw: bytes) -> tuple[list[Failure], str | None]:
    """The recipients a delivery report (RFC 3464) names as failed (Action: failed; a delay is
    not a bounce), and the reply token found in the returned message's headers, if any."""
    report = message_from_bytes(raw, policy=policy.compat32)
    found: list[Failure] = []
    token = None
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            blocks = part.get_payload()
            if isinstance(blocks, str):
                # Some servers write it base64 or quoted-printable: read the decoded fields.
                text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
                blocks = [message_from_bytes(chunk.encode("utf-8"), policy=policy.compat32)
                          for chunk in re.split(r"\r?\n\r?\n", text) if chunk.strip()]
            for block in blocks or []:
                action = (_field(block, "Action") or "").lower()
                recipient = _field(block, "Final-Recipient") or _field(block, "Original-Recipient")
                if action != "failed" or not recipient:
                    continue
                address = _ADDRESS_TYPE.sub("", recipient).strip().strip("<>").lower()
                if "@" in address:
                    found.append(Failure(address, _field(block, "Status"), _field(block, "Diagnostic-Code")))
        elif kind in ("message/rfc822", "text/rfc822-headers") and token is None:
            returned = part.get_payload(0) if kind == "message/rfc822" and part.is_multipart() else \
                message_from_bytes(part.get_payload(decode=True) or b"", policy=policy.compat32)
            addresses = [str(returned.get(name) or "") for name in ("Reply-To", "From", "Sender")]
            token = reply_token(addresses, current_app.config["INBOUND_ADDRESS"])
    return found, token if token and REPLY_TOKEN_SHAPE.fullmatch(token) else None


@handles("bounce")
def bounce(message: InboundMessage, parsed: Parsed, participant: Participant | None) -> None:
    """A delivery report: the address that failed is marked bouncing, for the participant whose
    reply address the returned message carried, else wherever the address is on an open list
    and on its contact. Shown on the responses page and the contact; cleared when they answer."""
    found, token = failures(message.raw)
    if not found:
        return record(message, Reason.BOUNCE_UNMATCHED, "no failed recipient in the report")
    owner = participant or (participant_by_reply_token(token) if token else None)
    marked = 0
    for failure in found:
        if owner is not None and (owner.email or "").lower() == failure.address:
            mark_bouncing(owner, failure.detail)
            message.participant, message.meeting = owner, owner.meeting
            marked += 1
        else:
            marked += mark_address_bouncing(failure.address, failure.detail)
    addresses = ", ".join(f.address for f in found)
    if not marked:
        return record(message, Reason.BOUNCE_UNMATCHED, addresses)
    message.state, message.reason, message.detail = InboundState.APPLIED, Reason.BOUNCED, addresses
