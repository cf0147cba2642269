"""``flask mail fetch``: the IMAP door, against a real Dovecot on loopback.

Messages are put into the mailbox with imaplib's APPEND, as the mail server would
deliver them, fetched by the real command (Flask's CLI runner, and once as a process
of its own), and looked for afterwards where the fetch should have left them.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

import config
from meetings import create_app
from meetings.extensions import db
from meetings.inbound.imap import KEYWORD
from meetings.inbound.models import InboundMessage
from meetings.inbound.states import InboundState
from tests.inbound.conftest import crlf, reply_to
from tests.inbound.dovecot import Dovecot
from tests.inbound.replies import mail, reply_calendar
from tests.mail.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]


def fetch(app):
    return app.test_cli_runner().invoke(args=["mail", "fetch"])


def stored() -> list[InboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def replies(meeting, people, partstats=("ACCEPTED", "DECLINED")) -> list[bytes]:
    return [crlf(mail(reply_calendar(meeting.uid, person.email, partstat), sender=person.email, sender_name=person.name,
                 to=reply_to(person), subject=f"{partstat.title()}: Core Team meeting"))
            for person, partstat in zip(people, partstats)]


def test_new_replies_are_applied_and_moved_to_the_processed_folder(sent, mailbox, app):
    meeting, (anna, ben, chloe) = sent
    raws = replies(meeting, (anna, ben))
    mailbox.append(*raws)
    result = fetch(app)
    assert result.exit_code == 0, result.output
    assert f"Read 2 new message(s) from INBOX on 127.0.0.1:{mailbox.port}: 2 applied." in result.output
    assert "Moved 2 to Processed." in result.output
    messages = stored()
    assert [(m.door, m.state, m.raw) for m in messages] == [("imap", InboundState.APPLIED, raws[0]),
                                                             ("imap", InboundState.APPLIED, raws[1])]
    db.session.refresh(anna)
    db.session.refresh(ben)
    assert (anna.status, ben.status, chloe.status) == ("accepted", "declined", "invited")
    assert mailbox.messages("INBOX") == []
    assert [raw for raw, _ in mailbox.messages("Processed")] == raws


def test_a_second_fetch_finds_nothing_new(sent, mailbox, app):
    meeting, people = sent
    mailbox.append(*replies(meeting, people[:1]))
    assert fetch(app).exit_code == 0
    mailbox.append(*replies(meeting, people[1:2], ("TENTATIVE",)))
    result = fetch(app)
    assert "Read 1 new message(s)" in result.output and "1 applied" in result.output
    result = fetch(app)
    assert result.exit_code == 0 and "Read 0 new message(s)" in result.output and "Moved" not in result.output
    assert len(stored()) == 2 and len(mailbox.messages("Processed")) == 2


def test_one_broken_message_among_good_ones_stops_nothing(sent, mailbox, app):
    meeting, (anna, ben, _) = sent
    good = replies(meeting, (anna, ben))
    broken_calendar = mail(b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n", sender=anna.email,
                           to=reply_to(anna), cte="quoted-printable")
    not_mime = b"\x00\xff garbage that is no email at all \xfe\r\n"
    mailbox.append(good[0], broken_calendar, not_mime, good[1])
    result = fetch(app)
    assert result.exit_code == 0, result.output
    assert "Read 4 new message(s)" in result.output and "2 applied, 2 recorded" in result.output
    messages = stored()
    assert [m.state for m in messages] == ["applied", "recorded", "recorded", "applied"]
    assert all(m.reason for m in messages[1:3])
    assert "Traceback" not in result.output
    assert mailbox.messages("INBOX") == [] and len(mailbox.messages("Processed")) == 4


def test_the_same_message_twice_in_the_mailbox_is_applied_once(sent, mailbox, app):
    meeting, (anna, *_) = sent
    raw = replies(meeting, (anna,))[0]
    mailbox.append(raw, raw)
    result = fetch(app)
    assert result.exit_code == 0 and "Read 2 new message(s)" in result.output
    assert len(stored()) == 1
    assert len(mailbox.messages("Processed")) == 2


def test_without_a_processed_folder_messages_stay_flagged(sent, mailbox, app):
    meeting, people = sent
    app.config["INBOUND_IMAP_PROCESSED_FOLDER"] = None
    mailbox.append(*replies(meeting, people[:2]))
    result = fetch(app)
    assert result.exit_code == 0 and "Flagged 2 as read and processed." in result.output
    left = mailbox.messages("INBOX")
    assert len(left) == 2 and all({"\\Seen", KEYWORD} <= flags for _, flags in left)
    assert "Processed" not in mailbox.folders()
    # A person may have read the mailbox meanwhile: unread or not, the keyword decides what is new.
    mailbox.append(*replies(meeting, people[2:], ("TENTATIVE",)))
    result = fetch(app)
    assert "Read 1 new message(s)" in result.output
    assert len(stored()) == 3


def test_a_processed_folder_that_cannot_be_made_falls_back_to_flags(sent, mailbox, app):
    meeting, people = sent
    app.config["INBOUND_IMAP_PROCESSED_FOLDER"] = "~Processed"  # Dovecot refuses names starting with ~
    mailbox.append(*replies(meeting, people[:1]))
    result = fetch(app)
    assert result.exit_code == 0, result.output
    assert "The folder '~Processed' could not be made" in result.output
    assert "Flagged 1 as read and processed." in result.output
    (_, flags), = mailbox.messages("INBOX")
    assert {"\\Seen", KEYWORD} <= flags


def test_a_processed_folder_with_another_alphabet_is_made(sent, mailbox, app):
    meeting, people = sent
    app.config["INBOUND_IMAP_PROCESSED_FOLDER"] = "Verarbeitet – Antworten"
    mailbox.append(*replies(meeting, people[:1]))
    assert "Moved 1 to Verarbeitet – Antworten." in fetch(app).output
    assert len(mailbox.messages("Verarbeitet – Antworten")) == 1


@pytest.fixture(scope="module")
def dovecot_without_move(dovecot_available):
    server = Dovecot(without_move=True).start()
    yield server
    server.stop()


def test_a_server_without_move_gets_copy_and_expunge(sent, app, dovecot_without_move):
    box = dovecot_without_move.new_mailbox()
    app.config.update(box.settings())
    meeting, people = sent
    box.append(*replies(meeting, people[:2]))
    result = fetch(app)
    assert result.exit_code == 0 and "Moved 2 to Processed." in result.output
    assert box.messages("INBOX") == []
    assert len(box.messages("Processed")) == 2


def test_a_message_above_the_limit_is_kept_as_its_header(sent, mailbox, app):
    meeting, (anna, *_) = sent
    app.config["INBOUND_MAX_BYTES"] = 4096
    big = crlf(mail(reply_calendar(meeting.uid, anna.email), sender=anna.email, to=reply_to(anna),
                    body="Photos of the site visit attached.\n" + "x" * 76 * 100))
    mailbox.append(big)
    result = fetch(app)
    assert result.exit_code == 0, result.output
    assert "1 message(s) larger than INBOUND_MAX_BYTES were kept as their header." in result.output
    (message,) = stored()
    assert (message.state, message.reason) == (InboundState.RECORDED, "too_large")
    assert message.size == len(big) and message.raw == big[:big.index(b"\r\n\r\n") + 4]
    db.session.refresh(anna)
    assert anna.status == "invited"
    assert len(mailbox.messages("Processed")) == 1


def test_a_server_that_is_down_gives_a_sentence_and_status_1(inbound):
    port = free_port()
    inbound.config.update(INBOUND_IMAP_HOST="127.0.0.1", INBOUND_IMAP_PORT=port, INBOUND_IMAP_TLS="none",
                          INBOUND_IMAP_USER="replies", INBOUND_IMAP_PASSWORD="x")
    result = fetch(inbound)
    assert result.exit_code == 1
    assert result.output.strip() == (f"Could not connect to the IMAP server 127.0.0.1:{port}: the connection was "
                                     "refused (is the server running, and is this its port?).")


def test_tls_to_a_server_without_tls_is_a_sentence_too(mailbox, app):
    app.config["INBOUND_IMAP_TLS"] = "ssl"
    result = fetch(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"Could not connect to the IMAP server 127.0.0.1:{mailbox.port}: ")
    assert "Traceback" not in result.output


def test_a_wrong_password_is_named(mailbox, app):
    app.config["INBOUND_IMAP_PASSWORD"] = "wrong"
    result = fetch(app)
    assert result.exit_code == 1
    assert f"The IMAP server 127.0.0.1:{mailbox.port} refused the login of '{mailbox.user}'" in result.output


def test_a_folder_that_does_not_exist_is_named(mailbox, app):
    app.config["INBOUND_IMAP_FOLDER"] = "Replies"
    result = fetch(app)
    assert result.exit_code == 1
    assert "The folder 'Replies' on 127.0.0.1:" in result.output and "could not be opened" in result.output


def test_without_a_mailbox_configured_it_says_what_to_set(app):
    result = fetch(app)
    assert result.exit_code == 1
    assert "No INBOUND_IMAP_HOST configured" in result.output


def test_help_comes_from_the_docstring(app):
    result = app.test_cli_runner().invoke(args=["mail", "fetch", "--help"])
    assert "Read the new messages of the reply mailbox over IMAP" in result.output


@pytest.fixture
def unreachable_database(backend, tmp_path):
    """A database URL of the backend under test that nothing answers."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'meetings.sqlite3'}"
    return f"postgresql://postgres@127.0.0.1:{free_port()}/meetings"


