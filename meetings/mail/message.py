"""The bytes of an email, built from an outbox row with the standard ``email`` package.

With a calendar, the tree is the one every calendar client recognises as an
invitation (RFC 6047)::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html                      (when there is HTML)
        text/calendar; method=REQUEST  (no Content-Disposition)
      application/ics  invite.ics      (the same calendar, as an attachment)

Without a calendar: multipart/alternative (text and HTML) or plain text.
Flask-Mail builds its own tree and drops the ``method`` parameter, so the tree is
built here and handed to Flask-Mail's connection inside :class:`OutboxMail`.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime
from email.charset import QP, Charset
from email.errors import HeaderParseError
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, Message, MIMEPart
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTPUTF8, compat32
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache, lru_cache
from typing import Protocol

from flask_mail import Message as FlaskMailMessage

from meetings.core.types import utcnow

ATTACHMENT_NAME = "invite.ics"
ICS_METHODS = ("PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER")
# Line breaks of every kind (CR, LF, NEL, U+2028/9) and other control characters.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_NOT_IN_ADDRESS = set(" <>,;:\"()[]\\")
_METHOD_LINE = re.compile(r"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)
# Classic email objects written with CRLF line ends, as SMTP wants them.
WIRE = compat32.clone(linesep="\r\n")


class AddressError(ValueError):
    """The text is not one plain mailbox address (``local@domain``)."""


class MailContent(Protocol):
    """What the builder reads: an :class:`OutboxMessage` or a snapshot of one."""

    to_email: str
    to_name: str | None
    reply_to: str | None
    subject: str
    text_body: str
    html_body: str | None
    ics: str | None
    ics_method: str | None
    language: str
    message_id: str


def one_line(value: str | None) -> str:
    """``value`` as one header-safe line: control characters and runs of space become one space.

    A name or subject holding CR/LF can then never start a header of its own.
    """
    if not value:
        return ""
    return " ".join(_CONTROL.sub(" ", value).split())


# Addresses this plain are certainly one mailbox; anything else takes the full parse below.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9_+-])?@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                            r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+")


def check_address(value: str) -> str:
    """Return ``value`` stripped if it is one plain mailbox; raise :class:`AddressError` otherwise.

    Refuses display names, lists, comments, white space and control characters,
    so an address can never carry a second recipient or a header.
    """
    address = (value or "").strip()
    if len(address) <= 254 and ".." not in address and _PLAIN_ADDRESS.fullmatch(address):
        return address
    if not address or len(address) > 254 or _CONTROL.search(address) or _NOT_IN_ADDRESS & set(address):
        raise AddressError(f"not a single email address: {value!r}")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or "@" in local or domain.startswith(".") or ".." in address:
        raise AddressError(f"not a single email address: {value!r}")
    try:
        # Checked in ASCII form: the parser flags any non-ASCII local part, which
        # SMTPUTF8 allows (letters in names like jörg@...).
        ascii_local = "".join(c if c.isascii() else "x" for c in local)
        Address(addr_spec=f"{ascii_local}@{ascii_domain(domain)}")
    except (UnicodeError, HeaderParseError, ValueError, IndexError) as exc:
        raise AddressError(f"not a single email address: {value!r}") from exc
    return address


def ascii_domain(domain: str) -> str:
    """The domain in its ASCII (IDNA) form, as SMTP and headers need it."""
    return domain if domain.isascii() else domain.encode("idna").decode("ascii")


def envelope_address(address: str) -> str:
    """The address as given to RCPT TO: the domain in IDNA form."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{ascii_domain(domain)}"


def needs_smtputf8(address: str) -> bool:
    """A non-ASCII local part can only travel with the SMTPUTF8 extension."""
    return not address.rpartition("@")[0].isascii()


@lru_cache(maxsize=16)
def sender_parts(sender: str | tuple[str, str] | None) -> tuple[str, str]:
    """(name, address) of MAIL_DEFAULT_SENDER, written as ``Name <addr>`` or a bare address."""
    if isinstance(sender, tuple):
        name, address = sender
    else:
        name, address = parseaddr(sender or "")
    return one_line(name), check_address(address)


