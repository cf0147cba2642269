"""Delivery to a real SMTP server on loopback: the bytes received, failures, retries, batches."""
from __future__ import annotations

import threading
from datetime import timedelta
from email import message_from_string, policy
from email.header import decode_header, make_header

import pytest

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.mail.delivery import BACKOFF_MINUTES, NoMailServer, backoff, claim, deliver_due, release_stale_claims
from meetings.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from meetings.mail.outbox import retry_now
from meetings.mail.runner import background_delivery
from tests.mail.conftest import use_mail_server
from tests.mail.helpers import all_messages, calendar, fresh, queue
from tests.mail.smtp import SMTPServer

HTML = "<html><body><p>Hello Anna, see you on <b>Thursday</b>.</p></body></html>"


def delivered_one(app, server):
    assert background_delivery(app).wait_idle()
    (received,) = server.recorder.wait_for(1)
    return received


def text(part) -> str:
    """A text part's content with the wire's CRLF line ends as \\n."""
    return part.get_content().replace("\r\n", "\n")


def tree(part) -> list:
    """The MIME tree as nested [content type, children...]."""
    if part.is_multipart():
        return [part.get_content_type(), *[tree(child) for child in part.iter_parts()]]
    return part.get_content_type()


def test_queued_message_is_sent_after_commit(mail_app, smtp_server):
    message = queue(html_body=HTML)
    db.session.commit()
    received = delivered_one(mail_app, smtp_server)
    assert received.mail_from == "cluster@meetings.test"
    assert received.rcpt_tos == ["anna@example.org"]
    row = fresh(message.id)
    assert row.status == SENT and row.attempts == 1 and row.last_error is None
    assert timedelta(0) <= utcnow() - row.sent_at < timedelta(minutes=1)
    email = received.message
    assert email["Message-ID"] == row.message_id
    assert email["From"] == "cluster@meetings.test"
    assert email["Content-Language"] == "en"
    assert email["Date"]
    assert email["Auto-Submitted"] == "auto-generated"
    assert tree(email) == ["multipart/alternative", "text/plain", "text/html"]
    assert text(email.get_body(("plain",))) == "Hello Anna,\nsee you on Thursday.\n"
    assert text(email.get_body(("html",))).strip() == HTML


def test_plain_text_message_is_one_part(mail_app, smtp_server):
    queue()
    db.session.commit()
    email = delivered_one(mail_app, smtp_server).message
    assert tree(email) == "text/plain"
    assert email.get_content_charset() == "utf-8"


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "DECLINECOUNTER"])
def test_invitation_has_the_imip_tree(mail_app, smtp_server, method):
    ics = calendar(method)
    queue(html_body=HTML, ics=ics, kind="invitation")
    db.session.commit()
    email = delivered_one(mail_app, smtp_server).message
    assert tree(email) == ["multipart/mixed",
                           ["multipart/alternative", "text/plain", "text/html", "text/calendar"],
                           "application/ics"]
    alternative, attachment = list(email.iter_parts())
    inline = list(alternative.iter_parts())[2]
    # Outlook and Thunderbird show Accept/Decline only with method= equal to the body's METHOD.
    assert inline.get_param("method") == method
    assert f"METHOD:{method}\r\n" in inline.get_content()
    assert inline.get_content_charset() == "utf-8"
    assert inline["Content-Disposition"] is None
    assert inline.get_content().encode() == ics.encode()
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_param("name") == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content() == ics.encode("utf-8")
    # Calendar replies are people answering: no Auto-Submitted on invitations.
    assert email["Auto-Submitted"] is None


def test_invitation_without_html_keeps_calendar_in_the_alternative(mail_app, smtp_server):
    queue(ics=calendar(), kind="invitation")
    db.session.commit()
    email = delivered_one(mail_app, smtp_server).message
    assert tree(email) == ["multipart/mixed", ["multipart/alternative", "text/plain", "text/calendar"],
                           "application/ics"]


