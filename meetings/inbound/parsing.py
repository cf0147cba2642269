"""Reading a received email: its headers, the calendar part (iMIP, RFC 6047) and what
the person typed. ``parse`` never raises: what cannot be read comes back as a
``problem`` (a :class:`~meetings.inbound.states.Reason` code) with a ``detail``.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email import errors as email_errors
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import EmailPolicy
from functools import lru_cache
from email.utils import getaddresses, parseaddr

import icalendar

from meetings.inbound.states import InboundKind, Reason
from meetings.participants.models import REPLY_TOKEN_SHAPE

# Above this a message is kept as it came and not read: no calendar reply is near it.
# The default of :func:`parse`; the app passes its INBOUND_MAX_BYTES, the doors' limit too.
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
CALENDAR_TYPES = ("text/calendar", "application/ics")
# Where the reply address may be found when the door does not say (first found wins).
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
_DETAIL_LENGTH = 300
_BASE64_DEFECTS = (email_errors.InvalidBase64CharactersDefect, email_errors.InvalidBase64PaddingDefect,
                   email_errors.InvalidBase64LengthDefect)
_MIME_DEFECTS = (email_errors.NoBoundaryInMultipartDefect, email_errors.StartBoundaryNotFoundDefect,
                 email_errors.MultipartInvariantViolationDefect, email_errors.MissingHeaderBodySeparatorDefect,
                 email_errors.FirstHeaderLineIsContinuationDefect)
# Where the words a person typed above a quoted or generated part end: quotes, Outlook's
# separator lines, "On ... wrote:", and the sentences calendar apps write themselves
# ("Ann has accepted your event invitation.", Google's "Invitation from Google Calendar").
_TYPED_ENDS = re.compile(
    r"^\s*(>|-{2,}\s*(original message|ursprüngliche nachricht|oorspronkelijk bericht)|_{10,}|-- ?$"
    r"|(on|am|op) .{4,200}(wrote|schrieb|schreef)\s*:\s*$"
    r"|(from|von|van)\s*:|invitation from google calendar"
    r"|.{0,200}\b(has|hat|heeft) (accepted|declined|tentatively accepted|angenommen|abgelehnt|geaccepteerd|"
    r"afgewezen|voorlopig)"
    r"|(accepted|declined|tentative|angenommen|abgelehnt|mit vorbehalt|geaccepteerd|geweigerd|voorlopig)\s*:)",
    re.IGNORECASE)
_AUTO_SUBMITTED_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Never")


class _ReadingPolicy(EmailPolicy):
    """``policy.default``, but a header is parsed once, not at every read: walking the parts
    reads each Content-Type many times, and the header registry's parsing is most of the cost."""

    def header_fetch_parse(self, name, value):
        return _parsed_header(self, name, value)


@lru_cache(maxsize=2048)
def _parsed_header(reading: EmailPolicy, name: str, value: str):
    # Header objects are immutable strings: one made for (name, value) serves every read.
    return EmailPolicy.header_fetch_parse(reading, name, value)


_READING = _ReadingPolicy()


@dataclass(frozen=True)
class Attendee:
    """One ATTENDEE line of the calendar part."""

    address: str
    partstat: str | None = None
    name: str | None = None
    delegated_to: str | None = None
    delegated_from: str | None = None


@dataclass(frozen=True)
class AuthResult:
    """One result of an Authentication-Results header (RFC 8601): who checked what, and for which domain."""

    server: str
    method: str
    result: str
    domain: str | None


@dataclass(frozen=True)
class Parsed:
    """What a received message says, as far as it could be read."""

    problem: str | None = None
    detail: str | None = None
    kind: str = InboundKind.MALFORMED
    message_id: str | None = None
    subject: str | None = None
    sender: str | None = None
    sender_name: str | None = None
    method: str | None = None
    uid: str | None = None
    sequence: int = 0
    recurrence_id: str | None = None
    # The replying ATTENDEE: the only one, else the one sending the mail (see ``attendees``).
    attendee: str | None = None
    attendee_name: str | None = None
    partstat: str | None = None
    delegated_to: str | None = None
    delegated_from: str | None = None
    attendees: tuple[Attendee, ...] = ()
    organizer: str | None = None
    comment: str | None = None
    dtstart: datetime | None = None
    dtend: datetime | None = None
    # DTSTART and DTEND as whole days (VALUE=DATE; DTEND the day after the last).
    start_date: date | None = None
    end_date: date | None = None
    location: str | None = None
    body_text: str | None = None
    token: str | None = None
    auth_results: tuple[AuthResult, ...] = field(default_factory=tuple)

    def attendee_for(self, address: str | None) -> Attendee | None:
        """The ATTENDEE line of ``address`` (any case), or None."""
        wanted = (address or "").strip().lower()
        return next((a for a in self.attendees if a.address == wanted), None) if wanted else None


