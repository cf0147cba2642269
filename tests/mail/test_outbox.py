"""Queueing: a row in the caller's transaction, delivery only after its commit."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.mail.runner import background_delivery
from meetings.mail.models import QUEUED, OutboxMessage
from meetings.mail.outbox import OutboxError, queue_email
from tests.factories import make_meeting, make_participant
from tests.mail.conftest import use_mail_server
from tests.mail.helpers import all_messages, calendar, fresh, queue


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_queue_adds_a_row_in_the_callers_transaction(app):
    message = queue()
    assert message.id is not None  # flushed
    assert db.session().in_transaction()
    db.session.commit()
    row = fresh(message.id)
    assert row.status == QUEUED and row.attempts == 0
    assert row.message_id.startswith("<") and row.message_id.endswith("@meetings.test>")
    assert row.next_attempt_at is not None and row.sent_at is None


def test_links_to_meeting_and_participant_by_id(app):
    meeting = make_meeting()
    participant = make_participant(meeting)
    message = queue(meeting_id=meeting.id, participant_id=participant.id, kind="invitation")
    db.session.commit()
    assert (fresh(message.id).meeting_id, fresh(message.id).participant_id) == (meeting.id, participant.id)


def test_rolled_back_transaction_queues_and_sends_nothing(app, smtp_server, stop_background):
    use_mail_server(app, smtp_server.port)
    queue(to_email="one@example.org")
    queue(to_email="two@example.org")
    db.session.rollback()
    assert count() == 0
    # A later commit of other work must not deliver what was rolled back.
    queue(to_email="three@example.org")
    db.session.commit()
    assert background_delivery(app).wait_idle()
    received = smtp_server.recorder.wait_for(1)
    assert [r.rcpt_tos for r in received] == [["three@example.org"]]


def test_nothing_is_triggered_before_the_commit(app, smtp_server, stop_background):
    use_mail_server(app, smtp_server.port)
    message = queue()
    assert "background" not in app.extensions["outbox"]
    db.session.commit()
    assert background_delivery(app).wait_idle()
    smtp_server.recorder.wait_for(1)
    assert fresh(message.id).status == "sent"


def test_without_mail_server_messages_wait_in_the_outbox(app):
    assert app.config["MAIL_SERVER"] is None
    message = queue()
    db.session.commit()
    assert "background" not in app.extensions.get("outbox", {})
    assert fresh(message.id).status == QUEUED


@pytest.mark.parametrize("address", [
    "anna@example.org\r\nBcc: mallory@evil.example",
    "anna@example.org\nBcc: mallory@evil.example",
    "anna@example.org, mallory@evil.example",
    "Anna <anna@example.org>",
    "anna example@example.org",
    "anna",
    "@example.org",
    "anna@",
    "",
])
def test_address_that_is_not_one_mailbox_is_refused(app, address):
    with pytest.raises(OutboxError):
        queue(to_email=address)
    assert count() == 0


def test_reply_to_must_be_one_mailbox(app):
    with pytest.raises(OutboxError):
        queue(reply_to="a@example.org\r\nBcc: b@example.org")


def test_names_and_subjects_stay_on_one_line(app):
    message = queue(to_name="Eve\r\nBcc: mallory@evil.example", subject="Hello\r\n\r\n<html>body</html>\u2028x")
    assert message.to_name == "Eve Bcc: mallory@evil.example"
    assert message.subject == "Hello <html>body</html> x"


def test_same_dedupe_key_queues_once(app):
    first = queue(dedupe_key="invitation:7:0")
    db.session.commit()
    again = queue(dedupe_key="invitation:7:0", subject="something else")
    db.session.commit()
    assert again.id == first.id
    assert count() == 1
    queue(dedupe_key="invitation:7:1")
    db.session.commit()
    assert count() == 2


def test_dedupe_key_within_one_transaction(app):
    first = queue(dedupe_key="reminder:1")
    second = queue(dedupe_key="reminder:1")
    db.session.commit()
    assert first.id == second.id and count() == 1


def test_rollback_discards_a_message_with_dedupe_key(app):
    queue(dedupe_key="invitation:1:0")
    db.session.rollback()
    assert count() == 0
    queue(dedupe_key="invitation:1:0")
    db.session.commit()
    assert count() == 1


def test_racing_requests_with_one_dedupe_key_queue_once(app):
    first = queue(dedupe_key="invitation:9:0")  # not committed yet
    result = {}

    def other_request():
        with app.app_context():
            result["id"] = queue(dedupe_key="invitation:9:0", subject="from the other request").id
            db.session.commit()

    thread = threading.Thread(target=other_request)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive()  # waits for this transaction to end
    db.session.commit()
    thread.join(10)
    assert result["id"] == first.id
    assert count() == 1 and all_messages()[0].subject == "Core team meeting"


def test_calendar_method_is_taken_from_the_calendar(app):
    message = queue(ics=calendar("CANCEL"), kind="cancellation")
    assert message.ics_method == "CANCEL"


@pytest.mark.parametrize("ics_method,method_in_body", [("REQUEST", "CANCEL"), ("BOGUS", "REQUEST")])
def test_calendar_method_must_match_the_calendar(app, ics_method, method_in_body):
    with pytest.raises(OutboxError):
        queue(ics=calendar(method_in_body), ics_method=ics_method)
    assert count() == 0


def test_method_without_calendar_is_refused(app):
    with pytest.raises(OutboxError):
        queue(ics_method="REQUEST")


def test_html_style_block_is_inlined(app):
    html = ("<html><head><style>p.lead { color: #123456; font-weight: bold }</style></head>"
            "<body><p class=\"lead\">Hello</p></body></html>")
    message = queue(html_body=html)
    assert 'style="color: #123456;font-weight: bold;"' in message.html_body.replace("; ", ";")
    assert "<style>" not in message.html_body


def test_html_without_style_block_is_kept(app):
    assert queue(html_body="<p>Hello</p>").html_body == "<p>Hello</p>"


def test_keyword_arguments_only(app):
    with pytest.raises(TypeError):
        queue_email("anna@example.org", "Anna", "Subject", "Body")  # type: ignore[misc]


def test_queued_messages_listed_in_order(app):
    for n in range(3):
        queue(to_email=f"p{n}@example.org")
    db.session.commit()
    assert [m.to_email for m in all_messages()] == ["p0@example.org", "p1@example.org", "p2@example.org"]