def test_one_message_per_recipient_addressed_to_them_alone(mail_app, smtp_server):
    people = [("anna@example.org", "Anna"), ("bert@example.de", "Bert"), ("chloe@exämple.nl", "Chloé")]
    for address, name in people:
        queue(to_email=address, to_name=name, ics=calendar(attendee=address), kind="invitation")
    db.session.commit()
    assert background_delivery(mail_app).wait_idle()
    received = smtp_server.recorder.wait_for(3)
    assert sorted(len(r.rcpt_tos) for r in received) == [1, 1, 1]
    by_rcpt = {r.rcpt_tos[0]: r.message for r in received}
    assert set(by_rcpt) == {"anna@example.org", "bert@example.de", "chloe@xn--exmple-cua.nl"}
    for address, email in by_rcpt.items():
        assert len(email.get_all("To")) == 1
        assert email["To"].addresses[0].addr_spec == address
        assert email["Cc"] is None and email["Bcc"] is None


@pytest.mark.parametrize("name,subject", [
    ("Jörg Müller-Lüdenscheidt", "Einladung: Kernteam – Überblick"),
    ("Ærøskøbing, \"Ånd\" \\ test; ok", "Uitnodiging: kernteam 🤖 overleg"),
    ("مريم العربية", "دعوة: اجتماع الفريق"),
])
def test_non_ascii_names_and_subjects_are_encoded(mail_app, smtp_server, name, subject):
    queue(to_name=name, subject=subject)
    db.session.commit()
    received = delivered_one(mail_app, smtp_server)
    head = received.data.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # raises if a header carries raw 8-bit text
    assert b"=?utf-8?" in head
    email = received.message
    assert str(email["Subject"]) == subject
    assert email["To"].addresses[0].display_name == name
    assert email["To"].addresses[0].addr_spec == "anna@example.org"


def test_non_ascii_local_part_travels_with_smtputf8(app, stop_background):
    server = SMTPServer(enable_SMTPUTF8=True).start()
    try:
        use_mail_server(app, server.port)
        queue(to_email="jörg@bücher.de", to_name="Jörg", html_body=HTML, ics=calendar(), kind="invitation")
        db.session.commit()
        received = delivered_one(app, server)
        assert received.rcpt_tos == ["jörg@xn--bcher-kva.de"]
        assert tree(received.message) == ["multipart/mixed",
                                          ["multipart/alternative", "text/plain", "text/html", "text/calendar"],
                                          "application/ics"]
        assert list(received.message.iter_parts())[0].get_payload()[2].get_param("method") == "REQUEST"
        # SMTPUTF8 headers are raw UTF-8 (RFC 6532).
        email = message_from_string(received.data.decode("utf-8"), policy=policy.default)
        assert email["To"].addresses[0].addr_spec == "jörg@bücher.de"
        assert email["To"].addresses[0].display_name == "Jörg"
    finally:
        server.stop()


def test_header_injection_is_impossible(mail_app, smtp_server):
    queue(to_name="Eve\r\nBcc: mallory@evil.example", subject="Hi\r\nBcc: mallory@evil.example\r\n\r\nforged body")
    db.session.commit()
    received = delivered_one(mail_app, smtp_server)
    assert received.rcpt_tos == ["anna@example.org"]
    email = received.message
    assert email["Bcc"] is None
    assert email["To"].addresses[0].display_name == "Eve Bcc: mallory@evil.example"
    assert str(make_header(decode_header(email["Subject"]))) == "Hi Bcc: mallory@evil.example forged body"
    assert text(email) == "Hello Anna,\nsee you on Thursday.\n"


def test_sent_message_is_never_sent_again(mail_app, smtp_server):
    message = queue()
    db.session.commit()
    delivered_one(mail_app, smtp_server)
    row = fresh(message.id)
    assert retry_now(row) is False
    db.session.commit()
    report = deliver_due(include_not_due=True)
    assert report.attempted == 0
    assert claim(50, include_not_due=True) == []
    # Even a row forced back to due-looking values is not taken: its state is "sent".
    row.next_attempt_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert deliver_due(include_not_due=True).attempted == 0
    assert len(smtp_server.messages) == 1