def message_id_of(raw: bytes, found: str | None) -> str:
    """The key a message is known by: its Message-ID, or a digest of its bytes when it has none."""
    found = (found or "").strip()
    if found:
        return found[:998]
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@inbound>"


def _address(value: str | None) -> str | None:
    """The bare address of a ``mailto:`` URI or a header value, lowercased, or None."""
    if not value:
        return None
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    address = parseaddr(text)[1] if "<" in text else text
    address = address.strip().lower()
    return address if "@" in address and " " not in address else None


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot make sense of counts as absent
        return None
    return None if value is None else str(value)


def _headers(message: Message, name: str) -> list[str]:
    try:
        return [str(value) for value in (message.get_all(name) or [])]
    except Exception:
        return []


def _clip(text: str | None, length: int = _DETAIL_LENGTH) -> str | None:
    if text is None:
        return None
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[:length - 1] + "…"


def reply_token(addresses: list[str], inbound_address: str | None) -> str | None:
    """The reply token in the first of ``addresses`` shaped ``local+token@domain``.

    With ``inbound_address`` known, only addresses with its local part and domain count.
    Mail systems may fold the case of a local part: the token is read in lower case.
    """
    base_local = base_domain = None
    if inbound_address and "@" in inbound_address:
        base_local, _, base_domain = inbound_address.lower().rpartition("@")
    for value in addresses:
        address = _address(value)
        if not address:
            continue
        local, _, domain = address.rpartition("@")
        head, plus, token = local.partition("+")
        if not plus:
            continue
        if base_local is not None and (head != base_local or domain != base_domain):
            continue
        if REPLY_TOKEN_SHAPE.fullmatch(token):
            return token
    return None


def parse_auth_results(values: list[str]) -> tuple[AuthResult, ...]:
    """Every result in these Authentication-Results headers (RFC 8601), comments dropped."""
    found = []
    for value in values:
        text = re.sub(r"\([^()]*\)", " ", value)
        parts = [part.strip() for part in text.split(";")]
        if not parts or not parts[0]:
            continue
        server = parts[0].split()[0].lower()
        for part in parts[1:]:
            words = part.split()
            if not words or "=" not in words[0]:
                continue
            method, _, result = words[0].partition("=")
            if not method or not result:
                continue
            props = {}
            for word in words[1:]:
                key, eq, prop = word.partition("=")
                if eq:
                    props[key.lower()] = prop.strip('"').lower()
            domain = None
            if method.lower() == "dkim":
                domain = props.get("header.d") or (props.get("header.i") or "").rpartition("@")[2] or None
            elif method.lower() == "spf":
                mailfrom = props.get("smtp.mailfrom") or ""
                domain = mailfrom.rpartition("@")[2] or props.get("smtp.helo") or None
            elif method.lower() == "dmarc":
                domain = props.get("header.from")
            found.append(AuthResult(server, method.lower(), result.lower(), domain))
    return tuple(found)


# Subjects Outlook and Exchange give automatic replies (older Exchange servers add no
# Auto-Submitted header), in the languages of the cluster.
_AUTO_SUBJECT = re.compile(r"^\s*(automatic reply|automatische antwort|automatisch antwoord|out of office"
                           r"|abwesenheitsnotiz|afwezigheidsbericht)\s*:", re.IGNORECASE)


