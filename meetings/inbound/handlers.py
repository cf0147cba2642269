"""What each kind of received message does: one handler per iTIP method ("REPLY",
"COUNTER", "REFRESH") or per kind of mail ("plain", "auto", "bounce").

A handler sets the message's state and reason (and the participant and meeting it
concerns) and makes the change in the session; the service commits.
"""
from __future__ import annotations

from typing import Callable

from meetings.inbound.models import InboundMessage
from meetings.inbound.parsing import Parsed
from meetings.inbound.states import InboundKind, InboundState, Reason
from meetings.participants.models import Participant

Handler = Callable[[InboundMessage, Parsed, "Participant | None"], None]

_handlers: dict[str, Handler] = {}


def handles(key: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``key`` (a METHOD or a kind)."""
    def register(handler: Handler) -> Handler:
        _handlers[key] = handler
        return handler
    return register


def key_of(parsed: Parsed) -> str:
    """The handler key a message goes to: its METHOD for a calendar part, else its kind."""
    if parsed.kind == InboundKind.CALENDAR:
        return (parsed.method or "").upper()
    return str(parsed.kind)


def handler_for(parsed: Parsed) -> Handler | None:
    """The handler registered for this message, or None."""
    return _handlers.get(key_of(parsed))


def dispatch(message: InboundMessage, parsed: Parsed, participant: Participant | None = None) -> None:
    """Hand the message to its handler; a message no handler takes is recorded as unsupported."""
    handler = handler_for(parsed)
    if handler is None:
        record(message, Reason.UNSUPPORTED_METHOD,
               f"METHOD:{parsed.method}" if parsed.kind == InboundKind.CALENDAR else f"{parsed.kind} mail")
        return
    handler(message, parsed, participant)


def record(message: InboundMessage, reason: str, detail: str | None = None) -> None:
    """Keep the message without applying it, saying why."""
    message.state = InboundState.RECORDED
    message.reason = reason
    message.detail = detail


def hold(message: InboundMessage, reason: str, detail: str | None = None) -> None:
    """Keep the message for the organiser to accept or ignore."""
    message.state = InboundState.HELD
    message.reason = reason
    message.detail = detail
