"""The "received" pages beside the outbox: list, filter, pages, detail, the raw .eml, retry."""
from __future__ import annotations

import pytest

from meetings.extensions import db
from meetings.inbound import handlers, services
from meetings.inbound.models import InboundMessage
from meetings.inbound.states import InboundState
from tests.helpers import post_form, text_of
from tests.inbound.conftest import reply_to
from tests.inbound.replies import mail, reply_calendar


def received(sent):
    """An applied reply, a reply for an unknown meeting, and a malformed message."""
    meeting, (anna, ben, _) = sent
    applied = services.receive(mail(reply_calendar(meeting.uid, anna.email), to=reply_to(anna),
                                    subject="Accepted: Core Team meeting"), door="imap")
    unknown = services.receive(mail(reply_calendar("no-such-uid@elsewhere", ben.email), sender=ben.email,
                                    subject="Declined: Other meeting <b>now</b>"), door="lmtp")
    broken = services.receive(b"\x00\xff not an email\r\n", door="http")
    return applied, unknown, broken


@pytest.mark.parametrize("path", ["/manage/mail/received/", "/manage/mail/received/1",
                                  "/manage/mail/received/1/message.eml"])
def test_login_required(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_retry_needs_login(client):
    assert client.post("/manage/mail/received/1/retry").status_code in (302, 400)


def test_the_list_says_what_each_message_did(sent, organiser_client):
    applied, unknown, broken = received(sent)
    html = text_of(organiser_client.get("/manage/mail/received/"))
    assert "Accepted: Core Team meeting" in html and "anna@example.org" in html
    assert "The answer was recorded." in html
    assert "No meeting has this calendar entry (it may have been deleted)." in html
    # User text is escaped.
    assert "Declined: Other meeting &lt;b&gt;now&lt;/b&gt;" in html
    assert "IMAP mailbox" in html and "LMTP (mail server)" in html and "HTTP (mail service)" in html
    assert f'href="/manage/mail/received/{broken.id}"' in html
    # The tab beside the outbox, and the outbox's tab to it.
    assert '<a href="/manage/mail/received/" aria-current="page">Received</a>' in html
    assert '<a href="/manage/mail/received/" >Received</a>' in text_of(organiser_client.get("/manage/mail/"))


def test_the_list_filters_by_state(sent, organiser_client):
    applied, unknown, broken = received(sent)
    html = text_of(organiser_client.get("/manage/mail/received/?state=applied"))
    assert "Accepted: Core Team meeting" in html and "Other meeting" not in html
    assert organiser_client.get("/manage/mail/received/?state=nonsense").status_code == 404
    assert "No received messages in this state." in text_of(
        organiser_client.get("/manage/mail/received/?state=held"))


def test_the_list_has_pages(inbound, organiser_client):
    for n in range(55):
        services.receive(mail(None, subject=f"Note {n:02d}", msgid=f"<note-{n}@client.example>"), door="http")
    first = text_of(organiser_client.get("/manage/mail/received/"))
    assert "Note 54" in first and "Note 04" not in first and "Page 1 of 2" in first
    second = text_of(organiser_client.get("/manage/mail/received/?page=2"))
    assert "Note 04" in second and "Note 54" not in second
    assert organiser_client.get("/manage/mail/received/?page=x").status_code == 404


def test_the_detail_page_and_the_eml(sent, organiser_client):
    applied, unknown, broken = received(sent)
    html = text_of(organiser_client.get(f"/manage/mail/received/{applied.id}"))
    assert "The answer was recorded." in html and "Core Team meeting" in html and "Anna" in html
    assert applied.message_id.replace("<", "&lt;").replace(">", "&gt;") in html
    assert "Retry now" not in html
    response = organiser_client.get(f"/manage/mail/received/{applied.id}/message.eml")
    assert response.status_code == 200 and response.mimetype == "message/rfc822"
    assert response.headers["Content-Disposition"] == f'attachment; filename="received-{applied.id}.eml"'
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data == db.session.get(InboundMessage, applied.id).raw
    # Bytes that are no text are shown replaced, never a 500.
    assert organiser_client.get(f"/manage/mail/received/{broken.id}").status_code == 200
    assert organiser_client.get("/manage/mail/received/999").status_code == 404
    assert organiser_client.get("/manage/mail/received/999/message.eml").status_code == 404


def test_a_failed_message_is_retried_with_one_click(inbound, organiser_client, monkeypatch):
    original = handlers._handlers.get("plain")

    def broken(message, parsed, participant):
        raise RuntimeError("the forwarding went wrong")

    monkeypatch.setitem(handlers._handlers, "plain", broken)
    failed = services.receive(mail(None, subject="I'll be late"), door="imap")
    assert failed.state == InboundState.FAILED
    page = f"/manage/mail/received/{failed.id}"
    html = text_of(organiser_client.get(page))
    assert "Retry now" in html and "RuntimeError: the forwarding went wrong" in html
    assert "Applying failed; it is tried again." in text_of(organiser_client.get("/manage/mail/received/"))
    response = post_form(organiser_client, f"{page}/retry", form_url=page, follow_redirects=True)
    assert "Applying the message failed again; the error is shown below." in text_of(response)
    monkeypatch.setitem(handlers._handlers, "plain", original or (lambda message, parsed, participant:
                                                                   handlers.record(message, "ignored")))
    response = post_form(organiser_client, f"{page}/retry", form_url=page, follow_redirects=True)
    assert "The message was applied." in text_of(response)
    db.session.expire_all()
    message = db.session.get(InboundMessage, failed.id)
    assert message.state != InboundState.FAILED and message.error is None and message.attempts == 3
    # Once it went through, there is nothing to retry.
    response = post_form(organiser_client, f"{page}/retry", form_url=page)
    assert response.status_code == 303
    assert "Only a message whose applying failed can be retried." in text_of(
        organiser_client.get(response.headers["Location"]))