def _is_auto(message: Message) -> bool:
    auto = (_header(message, "Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return True
    if _AUTO_SUBJECT.match(_header(message, "Subject") or ""):
        return True
    if any(_header(message, name) is not None for name in _AUTO_SUBMITTED_HEADERS[:2]):
        return True
    precedence = (_header(message, "Precedence") or "").strip().lower()
    return precedence in ("auto_reply", "junk", "bulk", "list")


def _is_bounce(message: Message) -> bool:
    return (message.get_content_type() == "multipart/report"
            and (message.get_param("report-type") or "").lower() == "delivery-status")


def _decoded(part: Message) -> tuple[str | None, str | None]:
    """(text, None) or (None, why not) for one leaf part."""
    payload = part.get_payload(decode=True)
    if any(isinstance(defect, _BASE64_DEFECTS) for defect in part.defects):
        return None, "the base64 of the calendar part does not decode"
    if payload is None:
        return None, "the calendar part is empty"
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset), None
    except LookupError:
        return None, f"unknown charset {_clip(charset, 40)!s}"
    except UnicodeDecodeError:
        return None, f"the calendar part is not valid {_clip(charset, 40)!s}"


def _typed_text(message: Message) -> str | None:
    """The words a person typed in the mail's plain text, above quotes and generated lines."""
    for part in message.walk():
        if part.get_content_type() != "text/plain" or part.get_content_disposition() == "attachment":
            continue
        text, problem = _decoded(part)
        if problem or not text:
            return None
        kept = []
        for line in text.replace("\r\n", "\n").split("\n"):
            if _TYPED_ENDS.match(line):
                break
            kept.append(line.rstrip())
        typed = "\n".join(kept).strip()
        return typed[:2000] or None
    return None


def _day(prop) -> date | None:
    value = getattr(prop, "dt", None) if prop is not None else None
    return value if isinstance(value, date) and not isinstance(value, datetime) else None


def _aware(prop) -> datetime | None:
    value = getattr(prop, "dt", None) if prop is not None else None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    return None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = str(value).strip()
    return text or None


def _attendees(event) -> tuple[Attendee, ...]:
    found = event.get("ATTENDEE")
    if found is None:
        return ()
    lines = found if isinstance(found, list) else [found]
    result = []
    for line in lines:
        address = _address(str(line))
        if not address:
            continue
        params = getattr(line, "params", {})
        result.append(Attendee(address=address,
                               partstat=(params.get("PARTSTAT") or "").upper() or None,
                               name=_text(params.get("CN")),
                               delegated_to=_address(str(params.get("DELEGATED-TO") or "")),
                               delegated_from=_address(str(params.get("DELEGATED-FROM") or ""))))
    return tuple(result)


def _calendar_fields(text: str, mime_method: str | None, sender: str | None) -> dict:
    """What the calendar part says, or ``problem``/``detail`` when it cannot be used."""
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as exc:
        return {"problem": Reason.BROKEN_CALENDAR, "detail": _clip(str(exc))}
    if len(calendars) != 1:
        return {"problem": Reason.BROKEN_CALENDAR, "detail": f"{len(calendars)} calendars in one part"}
    cal = calendars[0]
    method = (_text(cal.get("METHOD")) or mime_method or "").upper() or None
    events = [component for component in cal.subcomponents if component.name == "VEVENT"]
    fields = {"method": method}
    if not events:
        return {**fields, "problem": Reason.NO_EVENT, "detail": "no VEVENT in the calendar part"}
    recurrence = next((event.get("RECURRENCE-ID") for event in events if event.get("RECURRENCE-ID") is not None), None)
    if recurrence is not None:
        return {**fields, "uid": _text(events[0].get("UID")), "recurrence_id": _clip(getattr(recurrence, "dt", ""), 60),
                "problem": Reason.RECURRENCE, "detail": "the reply is for one occurrence of a recurring event"}
    if len(events) > 1:
        return {**fields, "problem": Reason.SEVERAL_EVENTS, "detail": f"{len(events)} VEVENTs in one reply"}
    event = events[0]
    broken = [f"{name}: {why}" for name, why in (cal.errors + event.errors)]
    if broken:
        return {**fields, "problem": Reason.BROKEN_CALENDAR, "detail": _clip("; ".join(broken))}
    uid = _text(event.get("UID"))
    if not uid:
        return {**fields, "problem": Reason.NO_UID, "detail": "the VEVENT has no UID"}
    attendees = _attendees(event)
    chosen = attendees[0] if len(attendees) == 1 else next((a for a in attendees if a.address == sender), None)
    sequence = event.get("SEQUENCE")
    fields.update(
        uid=uid[:255], sequence=int(sequence) if sequence is not None else 0, attendees=attendees,
        attendee=chosen.address if chosen else None, attendee_name=chosen.name if chosen else None,
        partstat=chosen.partstat if chosen else None, delegated_to=chosen.delegated_to if chosen else None,
        delegated_from=chosen.delegated_from if chosen else None,
        organizer=_address(str(event.get("ORGANIZER") or "")), comment=_text(event.get("COMMENT")),
        dtstart=_aware(event.get("DTSTART")), dtend=_aware(event.get("DTEND")),
        start_date=_day(event.get("DTSTART")), end_date=_day(event.get("DTEND")),
        location=_text(event.get("LOCATION")))
    if not attendees:
        fields.update(problem=Reason.NO_ATTENDEE, detail="the VEVENT names no ATTENDEE")
    return fields


def _head_only(raw: bytes) -> Message:
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    head = raw[:end if 0 <= end < 256 * 1024 else 256 * 1024]
    return BytesHeaderParser(policy=policy.compat32).parsebytes(head)


def parse(raw: bytes, recipient: str | None = None, *, inbound_address: str | None = None,
          max_bytes: int = MAX_MESSAGE_BYTES) -> Parsed:
    """Read ``raw`` (one email as bytes). Never raises.

    ``recipient`` is the reply address the door delivered it to, if known; else the
    token is looked for in Delivered-To, X-Original-To, Envelope-To, To and Cc. With
    ``inbound_address`` given, only addresses built on it carry a token. A message larger
    than ``max_bytes`` is too large: only its header is read.
    """
    try:
        return _parse(raw, recipient, inbound_address, max_bytes)
    except Exception as exc:  # the last guard: whatever a message holds, it is stored with a reason
        return Parsed(problem=Reason.MALFORMED_MIME, detail=_clip(f"unreadable message: {exc}"),
                      message_id=message_id_of(raw, None))


def _common(message: Message, raw: bytes, recipient: str | None, inbound_address: str | None) -> dict:
    sender_name, sender = parseaddr(_header(message, "From") or "")
    addresses = ([recipient] if recipient else []) + [
        address for name in RECIPIENT_HEADERS for _, address in getaddresses(_headers(message, name))]
    return {
        "message_id": message_id_of(raw, _header(message, "Message-ID")),
        "subject": _clip(_header(message, "Subject"), 998),
        "sender": _address(sender), "sender_name": _clip(sender_name, 200) or None,
        "token": reply_token(addresses, inbound_address),
        "auth_results": parse_auth_results(_headers(message, "Authentication-Results")),
    }


def _parse(raw: bytes, recipient: str | None, inbound_address: str | None, max_bytes: int) -> Parsed:
    if len(raw) > max_bytes:
        common = _common(_head_only(raw), raw, recipient, inbound_address)
        return Parsed(problem=Reason.TOO_LARGE, kind=InboundKind.MALFORMED,
                      detail=f"{len(raw)} bytes; at most {max_bytes} are read", **common)
    message: EmailMessage = BytesParser(policy=_READING).parsebytes(raw)
    common = _common(message, raw, recipient, inbound_address)
    defects = [defect for part in message.walk() for defect in part.defects if isinstance(defect, _MIME_DEFECTS)]
    if not message.keys() or defects:
        detail = (_clip("; ".join(type(d).__name__ for d in defects)) if defects
                  else "no headers: this is not an email")
        return Parsed(problem=Reason.MALFORMED_MIME, kind=InboundKind.MALFORMED, detail=detail, **common)
    if _is_bounce(message):
        return Parsed(kind=InboundKind.BOUNCE, body_text=_typed_text(message), **common)
    parts = [part for part in message.walk()
             if part.get_content_type() in CALENDAR_TYPES and not part.is_multipart()]
    # Outlook and Gmail send the reply twice, inline and as invite.ics: the inline one counts.
    parts.sort(key=lambda part: part.get_content_type() != "text/calendar")
    if parts:
        part = parts[0]
        text, problem = _decoded(part)
        if problem:
            return Parsed(problem=Reason.BAD_ENCODING, kind=InboundKind.MALFORMED, detail=problem, **common)
        fields = _calendar_fields(text, (part.get_param("method") or "").upper() or None, common["sender"])
        kind = InboundKind.MALFORMED if fields.get("problem") == Reason.BROKEN_CALENDAR else InboundKind.CALENDAR
        return Parsed(kind=kind, body_text=_typed_text(message), **common, **fields)
    kind = InboundKind.AUTO if _is_auto(message) else InboundKind.PLAIN
    return Parsed(kind=kind, body_text=_typed_text(message), **common)
