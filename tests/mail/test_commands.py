"""``flask mail send|status|retry`` through Flask's CLI runner."""
from __future__ import annotations

from meetings.extensions import db
from meetings.mail.models import FAILED, QUEUED, SENT
from tests.mail.conftest import use_mail_server
from tests.mail.helpers import fresh, queue


def run(app, *args):
    return app.test_cli_runner().invoke(args=["mail", *args])


def test_help_comes_from_the_docstrings(app):
    assert "Deliver every queued message that is due" in run(app, "send", "--help").output
    assert "--all" in run(app, "send", "--help").output
    assert "Show how many messages" in run(app, "status", "--help").output


def test_send_without_server_says_so(app):
    queue()
    db.session.commit()
    result = run(app, "send")
    assert result.exit_code == 1
    assert "No MAIL_SERVER configured: 1 message(s) stay in the outbox" in result.output


def test_send_delivers_due_messages_in_batches(app, smtp_server):
    use_mail_server(app, smtp_server.port, MAIL_DELIVER_AFTER_COMMIT=False)
    for n in range(7):
        queue(to_email=f"p{n}@example.org")
    db.session.commit()
    result = run(app, "send", "--batch-size", "3")
    assert result.exit_code == 0, result.output
    assert "Sent 7, to retry later 0, failed 0 (over 3 connection(s) to 127.0.0.1:" in result.output
    assert len(smtp_server.recorder.wait_for(7)) == 7


def test_send_reports_refusals_and_an_unreachable_server(app, smtp_server, closed_port):
    use_mail_server(app, smtp_server.port, MAIL_DELIVER_AFTER_COMMIT=False)
    smtp_server.recorder.refuse["gone@example.org"] = "550 No such user"
    gone = queue(to_email="gone@example.org")
    db.session.commit()
    result = run(app, "send")
    assert result.exit_code == 0
    assert f"message {gone.id}: Recipient refused: gone@example.org: 550 No such user" in result.output
    use_mail_server(app, closed_port, MAIL_DELIVER_AFTER_COMMIT=False)
    queue()
    db.session.commit()
    result = run(app, "send")
    assert result.exit_code == 1
    assert "The mail server could not be used: ConnectionRefusedError" in result.output


def test_status_counts_and_mode(app):
    queue()
    queue(to_email="b@example.org").status = SENT
    db.session.commit()
    result = run(app, "status")
    assert result.exit_code == 0
    assert "  queued: 1" in result.output and "    sent: 1" in result.output and "  failed: 0" in result.output
    assert "no MAIL_SERVER configured" in result.output
    assert "next attempt:" in result.output


def test_retry_failed_messages(app):
    failed = queue()
    failed.status, failed.next_attempt_at = FAILED, None
    sent = queue(to_email="b@example.org")
    sent.status = SENT
    db.session.commit()
    result = run(app, "retry", "--failed")
    assert result.exit_code == 0 and "Queued 1 message(s)" in result.output
    assert fresh(failed.id).status == QUEUED
    result = run(app, "retry", str(sent.id), "999")
    assert "Queued 0 message(s)" in result.output and "No such message: 999" in result.output
    assert fresh(sent.id).status == SENT
    assert run(app, "retry").exit_code == 2