def new_message_id(sender: str | tuple[str, str] | None) -> str:
    """A globally unique Message-ID on the sender's domain, fixed when the email is queued."""
    _, address = sender_parts(sender)
    return f"<{uuid.uuid4().hex}@{ascii_domain(address.rpartition('@')[2])}>"


def calendar_method(ics: str) -> str | None:
    """The METHOD property of an iCalendar text, upper case, if it has one."""
    match = _METHOD_LINE.search(ics)
    return match.group(1).upper() if match else None


@cache
def _inliner():
    import css_inline

    # Never fetch stylesheets from the network while rendering a message.
    return css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


def inline_css(html: str) -> str:
    """Move the rules of ``<style>`` blocks onto the elements: Gmail and Outlook drop most blocks."""
    if not re.search(r"<style\b", html, re.IGNORECASE):
        return html
    return _inliner().inline(html)


def build_mime(content: MailContent, *, sender: str | tuple[str, str] | None,
               date: datetime | None = None) -> Message:
    """The complete email for ``content``, one recipient, headers encoded for SMTP (CRLF lines).

    Raises :class:`AddressError` when the recipient or sender is not a plain address.
    """
    return _build_for(content, check_address(content.to_email), sender, date)


def _build_for(content: MailContent, to_address: str, sender: str | tuple[str, str] | None,
               date: datetime | None) -> Message:
    sender_name, sender_address = sender_parts(sender)
    if needs_smtputf8(to_address):
        return _build_utf8(content, to_address, sender_name, sender_address, date)
    return _build(content, to_address, sender_name, sender_address, date)


def _address_header(name: str, address: str, header_name: str) -> str | Header:
    if name.isascii():
        return formataddr((name, address))  # quotes and escapes specials
    # Encoded words, split to the 75-octet limit, then the address as plain ASCII.
    header = Header(header_name=header_name)
    header.append(name, "utf-8")
    header.append(f"<{address}>", "us-ascii")
    return header


def _headers(content: MailContent, date: datetime | None) -> list[tuple[str, str]]:
    headers = [("Date", format_datetime(date or utcnow())), ("Message-ID", one_line(content.message_id))]
    if not content.ics:
        # RFC 3834: no automatic replies to notices; invitations expect a calendar reply.
        headers.append(("Auto-Submitted", "auto-generated"))
    return headers


def _quoted_printable() -> Charset:
    charset = Charset("utf-8")
    charset.body_encoding = QP
    return charset


def _boundary() -> str:
    # "=_" never occurs in quoted-printable or base64 text, so the boundary cannot
    # collide with a body, and the generator need not search every body for it.
    return f"=_{uuid.uuid4().hex}"


def _text(text: str, subtype: str, charset: Charset | str) -> MIMEText:
    part = MIMEText(text, subtype, charset, policy=WIRE)
    del part["MIME-Version"]
    return part


