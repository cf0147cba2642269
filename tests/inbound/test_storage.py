"""receive(): every message is stored first, applied once, and kept with the error when applying fails."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.inbound import handlers, services
from meetings.inbound.models import InboundMessage
from meetings.inbound.states import InboundKind, InboundState, Reason
from tests.inbound.conftest import reply_to
from tests.inbound.replies import mail, message_id, reply_calendar
from tests.inbound.test_parsing import BAD


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(InboundMessage))


def test_a_reply_is_stored_with_its_bytes_and_headers(sent):
    meeting, (anna, *_) = sent
    raw = mail(reply_calendar(meeting.uid, anna.email), to=reply_to(anna), subject="Accepted: Core Team meeting")
    message = services.receive(raw, door="lmtp", recipient=reply_to(anna))
    db.session.expire_all()
    stored = db.session.get(InboundMessage, message.id)
    assert stored.raw == raw and stored.size == len(raw)
    assert (stored.door, stored.sender, stored.recipient) == ("lmtp", "anna@example.org", reply_to(anna))
    assert (stored.subject, stored.method, stored.kind) == ("Accepted: Core Team meeting", "REPLY",
                                                           InboundKind.CALENDAR)
    assert stored.message_id.endswith("@client.example>")
    assert (stored.participant_id, stored.meeting_id) == (anna.id, meeting.id)
    assert stored.received_at is not None and stored.attempts == 1


def test_a_message_without_message_id_is_known_by_its_digest(inbound):
    raw = b"From: someone@example.org\r\nTo: rsvp@meetings.test\r\nSubject: hello\r\n\r\nI'll be late.\r\n"
    first = services.receive(raw, door="http")
    assert first.message_id.startswith("<sha256-") and first.message_id.endswith("@inbound>")
    assert services.receive(raw, door="imap").id == first.id
    assert count() == 1


def test_the_same_message_id_is_applied_once(sent, monkeypatch):
    meeting, (anna, *_) = sent
    calls = []
    original = handlers._handlers["REPLY"]
    monkeypatch.setitem(handlers._handlers, "REPLY", lambda *args: (calls.append(args), original(*args)))
    raw = mail(reply_calendar(meeting.uid, anna.email), to=reply_to(anna), msgid="<once@client.example>")
    first = services.receive(raw, door="imap")
    again = services.receive(raw, door="lmtp")
    # The same Message-ID with other bytes (a copy relayed with other headers) is the same message.
    relayed = services.receive(b"Received: by relay.example\r\n" + raw, door="http")
    assert first.id == again.id == relayed.id and count() == 1 and len(calls) == 1
    assert again.state == InboundState.APPLIED


def test_applying_that_raises_keeps_the_message_as_failed_and_a_retry_applies_it(inbound, monkeypatch):
    def broken(message, parsed, participant):
        raise RuntimeError("the database went away")

    monkeypatch.setitem(handlers._handlers, "plain", broken)
    raw = mail(None, body="I'll be ten minutes late.", subject="Late")
    message = services.receive(raw, door="imap")
    db.session.expire_all()
    stored = db.session.get(InboundMessage, message.id)
    assert stored.state == InboundState.FAILED and stored.attempts == 1
    assert "RuntimeError: the database went away" in stored.error
    assert stored.raw == raw

    assert services.retry_failed() == 0
    db.session.expire_all()
    assert db.session.get(InboundMessage, message.id).attempts == 2

    def fixed(message, parsed, participant):
        handlers.record(message, Reason.IGNORED, "handled")

    monkeypatch.setitem(handlers._handlers, "plain", fixed)
    assert services.retry_failed() == 1
    db.session.expire_all()
    stored = db.session.get(InboundMessage, message.id)
    assert (stored.state, stored.reason, stored.error, stored.attempts) == (InboundState.RECORDED, Reason.IGNORED,
                                                                            None, 3)
    assert services.retry_failed() == 0


def test_a_failed_message_is_not_retried_past_the_limit(inbound, monkeypatch):
    monkeypatch.setitem(handlers._handlers, "plain", lambda *args: 1 / 0)
    message = services.receive(mail(None, body="Hello"), door="http")
    for _ in range(services.MAX_ATTEMPTS + 2):
        services.retry_failed()
    db.session.expire_all()
    stored = db.session.get(InboundMessage, message.id)
    assert stored.state == InboundState.FAILED and stored.attempts == services.MAX_ATTEMPTS


def test_a_failure_rolls_back_what_applying_had_changed(sent, monkeypatch):
    meeting, (anna, *_) = sent
    original = handlers._handlers["REPLY"]

    def half_then_fail(message, parsed, participant):
        original(message, parsed, participant)
        raise RuntimeError("after the answer")

    monkeypatch.setitem(handlers._handlers, "REPLY", half_then_fail)
    message = services.receive(mail(reply_calendar(meeting.uid, anna.email), to=reply_to(anna)), door="imap")
    db.session.expire_all()
    assert db.session.get(InboundMessage, message.id).state == InboundState.FAILED
    assert db.session.get(type(anna), anna.id).status == "invited"


@pytest.mark.parametrize("key", ["REQUEST", "PUBLISH", "CANCEL", "ADD", "DECLINECOUNTER"])
def test_a_method_no_handler_takes_is_recorded_as_unsupported(sent, key):
    meeting, (anna, *_) = sent
    message = services.receive(mail(reply_calendar(meeting.uid, anna.email, method=key), method=key,
                                    to=reply_to(anna)), door="imap")
    assert (message.state, message.reason, message.method) == (InboundState.RECORDED, Reason.UNSUPPORTED_METHOD,
                                                               key)
    assert message.detail == f"METHOD:{key}"


def test_dispatch_goes_by_method_or_kind(inbound, monkeypatch):
    seen = []
    monkeypatch.setitem(handlers._handlers, "auto", lambda message, parsed, participant: (
        seen.append(parsed.kind), handlers.record(message, Reason.IGNORED)))
    services.receive(mail(None, body="I am out of office.", msgid=message_id("ooo"),
                          headers={"Auto-Submitted": "auto-replied"}), door="imap")
    assert seen == [InboundKind.AUTO]


def test_an_unknown_door_is_a_programming_error(inbound):
    with pytest.raises(ValueError):
        services.receive(b"Subject: x\r\n\r\nx", door="pigeon")


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_stored_with_its_reason_and_never_raises(sent, name):
    raw, reason = BAD[name]
    message = services.receive(raw, door="http")
    db.session.expire_all()
    stored = db.session.get(InboundMessage, message.id)
    assert (stored.state, stored.reason) == (InboundState.RECORDED, reason)
    assert stored.detail and stored.raw == raw


def test_a_30_mb_message_is_stored_as_too_large(inbound):
    raw = mail(None, body="", msgid="<huge@client.example>") + b"x" * (30 * 1024 * 1024)
    message = services.receive(raw, door="lmtp")
    db.session.expire_all()
    stored = db.session.get(InboundMessage, message.id)
    assert (stored.state, stored.reason, stored.size) == (InboundState.RECORDED, Reason.TOO_LARGE, len(raw))
