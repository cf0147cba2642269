"""Messages queued in bulk and written later: rows first (in the caller's transaction), content
when they are delivered or opened, failures visible per message."""
from __future__ import annotations

import pytest

from meetings.extensions import db
from meetings.mail import outbox
from meetings.mail.delivery import deliver_due
from meetings.mail.models import FAILED, QUEUED, SENT
from meetings.mail.outbox import Content, OutboxError, Recipient, prepare, queue_later, retry_now
from tests.helpers import text_of
from tests.mail.helpers import all_messages, calendar, fresh

KIND = "test-note"


@pytest.fixture
def preparer():
    """A preparer for KIND that writes a note per recipient; ``refuse`` lists addresses it cannot write."""
    calls: list[list[int]] = []
    refuse: set[str] = set()

    def write(messages):
        calls.append([m.id for m in messages])
        return {m.id: (f"cannot write to {m.to_email}" if m.to_email in refuse else
                       Content(subject=f"Note for {m.to_name}\r\nBcc: evil@example.org",
                               text_body=f"Hello {m.to_name}, {m.prepare_args}",
                               html_body="<html><head><style>p{color:#123456}</style></head><body><p>Hi</p></body></html>",
                               ics=calendar(attendee=m.to_email)))
                for m in messages}

    outbox.register_preparer([KIND], write)
    yield calls, refuse
    outbox._preparers.pop(KIND, None)


def people(n: int, **args) -> list[Recipient]:
    return [Recipient(to_email=f"p{i}@example.org", to_name=f"Person {i}", language="en",
                      dedupe_key=f"{KIND}:{i}", args=args) for i in range(n)]


def test_rows_are_queued_at_once_and_written_later(app, preparer):
    calls, _ = preparer
    ids = queue_later(KIND, people(3, note="see you"))
    db.session.commit()
    messages = all_messages()
    assert [m.id for m in messages] == ids
    assert all(m.status == QUEUED and not m.is_prepared and m.subject is None for m in messages)
    assert calls == []
    assert prepare() == []
    db.session.commit()
    messages = all_messages()
    assert all(m.is_prepared for m in messages)
    # The subject is kept on one line, the HTML's styles inlined, the calendar's METHOD recorded.
    assert messages[0].subject == "Note for Person 0 Bcc: evil@example.org"
    assert "<style" not in messages[0].html_body and 'style="color' in messages[0].html_body
    assert messages[0].ics_method == "REQUEST" and '"note": "see you"' in messages[0].text_body
    # Written once: a second run finds nothing to do.
    assert prepare() == [] and len(calls) == 1


def test_a_rolled_back_change_queues_nothing(app, preparer):
    queue_later(KIND, people(2))
    db.session.rollback()
    assert all_messages() == []


def test_the_same_logical_email_is_queued_once(app, preparer):
    first = queue_later(KIND, people(2))
    again = queue_later(KIND, people(3))
    db.session.commit()
    assert len(first) == 2 and len(again) == 1
    assert len(all_messages()) == 3


def test_a_bad_address_queues_nothing(app, preparer):
    recipients = people(2) + [Recipient(to_email="a@example.org\r\nBcc: x@example.org", to_name="X", language="en")]
    with pytest.raises(OutboxError):
        queue_later(KIND, recipients)
    db.session.commit()
    assert all_messages() == []


def test_a_kind_without_a_writer_is_refused(app):
    with pytest.raises(OutboxError):
        queue_later("nobody-writes-this", people(1))


def test_a_message_that_cannot_be_written_fails_visibly_and_can_be_retried(app, preparer):
    _, refuse = preparer
    refuse.add("p1@example.org")
    queue_later(KIND, people(2))
    db.session.commit()
    failed = prepare()
    db.session.commit()
    good, bad = all_messages()
    assert failed == [bad.id] and good.is_prepared
    assert bad.status == FAILED and "cannot write to p1@example.org" in bad.last_error
    refuse.clear()
    assert retry_now(bad)
    db.session.commit()
    assert prepare([bad.id]) == []
    db.session.commit()
    assert fresh(bad.id).is_prepared


def test_delivery_writes_then_sends(manual_app, smtp_server, preparer):
    queue_later(KIND, people(3))
    db.session.commit()
    report = deliver_due()
    assert report.sent == 3
    received = smtp_server.recorder.wait_for(3)
    parsed = received[0].message
    assert parsed["Subject"] == "Note for Person 0 Bcc: evil@example.org" and parsed["Bcc"] is None
    assert {m.status for m in all_messages()} == {SENT}


def test_delivery_fails_only_what_cannot_be_written(manual_app, smtp_server, preparer):
    _, refuse = preparer
    refuse.add("p0@example.org")
    queue_later(KIND, people(3))
    db.session.commit()
    report = deliver_due()
    assert report.sent == 2 and report.failed == 1
    assert len(smtp_server.recorder.wait_for(2)) == 2
    assert [m.status for m in all_messages()] == [FAILED, SENT, SENT]


def test_opening_a_message_in_the_outbox_writes_it(organiser_client, preparer):
    (message_id,) = queue_later(KIND, people(1))
    db.session.commit()
    listing = text_of(organiser_client.get("/manage/mail/"))
    assert "written when it is sent or opened" in listing
    page = text_of(organiser_client.get(f"/manage/mail/{message_id}"))
    assert "Note for Person 0" in page and "Hello Person 0" in page
    assert organiser_client.get(f"/manage/mail/{message_id}/message.eml").status_code == 200


def test_a_message_that_cannot_be_written_shows_why(organiser_client, preparer):
    _, refuse = preparer
    refuse.add("p0@example.org")
    (message_id,) = queue_later(KIND, people(1))
    db.session.commit()
    page = text_of(organiser_client.get(f"/manage/mail/{message_id}"))
    assert "Message not written" in page and "cannot write to p0@example.org" in page
    assert organiser_client.get(f"/manage/mail/{message_id}/message.eml").status_code == 404