def _build(content: MailContent, to_address: str, sender_name: str, sender_address: str,
           date: datetime | None) -> Message:
    # The classic (compat32) email classes: the same tree as the modern API, several times faster.
    qp = _quoted_printable()
    if content.html_body or content.ics:
        alternative = MIMEMultipart("alternative", policy=WIRE, boundary=_boundary())
        alternative.attach(_text(content.text_body, "plain", qp))
        if content.html_body:
            alternative.attach(_text(content.html_body, "html", qp))
        if content.ics:
            method = content.ics_method or calendar_method(content.ics)
            calendar = _text(content.ics, "calendar", "utf-8")  # base64
            if method:
                calendar.set_param("method", method)
            # The iMIP part lives inside the alternative, with no Content-Disposition.
            alternative.attach(calendar)
            msg = MIMEMultipart("mixed", policy=WIRE, boundary=_boundary())
            del alternative["MIME-Version"]
            msg.attach(alternative)
            attachment = MIMEApplication(content.ics.encode("utf-8"), "ics", policy=WIRE, name=ATTACHMENT_NAME)
            del attachment["MIME-Version"]
            attachment.add_header("Content-Disposition", "attachment", filename=ATTACHMENT_NAME)
            msg.attach(attachment)
        else:
            msg = alternative
    else:
        msg = MIMEText(content.text_body, "plain", qp, policy=WIRE)
    subject = one_line(content.subject)
    values = [
        ("From", _address_header(sender_name, sender_address, "From")),
        ("To", _address_header(one_line(content.to_name), envelope_address(to_address), "To")),
        ("Subject", subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject")),
        *_headers(content, date),
        ("Content-Language", one_line(content.language) or "en"),
    ]
    if content.reply_to:
        values.insert(2, ("Reply-To", envelope_address(check_address(content.reply_to))))
    for name, value in values:
        if isinstance(value, str) and _CONTROL.search(value):
            raise ValueError(f"line break in the {name} header")  # one_line() makes this unreachable
        msg[name] = value
    return msg


def _build_utf8(content: MailContent, to_address: str, sender_name: str, sender_address: str,
                date: datetime | None) -> EmailMessage:
    # A non-ASCII mailbox needs raw UTF-8 headers (RFC 6532): the modern API writes them.
    msg = EmailMessage(policy=SMTPUTF8)
    msg["From"] = Address(display_name=sender_name, addr_spec=sender_address)
    local, _, domain = to_address.rpartition("@")
    msg["To"] = Address(display_name=one_line(content.to_name), username=local, domain=domain)
    if content.reply_to:
        msg["Reply-To"] = Address(addr_spec=envelope_address(check_address(content.reply_to)))
    msg["Subject"] = one_line(content.subject)
    for name, value in _headers(content, date):
        msg[name] = value
    msg["MIME-Version"] = "1.0"
    if content.html_body or content.ics:
        alternative = msg
        if content.ics:
            alternative = MIMEPart(policy=msg.policy)
            msg.make_mixed()
            msg.attach(alternative)
        alternative.make_alternative()
        alternative.attach(_part(msg.policy, content.text_body, "plain"))
        if content.html_body:
            alternative.attach(_part(msg.policy, content.html_body, "html"))
        if content.ics:
            method = content.ics_method or calendar_method(content.ics)
            alternative.attach(_part(msg.policy, content.ics, "calendar", cte="base64",
                                     params={"method": method} if method else None))
            attachment = MIMEPart(policy=msg.policy)
            attachment.set_content(content.ics.encode("utf-8"), maintype="application", subtype="ics",
                                   filename=ATTACHMENT_NAME, params={"name": ATTACHMENT_NAME})
            msg.attach(attachment)
    else:
        msg.set_content(content.text_body, subtype="plain", charset="utf-8", cte="quoted-printable")
    # Set last: the email package moves Content-* headers into parts when it makes a multipart.
    msg["Content-Language"] = one_line(content.language) or "en"
    return msg


def _part(policy, text: str, subtype: str, *, cte: str = "quoted-printable",
          params: dict | None = None) -> MIMEPart:
    part = MIMEPart(policy=policy)
    part.set_content(text, subtype=subtype, charset="utf-8", cte=cte, params=params)
    return part


class OutboxMail(FlaskMailMessage):
    """A Flask-Mail message carrying a tree built by :func:`build_mime`.

    ``Connection.send`` checks the headers, emits ``email_dispatched`` (so
    ``mail.record_messages()`` works) and sends ``as_bytes()``, which is our tree.
    """

    def __init__(self, mime: Message, *, envelope_to: str, sender: str, smtputf8: bool = False):
        super().__init__(subject=str(mime["Subject"]), recipients=[envelope_to], sender=sender,
                         mail_options=["SMTPUTF8"] if smtputf8 else None)
        self.msgId = str(mime["Message-ID"])
        self.mime = mime

    def _message(self) -> Message:  # type: ignore[override]
        return self.mime

    @classmethod
    def from_content(cls, content: MailContent, *, sender: str | tuple[str, str] | None,
                     date: datetime | None = None) -> "OutboxMail":
        """Build the tree for ``content`` and wrap it for Flask-Mail."""
        address = check_address(content.to_email)
        mime = _build_for(content, address, sender, date)
        _, sender_address = sender_parts(sender)
        return cls(mime, envelope_to=envelope_address(address), sender=envelope_address(sender_address),
                   smtputf8=needs_smtputf8(address))
