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

import base64
import binascii
import re
import uuid
from datetime import datetime
from email.errors import HeaderParseError
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
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
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
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


def message_bytes(content: MailContent, *, sender: str | tuple[str, str] | None,
                  date: datetime | None = None) -> bytes:
    """The complete email for ``content``, one recipient, as it goes over SMTP (CRLF lines).

    Raises :class:`AddressError` when the recipient or sender is not a plain address.
    """
    return _bytes_for(content, check_address(content.to_email), sender, date)


def _bytes_for(content: MailContent, to_address: str, sender: str | tuple[str, str] | None,
               date: datetime | None) -> bytes:
    sender_name, sender_address = sender_parts(sender)
    if needs_smtputf8(to_address):
        return _build_utf8(content, to_address, sender_name, sender_address, date).as_bytes()
    return _write(content, to_address, sender_name, sender_address, date)


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


def _boundary() -> str:
    # "=_" never occurs in quoted-printable or base64 text, so the boundary cannot
    # collide with a body.
    return f"=_{uuid.uuid4().hex}"


def _header(name: str, value: str | Header) -> bytes:
    """One header, folded and encoded as the email package writes it (RFC 5322, RFC 2047)."""
    if isinstance(value, str) and value.isascii() and len(name) + len(value) <= 76:
        return f"{name}: {value}\r\n".encode("ascii")
    return WIRE.fold(name, value).encode("ascii")


def _crlf(text: str) -> bytes:
    if "\r" not in text:  # the usual case, many times faster than the expression
        return text.replace("\n", "\r\n").encode("utf-8")
    return _LINE_ENDS.sub("\r\n", text).encode("utf-8")


def _part(content_type: str, body: bytes, encoding: str, disposition: str | None = None) -> bytes:
    head = _header("Content-Type", content_type) + _header("Content-Transfer-Encoding", encoding)
    if disposition:
        head += _header("Content-Disposition", disposition)
    return head + b"\r\n" + body


def _quoted_printable(text: str) -> bytes:
    # binascii's encoder: soft breaks at 76, trailing white space encoded, and line ends
    # kept as the text's first one is, so a text without any gets CRLF soft breaks here.
    encoded = binascii.b2a_qp(_crlf(text), istext=True)
    return encoded if b"\r\n" in encoded else encoded.replace(b"\n", b"\r\n")


def _text_part(text: str, subtype: str) -> bytes:
    return _part(f'text/{subtype}; charset="utf-8"', _quoted_printable(text), "quoted-printable")


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    boundary = _boundary()
    delimiter = f"--{boundary}\r\n".encode("ascii")
    body = b"".join(delimiter + part + (b"" if part.endswith(b"\r\n") else b"\r\n") + b"\r\n"
                    for part in parts)
    return (_header("Content-Type", f'multipart/{subtype}; boundary="{boundary}"') + b"\r\n"
            + body + f"--{boundary}--\r\n".encode("ascii"))


def _write(content: MailContent, to_address: str, sender_name: str, sender_address: str,
           date: datetime | None) -> bytes:
    """The bytes of the tree in the module's docstring, written directly: the email package's
    generator would take longer than everything else about a message together."""
    if content.html_body or content.ics:
        parts = [_text_part(content.text_body, "plain")]
        if content.html_body:
            parts.append(_text_part(content.html_body, "html"))
        if content.ics:
            method = content.ics_method or calendar_method(content.ics)
            calendar_type = 'text/calendar; charset="utf-8"' + (f'; method="{method}"' if method else "")
            ics = _crlf(content.ics)
            # The iMIP part lives inside the alternative, with no Content-Disposition.
            parts.append(_part(calendar_type, ics, "7bit") if ics.isascii()
                         else _part(calendar_type, _base64(ics), "base64"))
            body = _multipart("mixed", [_multipart("alternative", parts),
                                        _part(f'application/ics; name="{ATTACHMENT_NAME}"', _base64(ics), "base64",
                                              f'attachment; filename="{ATTACHMENT_NAME}"')])
        else:
            body = _multipart("alternative", parts)
    else:
        body = _text_part(content.text_body, "plain")
    subject = one_line(content.subject)
    values = [
        ("MIME-Version", "1.0"),
        ("From", _address_header(sender_name, sender_address, "From")),
        ("To", _address_header(one_line(content.to_name), envelope_address(to_address), "To")),
        ("Subject", subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject")),
        *_headers(content, date),
        ("Content-Language", one_line(content.language) or "en"),
    ]
    if content.reply_to:
        values.insert(3, ("Reply-To", envelope_address(check_address(content.reply_to))))
    for name, value in values:
        if isinstance(value, str) and _CONTROL.search(value):
            raise ValueError(f"line break in the {name} header")  # one_line() makes this unreachable
    return b"".join(_header(name, value) for name, value in values) + body


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
        alternative.attach(_modern_part(msg.policy, content.text_body, "plain"))
        if content.html_body:
            alternative.attach(_modern_part(msg.policy, content.html_body, "html"))
        if content.ics:
            method = content.ics_method or calendar_method(content.ics)
            alternative.attach(_modern_part(msg.policy, content.ics, "calendar", cte="base64",
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


def _modern_part(policy, text: str, subtype: str, *, cte: str = "quoted-printable",
                 params: dict | None = None) -> MIMEPart:
    part = MIMEPart(policy=policy)
    part.set_content(text, subtype=subtype, charset="utf-8", cte=cte, params=params)
    return part


class OutboxMail(FlaskMailMessage):
    """A Flask-Mail message carrying the bytes written by :func:`message_bytes`.

    ``Connection.send`` checks the headers, emits ``email_dispatched`` (so
    ``mail.record_messages()`` works) and sends ``as_bytes()``, which are ours.
    Flask-Mail's own constructor is not called: it looks up the host name for a
    Message-ID that ours replaces.
    """

    def __init__(self, data: bytes, *, subject: str, message_id: str, envelope_to: str, sender: str,
                 smtputf8: bool = False):
        self.subject, self.recipients, self.sender, self.reply_to = subject, [envelope_to], sender, None
        self.cc, self.bcc, self.attachments, self.alts = [], [], [], {}
        self.body = self.html = self.charset = self.extra_headers = self.date = None
        self.mail_options, self.rcpt_options = (["SMTPUTF8"] if smtputf8 else []), []
        self.msgId = message_id
        self.data = data

    def as_bytes(self) -> bytes:  # type: ignore[override]
        return self.data

    def as_string(self) -> str:  # type: ignore[override]
        return self.data.decode("utf-8", "replace")

    @classmethod
    def from_content(cls, content: MailContent, *, sender: str | tuple[str, str] | None,
                     date: datetime | None = None) -> "OutboxMail":
        """Write the email for ``content`` and wrap it for Flask-Mail."""
        address = check_address(content.to_email)
        _, sender_address = sender_parts(sender)
        return cls(_bytes_for(content, address, sender, date), subject=one_line(content.subject),
                   message_id=one_line(content.message_id), envelope_to=envelope_address(address),
                   sender=envelope_address(sender_address), smtputf8=needs_smtputf8(address))