def test_a_database_that_is_down_leaves_the_messages_in_the_mailbox(dovecot_server, unreachable_database, tmp_path):
    box = dovecot_server.new_mailbox()
    box.append(mail(None, subject="I'll be ten minutes late"), mail(None, subject="Me too"))
    app = create_app(config.testing_config(tmp_path / "instance", unreachable_database, **box.settings()))
    result = fetch(app)
    assert result.exit_code == 1
    assert "The database could not be used" in result.output
    assert "the messages stay in the mailbox for the next run." in result.output
    assert "Traceback" not in result.output
    assert len(box.messages("INBOX")) == 2 and box.messages("Processed") == []


def test_the_command_as_an_operator_runs_it(sent, mailbox, database_url, tmp_path):
    meeting, (anna, *_) = sent
    raw = replies(meeting, (anna,))[0]
    mailbox.append(raw)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "fetch-test",
           "MAIL_DEFAULT_SENDER": "cluster@meetings.test", "INBOUND_ADDRESS": "rsvp@meetings.test",
           **{name: str(value) for name, value in mailbox.settings().items()}}
    result = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "mail", "fetch"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Read 1 new message(s)" in result.stdout and "1 applied" in result.stdout
    assert [m.raw for m in stored()] == [raw]
    db.session.refresh(anna)
    assert anna.status == "accepted"
    assert len(mailbox.messages("Processed")) == 1