def test_server_down_then_up_delivers_each_exactly_once(app, closed_port, stop_background):
    use_mail_server(app, closed_port)
    ids = [queue(to_email=f"p{n}@example.org").id for n in range(5)]
    db.session.commit()
    assert background_delivery(app).wait_idle()
    before = utcnow()
    for row in all_messages():
        assert row.status == QUEUED
        assert row.attempts == 1
        assert "ConnectionRefusedError" in row.last_error
        assert row.next_attempt_at > before
    # Not due yet: a plain run leaves them waiting.
    background_delivery(app).stop()
    assert deliver_due().attempted == 0

    server = SMTPServer(port=closed_port).start()
    try:
        result = app.test_cli_runner().invoke(args=["mail", "send", "--all"])
        assert result.exit_code == 0, result.output
        assert "Sent 5" in result.output
        received = server.recorder.wait_for(5)
        assert sorted(r.rcpt_tos[0] for r in received) == [f"p{n}@example.org" for n in range(5)]
        assert {fresh(i).status for i in ids} == {SENT}
        again = app.test_cli_runner().invoke(args=["mail", "send", "--all"])
        assert "Sent 0" in again.output
        assert len(server.messages) == 5
    finally:
        server.stop()


def test_connection_failure_backs_off_and_gives_up(app, closed_port, stop_background):
    use_mail_server(app, closed_port, MAIL_MAX_ATTEMPTS=3, MAIL_DELIVER_AFTER_COMMIT=False)
    message = queue()
    db.session.commit()
    for attempt in (1, 2):
        report = deliver_due(include_not_due=True)
        assert report.connection_error and report.retrying == 1
        row = fresh(message.id)
        assert (row.status, row.attempts) == (QUEUED, attempt)
        wait = row.next_attempt_at - utcnow()
        assert backoff(attempt) - timedelta(seconds=5) < wait <= backoff(attempt)
    report = deliver_due(include_not_due=True)
    row = fresh(message.id)
    assert (row.status, row.attempts, row.next_attempt_at) == (FAILED, 3, None)
    assert report.failed == 1
    # Failed: no automatic attempt any more, but retryable by hand.
    assert deliver_due(include_not_due=True).attempted == 0
    assert retry_now(row) is True
    assert row.status == QUEUED
    db.session.commit()
    # Asked for by a person, the attempt happens at once (here: fails again, one more attempt).
    assert background_delivery(app).wait_idle()
    row = fresh(message.id)
    assert (row.status, row.attempts) == (FAILED, 4)
    assert "ConnectionRefusedError" in row.last_error


def test_batch_claimed_while_the_server_went_away_is_given_back_untried(app, closed_port, stop_background):
    # The next batch is claimed and written while the first travels; when the first finds
    # the server gone, the next one returns to the queue as it was: no attempt, no error.
    use_mail_server(app, closed_port, MAIL_DELIVER_AFTER_COMMIT=False)
    ids = [queue(to_email=f"p{n}@example.org").id for n in range(3)]
    db.session.commit()
    report = deliver_due(batch_size=1)
    assert report.connection_error and report.retrying == 1 and report.attempted == 1
    first, *rest = (fresh(i) for i in ids)
    assert (first.status, first.attempts) == (QUEUED, 1)
    for row in rest:
        assert (row.status, row.attempts, row.last_error, row.claimed_at) == (QUEUED, 0, None, None)
        assert row.next_attempt_at <= utcnow()


def test_many_batches_each_message_once_in_order(manual_app, smtp_server):
    # Batches are written while the one before travels: every message arrives once.
    ids = [queue(to_email=f"p{n}@example.org").id for n in range(23)]
    db.session.commit()
    report = deliver_due(batch_size=5)
    assert (report.sent, report.connections) == (23, 5)
    received = smtp_server.recorder.wait_for(23)
    assert [r.rcpt_tos[0] for r in received] == [f"p{n}@example.org" for n in range(23)]
    assert {fresh(i).status for i in ids} == {SENT}


