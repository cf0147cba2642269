"""The LMTP door through a real LMTP client (smtplib.LMTP), against the server in a thread,
and ``flask mail lmtp`` as an operator starts it."""
from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

import config
from meetings import create_app
from meetings.extensions import db
from meetings.inbound.lmtp import LMTPServer
from meetings.inbound.models import InboundMessage
from meetings.inbound.states import InboundState
from tests.inbound.conftest import INBOUND, crlf, reply_to
from tests.inbound.replies import mail, reply_calendar
from tests.mail.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]


def stored() -> list[InboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def deliver(port: int, raw: bytes, recipients: list[str], sender: str = "anna@example.org") -> list[tuple]:
    """One LMTP delivery; the reply for each recipient (LMTP answers one per RCPT after DATA)."""
    with smtplib.LMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("mx.meetings.test")  # LMTP sends it as LHLO
        client.mail(sender)
        for recipient in recipients:
            code, _ = client.rcpt(recipient)
            assert code == 250
        replies = [client.data(raw)]
        replies += [client.getreply() for _ in recipients[1:]]
    return replies


def test_a_reply_is_stored_applied_and_answered_250(sent, lmtp_server):
    meeting, (anna, *_) = sent
    raw = crlf(mail(reply_calendar(meeting.uid, anna.email, "TENTATIVE"), to=reply_to(anna)))
    ((code, text),) = deliver(lmtp_server.port, raw, [reply_to(anna)])
    (message,) = stored()
    assert code == 250 and f"Stored as message {message.id}".encode() in text
    assert (message.door, message.recipient, message.state) == ("lmtp", reply_to(anna), InboundState.APPLIED)
    # What went over the wire is what is kept (dot-stuffing undone).
    assert message.raw == raw
    db.session.refresh(anna)
    assert anna.status == "tentative"


def test_each_recipient_gets_its_own_answer(sent, lmtp_server):
    meeting, (anna, ben, _) = sent
    first = mail(reply_calendar(meeting.uid, anna.email), to=reply_to(anna))
    replies = deliver(lmtp_server.port, first, [reply_to(anna), INBOUND])
    assert [code for code, _ in replies] == [250, 250]
    # The same Message-ID is one message: both recipients were told where it is.
    (message,) = stored()
    assert all(f"Stored as message {message.id}".encode() in text for _, text in replies)


def test_broken_and_odd_messages_are_stored_and_answered_250(inbound, lmtp_server):
    odd = [b"no headers at all, only words\r\n",
           mail(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", subject="broken", cte="quoted-printable"),
           mail(None, subject="I'll be ten minutes late", headers={"Auto-Submitted": "auto-replied"}),
           b"Subject: =?utf-8?b?\xff\xfe?=\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n\xff\xfe\r\n"]
    for raw in odd:
        ((code, _),) = deliver(lmtp_server.port, raw, [INBOUND])
        assert code == 250
    assert len(stored()) == 4


def test_a_message_above_the_limit_is_kept_as_its_header(inbound, lmtp_server):
    inbound.config["INBOUND_MAX_BYTES"] = 2048
    raw = crlf(mail(None, subject="Slides", body="x" * 5000))
    ((code, _),) = deliver(lmtp_server.port, raw, [INBOUND])
    assert code == 250
    (message,) = stored()
    assert (message.state, message.reason) == (InboundState.RECORDED, "too_large")
    assert message.size > 5000 and message.raw.endswith(b"\r\n\r\n") and b"xxxx" not in message.raw


def test_a_database_that_is_down_answers_451_and_keeps_nothing(tmp_path):
    # A folder that does not exist: SQLite cannot open the file, as a server that is down.
    app = create_app(config.testing_config(tmp_path / "instance",
                                           f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}"))
    with LMTPServer(app, "127.0.0.1", 0) as server:
        ((code, text),) = deliver(server.port, mail(None, subject="Hello"), [INBOUND])
    assert code == 451 and b"try again later" in text


def test_the_command_as_an_operator_starts_it(sent, database_url):
    meeting, (anna, *_) = sent
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "lmtp-test",
           "MAIL_DEFAULT_SENDER": "cluster@meetings.test", "INBOUND_ADDRESS": INBOUND}
    process = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "mail", "lmtp",
                                "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                replies = deliver(port, mail(reply_calendar(meeting.uid, anna.email, "DECLINED"),
                                             to=reply_to(anna)), [reply_to(anna)])
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert [code for code, _ in replies] == [250]
    assert process.returncode == 0, output
    assert f"LMTP door listening on 127.0.0.1:{port}".encode() in output and b"LMTP door stopped." in output
    assert b"Traceback" not in output
    db.session.refresh(anna)
    assert anna.status == "declined"


def test_a_port_in_use_is_a_sentence(app):
    with LMTPServer(app, "127.0.0.1", 0) as server:
        result = app.test_cli_runner().invoke(args=["mail", "lmtp", "--port", str(server.port)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Could not listen on 127.0.0.1:{server.port}: ")
