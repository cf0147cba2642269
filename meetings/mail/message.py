"""The bytes of an email, built from an outbox row with the standard ``email`` package.

With a calendar, the tree is the one every calendar client recognises as an
invitation (RFC 6047)::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html                      (when there is HTML)
        text/calendar; method=REQUEST  (no Content-Disposition: see calendar_part)
      application/ics  invite.ics      (the same calendar, as an attachment)

Without a calendar: multipart/alternative (text and HTML) or plain text; with an email
attached (a reply passed on), multipart/mixed of that and a message/rfc822 part.
:func:`build_message` makes the tree as an :class:`~email.message.EmailMessage`
(``policy.SMTP``: CRLF lines, RFC 2047 words for non-ASCII names; ``SMTPUTF8``
when the recipient's mailbox itself is not ASCII), :func:`message_bytes` writes it.
"""
from __future__ import annotations

import binascii
import io
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email import message_from_bytes
from email.errors import HeaderParseError
from email.generator import Generator
from email.header import Header
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy, compat32
from email.utils import format_datetime, parseaddr
from functools import cache, lru_cache
from typing import Protocol

from meetings.core.types import utcnow

ATTACHMENT_NAME = "invite.ics"
ICS_METHODS = ("PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER")
# Line breaks of every kind (CR, LF, NEL, U+2028/9) and other control characters.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_NOT_IN_ADDRESS = set(" <>,;:\"()[]\\")
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
_METHOD_LINE = re.compile(r"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)


class _Headers(HeaderRegistry):
    """The standard header classes, each made once: the registry makes a new class per header set."""

    @lru_cache(maxsize=None)
    def __getitem__(self, name):
        return super().__getitem__(name)


class _SMTPPolicy(EmailPolicy):
    """``policy.SMTP``, except that a subject or a mailbox's name that is not ASCII is encoded
    by ``email.header``: this Python's folder loses or doubles spaces where it splits long
    encoded words (a 60-letter German subject comes back as "Sitzung  überGröße")."""

    def _fold(self, name, value, refold_binary=False):
        key = name.lower()
        if not self.utf8 and key == "subject":
            # Also for ASCII: the folder may break a long one right after "Subject:".
            charset = "us-ascii" if str(value).isascii() else "utf-8"
            return self._encoded(name, Header(str(value), charset, header_name=name))
        if not self.utf8 and not str(value).isascii():
            if key in ("from", "to") and len(value.addresses) == 1:
                address = value.addresses[0]
                header = Header(header_name=name)
                header.append(address.display_name, "utf-8")
                header.append(f"<{address.addr_spec}>", "us-ascii")
                return self._encoded(name, header)
        return super()._fold(name, value, refold_binary=refold_binary)

    def _encoded(self, name: str, header: Header) -> str:
        return f"{name}: {header.encode(linesep=self.linesep, maxlinelen=self.max_line_length)}{self.linesep}"


# policy.SMTP (CRLF lines, RFC 2047 words) with the header classes made once.
SMTP = _SMTPPolicy(linesep="\r\n", header_factory=_Headers())
# A non-ASCII mailbox needs raw UTF-8 headers (RFC 6532), and the SMTPUTF8 extension to travel.
SMTPUTF8 = SMTP.clone(utf8=True)


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
    attached_message: bytes | None
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


def _boundary() -> str:
    # "=_" never occurs in quoted-printable or base64 text, so the boundary cannot collide with a
    # body, and the generator need not search the text for one that does not. Always 34 characters.
    return f"=_{uuid.uuid4().hex}"


def _crlf(text: str) -> str:
    return _LINE_ENDS.sub("\r\n", text) if "\r" in text else text.replace("\n", "\r\n")


def calendar_part(ics: str, method: str | None) -> MIMEPart:
    """The iMIP part (RFC 6047): ``text/calendar; charset="utf-8"; method=...``, no Content-Disposition.

    ``method`` must equal the calendar's METHOD: without the parameter Outlook and
    Thunderbird show no Accept/Decline buttons. 7bit when ASCII (the calendar's
    lines are folded to 75 octets), else base64, so no transport rewraps it.
    """
    part = MIMEPart(policy=SMTP)
    part.set_content(ics, subtype="calendar", charset="utf-8", cte="7bit" if ics.isascii() else "base64",
                     params={"method": method} if method else None)
    return part


def _attachment(ics: str) -> MIMEPart:
    part = MIMEPart(policy=SMTP)
    part.set_content(_crlf(ics).encode("utf-8"), maintype="application", subtype="ics",
                     filename=ATTACHMENT_NAME, params={"name": ATTACHMENT_NAME})
    return part


def _seven_bit(data: bytes) -> bool:
    return data.isascii() and b"\r" not in data and b"\0" not in data and all(
        len(line) <= 998 for line in data.split(b"\n"))


def _bodies_in_base64(raw: bytes) -> bytes:
    """The email with every body that is not 7-bit written in base64 instead (its headers and
    structure as they were), LF line ends. Done by hand: the email package's own recoding
    follows the charset registry, which Flask-Mail changes for UTF-8."""
    message = message_from_bytes(raw, policy=compat32)
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload()
        if isinstance(payload, str) and payload.isascii():
            continue
        data = part.get_payload(decode=True) or b""
        del part["Content-Transfer-Encoding"]
        part["Content-Transfer-Encoding"] = "base64"
        part.set_payload(_base64(data).decode("ascii").replace("\r\n", "\n"))
    out = io.StringIO()
    Generator(out, policy=compat32.clone(linesep="\n"), mangle_from_=False).flatten(message)
    return out.getvalue().encode("ascii")


def _forwarded(raw: bytes) -> MIMEPart:
    """An email as it came in, as a message/rfc822 attachment (RFC 2046 5.2.1) named original.eml.

    RFC 2046 allows this type only in 7bit, 8bit or binary, and 8bit would need every server on
    the way to take 8BITMIME: an original with 8-bit bodies has those bodies written again in
    base64 (the email package's 7-bit form), headers and structure kept. One that even then is
    not 7-bit (raw UTF-8 in its headers) goes in base64 whole, which mail programs still open.
    """
    part = MIMEPart(policy=SMTP)
    text = raw.replace(b"\r\n", b"\n")
    if not _seven_bit(text):
        try:
            text = _bodies_in_base64(raw)
        except (UnicodeError, ValueError, LookupError, TypeError, IndexError):
            pass
    part["Content-Type"] = "message/rfc822"
    part["Content-Disposition"] = 'attachment; filename="original.eml"'
    if _seven_bit(text):
        part["Content-Transfer-Encoding"] = "7bit"
        part.set_payload(text.decode("ascii").replace("\n", "\r\n"))
    else:
        part["Content-Transfer-Encoding"] = "base64"
        part.set_payload(_base64(raw).decode("ascii"))
    return part


def _text_part(text: str, subtype: str) -> MIMEPart:
    part = MIMEPart(policy=SMTP)
    part.set_content(text, subtype=subtype, charset="utf-8", cte="quoted-printable")
    return part


def _multipart(subtype: str, parts: list[MIMEPart], into: MIMEPart | None = None) -> MIMEPart:
    container = MIMEPart(policy=SMTP) if into is None else into
    getattr(container, f"make_{subtype}")(boundary=_boundary())
    for part in parts:
        container.attach(part)
    return container


def _top_headers(content: MailContent, to_address: str, sender_name: str, sender_address: str,
                 date: datetime | None) -> list[tuple[str, object]]:
    local, _, domain = to_address.rpartition("@")
    if not needs_smtputf8(to_address):
        domain = ascii_domain(domain)  # else the header is raw UTF-8 (RFC 6532), the domain too
    headers: list[tuple[str, object]] = [
        ("MIME-Version", "1.0"),
        ("From", Address(display_name=sender_name, addr_spec=sender_address)),
        ("To", Address(display_name=one_line(content.to_name), username=local, domain=domain)),
    ]
    if content.reply_to:
        headers.append(("Reply-To", Address(addr_spec=envelope_address(check_address(content.reply_to)))))
    headers += [("Subject", one_line(content.subject)), ("Date", date or utcnow()),
                ("Message-ID", one_line(content.message_id))]
    if not content.ics:
        # RFC 3834: no automatic replies to notices; invitations expect a calendar reply.
        headers.append(("Auto-Submitted", "auto-generated"))
    return headers


def build_message(content: MailContent, *, sender: str | tuple[str, str] | None,
                  date: datetime | None = None) -> EmailMessage:
    """The email for ``content``, one recipient, as the tree in the module's docstring.

    Raises :class:`AddressError` when the recipient, sender or Reply-To is not a plain address.
    """
    to_address = check_address(content.to_email)
    sender_name, sender_address = sender_parts(sender)
    msg = EmailMessage(policy=SMTPUTF8 if needs_smtputf8(to_address) else SMTP)
    for name, value in _top_headers(content, to_address, sender_name, sender_address, date):
        msg[name] = value
    attached = getattr(content, "attached_message", None)
    if attached is not None:
        parts = [_text_part(content.text_body, "plain")]
        if content.html_body:
            parts = [_multipart("alternative", parts + [_text_part(content.html_body, "html")])]
        _multipart("mixed", parts + [_forwarded(attached)], into=msg)
    elif content.html_body or content.ics:
        parts = [_text_part(content.text_body, "plain")]
        if content.html_body:
            parts.append(_text_part(content.html_body, "html"))
        if content.ics:
            parts.append(calendar_part(content.ics, content.ics_method or calendar_method(content.ics)))
            _multipart("mixed", [_multipart("alternative", parts), _attachment(content.ics)], into=msg)
        else:
            _multipart("alternative", parts, into=msg)
    else:
        msg.set_content(content.text_body, subtype="plain", charset="utf-8", cte="quoted-printable")
    # Set last: the email package moves Content-* headers into parts when it makes a multipart.
    msg["Content-Language"] = one_line(content.language) or "en"
    return msg


# --- the same bytes, written directly -------------------------------------------------
# The email package's object model costs more per message (~5 ms) than claiming,
# writing and sending one together. write_message() produces exactly the bytes
# of build_message(...).as_bytes(), with the package's own encoders and folding:
# part headers are taken once from parts the package made; each message only adds
# its bodies and its own header values. tests/mail/test_message.py compares the
# two byte for byte for every kind of message.

_PLACEHOLDER = "=_" + "0" * 32
_SIMPLE_VALUE = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
# Names the package writes as they are: words of letters, digits, hyphens and apostrophes.
_SIMPLE_NAME = re.compile(r"[A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*")
# The characters quoted-printable changes in a body (quoprimime's body map, with CR and LF
# kept), each with its replacement: a regular expression over the few that occur costs less
# than ``str.translate`` through a 256-entry list, which weighs most in delivering a message.
_QP_QUOTED = {chr(c): quoprimime.quote(chr(c)) for c in range(256)
              if quoprimime.body_check(c) and chr(c) not in "\r\n"}
_QP_UNSAFE = re.compile("[" + re.escape("".join(_QP_QUOTED)) + "]")


def _head_of(part: MIMEPart) -> bytes:
    data = part.as_bytes()
    return data[:data.index(b"\r\n\r\n") + 4]


@cache
def _part_head(kind: str, method: str | None = None) -> bytes:
    """The header block (with its blank line) of one kind of part, as the package writes it."""
    if kind in ("plain", "html"):
        return _head_of(_text_part("x", kind))
    if kind == "calendar-7bit":
        return _head_of(calendar_part("x", method))
    if kind == "calendar-base64":
        return _head_of(calendar_part("\u00e9", method))
    if kind == "attachment":
        return _head_of(_attachment("x"))
    container = MIMEPart(policy=SMTP)
    getattr(container, f"make_{kind}")(boundary=_PLACEHOLDER)
    return _head_of(container)


@lru_cache(maxsize=4096)
def _folded(name: str, value: str) -> bytes:
    return SMTP.fold_binary(*SMTP.header_store_parse(name, value))


@lru_cache(maxsize=4096)
def _folded_address(name: str, display_name: str, addr_spec: str) -> bytes:
    return SMTP.fold_binary(*SMTP.header_store_parse(name, Address(display_name=display_name, addr_spec=addr_spec)))


def _header(name: str, value) -> bytes:
    if isinstance(value, Address):
        if not _SIMPLE_NAME.fullmatch(value.display_name) or not _PLAIN_ADDRESS.fullmatch(value.addr_spec):
            return _folded_address(name, value.display_name, value.addr_spec)
        value = f"{value.display_name} <{value.addr_spec}>"
    elif isinstance(value, datetime):
        value = format_datetime(value)
    if (len(name) + len(value) + 2 <= SMTP.max_line_length and "=?" not in value
            and _SIMPLE_VALUE.fullmatch(value)):
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded(name, value)


def _lines(text: str) -> bytes:
    # The package's normal form of a body: its lines, each ended by one line end.
    return b"\n".join(text.encode("utf-8").splitlines()) + b"\n"


def _qp_quote(match: re.Match) -> str:
    return _QP_QUOTED[match.group()]


def _qp(text: str) -> bytes:
    """``quoprimime.body_encode`` of the body's normal form, with CRLF line ends.

    Lines that need no soft break and do not end in white space come out as their
    quoted characters; the package's encoder writes the others, line by line.
    """
    body = _lines(text).decode("latin-1")
    limit = SMTP.max_line_length
    originals = None
    lines = _QP_UNSAFE.sub(_qp_quote, body).split("\n")
    for number, line in enumerate(lines):
        if len(line) > limit or line.endswith((" ", "\t")):
            originals = originals or body.split("\n")  # quoting keeps every LF in its place
            lines[number] = quoprimime.body_encode(originals[number], limit, eol="\r\n")
    return "\r\n".join(lines).encode("ascii")


def _base64(data: bytes) -> bytes:
    step = SMTP.max_line_length // 4 * 3
    return b"".join(binascii.b2a_base64(data[i:i + step]) for i in range(0, len(data), step)).replace(
        b"\n", b"\r\n")


def _joined(kind: str, parts: list[bytes]) -> bytes:
    boundary = _boundary().encode("ascii")
    delimiter = b"\r\n--" + boundary + b"\r\n"
    return (_part_head(kind).replace(_PLACEHOLDER.encode("ascii"), boundary)
            + b"--" + boundary + b"\r\n" + delimiter.join(parts) + b"\r\n--" + boundary + b"--\r\n")


def write_message(content: MailContent, *, sender: str | tuple[str, str] | None,
                  date: datetime | None = None) -> bytes:
    """The bytes of ``build_message(content, ...).as_bytes()``, written without the object model."""
    to_address = check_address(content.to_email)
    if needs_smtputf8(to_address) or getattr(content, "attached_message", None) is not None:
        # Rare: raw UTF-8 headers, or an email passed on with the original attached.
        return build_message(content, sender=sender, date=date).as_bytes()
    sender_name, sender_address = sender_parts(sender)
    head = b"".join(_header(name, value)
                    for name, value in _top_headers(content, to_address, sender_name, sender_address, date))
    if content.html_body or content.ics:
        parts = [_part_head("plain") + _qp(content.text_body)]
        if content.html_body:
            parts.append(_part_head("html") + _qp(content.html_body))
        if content.ics:
            method = content.ics_method or calendar_method(content.ics)
            if content.ics.isascii():
                parts.append(_part_head("calendar-7bit", method) + _lines(content.ics).replace(b"\n", b"\r\n"))
            else:
                parts.append(_part_head("calendar-base64", method)
                             + _base64(_lines(content.ics).replace(b"\n", b"\r\n")))
            alternative = _joined("alternative", parts)
            attachment = _part_head("attachment") + _base64(_crlf(content.ics).encode("utf-8"))
            body = _joined("mixed", [alternative, attachment])
        else:
            body = _joined("alternative", parts)
    else:
        # Content-Language closes the header block, after the part's own headers.
        return (head + _part_head("plain")[:-2] + _header("Content-Language", one_line(content.language) or "en")
                + b"\r\n" + _qp(content.text_body))
    end = body.index(b"\r\n\r\n") + 2
    return head + body[:end] + _header("Content-Language", one_line(content.language) or "en") + body[end:]


def message_bytes(content: MailContent, *, sender: str | tuple[str, str] | None,
                  date: datetime | None = None) -> bytes:
    """The complete email for ``content`` as it goes over SMTP (CRLF lines); see :func:`build_message`.

    Raises :class:`AddressError` when the recipient, sender or Reply-To is not a plain address.
    """
    return write_message(content, sender=sender, date=date)


@dataclass(frozen=True)
class Envelope:
    """One email ready for ``smtplib.SMTP.sendmail``: who from, who to, the bytes, the options."""

    sender: str
    recipient: str
    data: bytes
    message_id: str
    mail_options: tuple[str, ...] = ()


def envelope(content: MailContent, *, sender: str | tuple[str, str] | None,
             date: datetime | None = None) -> Envelope:
    """Build the email for ``content`` (:func:`build_message`) with its SMTP envelope."""
    address = check_address(content.to_email)
    _, sender_address = sender_parts(sender)
    return Envelope(sender=envelope_address(sender_address), recipient=envelope_address(address),
                    data=message_bytes(content, sender=sender, date=date), message_id=one_line(content.message_id),
                    mail_options=("SMTPUTF8",) if needs_smtputf8(address) else ())