def test_backoff_grows_and_is_capped():
    waits = [backoff(n) for n in range(1, 9)]
    assert waits == sorted(waits)
    assert waits[0] == timedelta(minutes=1)
    assert waits[-1] == timedelta(minutes=BACKOFF_MINUTES[-1])


def test_permanently_refused_recipient_fails_that_message_alone(mail_app, smtp_server):
    smtp_server.recorder.refuse["gone@example.org"] = "550 5.1.1 No such user here"
    ids = [queue(to_email=address).id for address in ("anna@example.org", "gone@example.org", "bert@example.org")]
    db.session.commit()
    assert background_delivery(mail_app).wait_idle()
    received = smtp_server.recorder.wait_for(2)
    assert sorted(r.rcpt_tos[0] for r in received) == ["anna@example.org", "bert@example.org"]
    assert smtp_server.recorder.connections == 1  # the batch went on over the same connection
    anna, gone, bert = (fresh(i) for i in ids)
    assert anna.status == bert.status == SENT
    assert gone.status == FAILED and gone.next_attempt_at is None
    assert "550" in gone.last_error and "No such user here" in gone.last_error


def test_temporarily_refused_recipient_is_retried_later(manual_app, smtp_server):
    smtp_server.recorder.refuse["full@example.org"] = "452 4.2.2 Mailbox full"
    message = queue(to_email="full@example.org")
    db.session.commit()
    # Even with --all, one attempt per run: a postponed message is not taken again at once.
    report = deliver_due(include_not_due=True)
    row = fresh(message.id)
    assert report.retrying == 1 and report.attempted == 1
    assert row.status == QUEUED and row.attempts == 1 and "452" in row.last_error
    del smtp_server.recorder.refuse["full@example.org"]
    assert deliver_due(include_not_due=True).sent == 1
    assert fresh(message.id).status == SENT


def test_many_messages_go_over_one_connection_per_batch(manual_app, smtp_server):
    for n in range(120):
        queue(to_email=f"p{n}@example.org")
    db.session.commit()
    report = deliver_due(batch_size=50, include_not_due=True)
    smtp_server.recorder.wait_for(120)
    assert report.sent == 120
    assert len(smtp_server.messages) == 120
    assert smtp_server.recorder.connections == 3
    assert {m.status for m in all_messages()} == {SENT}


def test_claims_never_overlap(app, closed_port):
    use_mail_server(app, closed_port, MAIL_DELIVER_AFTER_COMMIT=False)
    for n in range(7):
        queue(to_email=f"p{n}@example.org")
    db.session.commit()
    first = claim(4)
    second = claim(4)
    assert len(first) == 4 and len(second) == 3
    assert not set(first) & set(second)
    assert claim(4) == []
    assert {m.status for m in all_messages()} == {SENDING}


def test_parallel_workers_send_each_message_once(manual_app, smtp_server):
    for n in range(60):
        queue(to_email=f"p{n}@example.org")
    db.session.commit()
    reports = []

    def worker():
        with manual_app.app_context():
            reports.append(deliver_due(batch_size=5, include_not_due=True))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    smtp_server.recorder.wait_for(60)
    assert sum(r.sent for r in reports) == 60
    assert sorted(r.rcpt_tos[0] for r in smtp_server.messages) == sorted(f"p{n}@example.org" for n in range(60))


def test_abandoned_claim_goes_back_to_the_queue_and_is_sent_by_the_next_run(manual_app, smtp_server):
    manual_app.config["MAIL_CLAIM_TIMEOUT"] = 30
    message = queue()
    db.session.commit()
    assert claim(10) == [message.id]  # a run took it, then died
    row = fresh(message.id)
    row.claimed_at = utcnow() - timedelta(seconds=25)
    db.session.commit()
    # Younger than MAIL_CLAIM_TIMEOUT: its run may be alive and sending it; left alone.
    report = deliver_due(include_not_due=True)
    assert (report.requeued, report.attempted) == (0, 0)
    assert fresh(message.id).status == SENDING
    row = fresh(message.id)
    row.claimed_at = utcnow() - timedelta(seconds=31)
    db.session.commit()
    # Older: back in the queue, due at once, and sent by this very run (not only with --all).
    report = deliver_due()
    assert (report.requeued, report.sent) == (1, 1)
    (received,) = smtp_server.recorder.wait_for(1)
    assert received.message["Message-ID"] == message.message_id
    row = fresh(message.id)
    assert (row.status, row.claimed_at, row.last_error, row.attempts) == (SENT, None, None, 1)
    assert deliver_due(include_not_due=True).attempted == 0
    assert len(smtp_server.messages) == 1


def test_released_claim_says_why_until_it_is_sent(manual_app, smtp_server):
    message = queue()
    db.session.commit()
    claim(10)
    row = fresh(message.id)
    row.claimed_at = None  # a claim without its time counts as abandoned too
    db.session.commit()
    assert release_stale_claims() == 1
    row = fresh(message.id)
    assert row.status == QUEUED and row.next_attempt_at <= utcnow() and row.claimed_at is None
    assert "queued again" in row.last_error


def test_a_live_run_renews_its_claims(manual_app, smtp_server):
    # Batches that take longer than MAIL_CLAIM_TIMEOUT, and a second worker looking for
    # abandoned claims all along: nothing of the live run is taken for abandoned.
    manual_app.config["MAIL_CLAIM_TIMEOUT"] = 1
    smtp_server.recorder.delay = 0.06
    addresses = [f"p{n}@example.org" for n in range(40)]
    for address in addresses:
        queue(to_email=address)
    db.session.commit()
    done = threading.Event()
    requeued = []

    def other_worker():
        with manual_app.app_context():
            while not done.is_set():
                requeued.append(release_stale_claims())
                done.wait(0.1)

    other = threading.Thread(target=other_worker)
    other.start()
    try:
        report = deliver_due(batch_size=20)
    finally:
        done.set()
        other.join(10)
    assert report.sent == 40 and report.requeued == 0
    assert sum(requeued) == 0 and len(requeued) > 10
    assert sorted(r.rcpt_tos[0] for r in smtp_server.messages) == sorted(addresses)


def test_each_outcome_is_committed_before_the_next_message_goes(manual_app, smtp_server):
    # What another connection sees each time the server receives a message: every message it
    # accepted before is already recorded as sent, this one is claimed, the rest not sent.
    seen = []
    recorder = smtp_server.recorder
    original = recorder.handle_DATA

    async def handle_DATA(server, session, envelope):
        with manual_app.app_context():
            states = dict(db.session.execute(db.select(OutboxMessage.to_email, OutboxMessage.status)).all())
            db.session.remove()
        with recorder.lock:
            accepted = {m.rcpt_tos[0] for m in recorder.messages}
        seen.append((envelope.rcpt_tos[0], accepted, states))
        return await original(server, session, envelope)

    recorder.handle_DATA = handle_DATA
    for n in range(12):
        queue(to_email=f"p{n}@example.org")
    db.session.commit()
    assert deliver_due(batch_size=5).sent == 12
    assert len(seen) == 12
    for arriving, accepted, states in seen:
        assert {address for address, status in states.items() if status == SENT} == accepted
        assert states[arriving] == SENDING


def test_no_mail_server_delivers_nothing_and_says_so(app):
    queue()
    db.session.commit()
    with pytest.raises(NoMailServer):
        deliver_due()
    assert all_messages()[0].status == QUEUED


def test_background_thread_retries_when_the_server_comes_back(app, closed_port, stop_background):
    use_mail_server(app, closed_port)
    message = queue()
    db.session.commit()
    assert background_delivery(app).wait_idle()
    assert fresh(message.id).attempts == 1
    server = SMTPServer(port=closed_port).start()
    try:
        row = fresh(message.id)
        row.next_attempt_at = utcnow()  # instead of waiting the minute of backoff
        db.session.commit()
        background_delivery(app).kick()
        server.recorder.wait_for(1)
        assert background_delivery(app).wait_idle()
        assert fresh(message.id).status == SENT
    finally:
        server.stop()
