"""Mail without a calendar part at a reply address: a person's words go to the organisers with
the original attached, automatic replies are only recorded, delivery reports mark the address
that bounced (shapes in tests/inbound/shapes.py, each saying where it comes from)."""
from __future__ import annotations


import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.inbound.services import receive
from meetings.inbound.states import InboundState, Reason
from meetings.invitations import services as invitations
from meetings.mail.delivery import deliver_due
from meetings.mail.models import OutboxMessage
from meetings.network.models import Contact
from tests.inbound import shapes
from tests.inbound.conftest import INBOUND, reply_to
from tests.invitations.helpers import outbox
from tests.mail.conftest import manual_app, smtp_server, stop_background  # noqa: F401


def all_mail() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_persons_words_are_passed_on_with_the_original(sent):
    meeting, (anna, ben, chloe) = sent
    before = all_mail()
    raw = shapes.person_writes(anna.email, "Anna", reply_to(anna), "I'll be 10 minutes late, sorry!")
    message = receive(raw, door="http", recipient=reply_to(anna))
    assert (message.state, message.reason) == (InboundState.FORWARDED, Reason.FORWARDED)
    assert message.participant_id == anna.id
    (forward,) = outbox("inbound_forward")
    assert all_mail() == before + 1
    assert forward.to_email == "cluster@meetings.test" and forward.reply_to == anna.email
    assert forward.subject == "Message from Anna: Re: Invitation: Core Team meeting"
    assert "I'll be 10 minutes late, sorry!" in forward.text_body and "Core Team meeting" in forward.text_body
    assert "anna@example.org" in forward.html_body
    assert forward.attached_message == raw
    # The same message through another door is not passed on twice.
    receive(raw, door="lmtp", recipient=reply_to(anna))
    assert len(outbox("inbound_forward")) == 1


def test_words_to_the_plain_reply_address_are_passed_on_too(sent):
    raw = shapes.person_writes("someone@example.com", "Someone", INBOUND, "Is there parking at the venue?",
                               subject="Parking", msgid="<parking-1@example.com>")
    message = receive(raw, door="imap", recipient=INBOUND)
    assert message.state == InboundState.FORWARDED and message.participant_id is None
    (forward,) = outbox("inbound_forward")
    assert forward.subject == "Message from Someone: Parking" and forward.meeting_id is None
    assert "Is there parking at the venue?" in forward.text_body and forward.reply_to == "someone@example.com"


def test_what_a_person_writes_is_escaped_in_the_html(sent):
    meeting, (anna, ben, chloe) = sent
    raw = shapes.person_writes(anna.email, "Anna <script>", reply_to(anna), "<b>bold</b> & <script>x</script>",
                               subject="Hi <img src=x>")
    receive(raw, door="http", recipient=reply_to(anna))
    (forward,) = outbox("inbound_forward")
    assert "<script>" not in forward.html_body and "&lt;b&gt;bold&lt;/b&gt;" in forward.html_body
    assert "<img" not in forward.html_body


def test_the_forward_as_delivered_carries_the_original_as_message_rfc822(manual_app, smtp_server, sent):
    meeting, (anna, ben, chloe) = sent
    raw = shapes.person_writes(anna.email, "Anna", reply_to(anna), "Ich komme später, Grüße aus Münster.")
    receive(raw, door="http", recipient=reply_to(anna))
    deliver_due(batch_size=100)
    (received,) = [r for r in smtp_server.recorder.wait_for(4) if r.rcpt_tos == ["cluster@meetings.test"]]
    email = received.message
    assert email["Reply-To"] == "anna@example.org"
    assert email["Auto-Submitted"] == "auto-generated", "automatic mail: no out-of-office answers it"
    assert "Re: Invitation: Core Team meeting" in str(email["Subject"])
    (attached,) = list(email.iter_attachments())
    assert attached.get_content_type() == "message/rfc822" and attached.get_filename() == "original.eml"
    assert attached["Content-Transfer-Encoding"] == "7bit"
    original = attached.get_content()
    assert original["From"] == "Anna <anna@example.org>" and original["Message-ID"] == "<late-1@example.org>"
    assert original.get_content().strip() == "Ich komme später, Grüße aus Münster."


def test_our_own_mail_coming_back_is_not_passed_on(sent):
    meeting, (anna, ben, chloe) = sent
    raw = shapes.person_writes("cluster@meetings.test", "Cluster office", reply_to(anna), "Loop?")
    message = receive(raw, door="http", recipient=reply_to(anna))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.NOT_FORWARDED)
    assert outbox("inbound_forward") == []


@pytest.mark.parametrize("auto_submitted", [True, False], ids=["auto-submitted", "subject-only"])
def test_an_out_of_office_is_recorded_never_passed_on_or_answered(sent, auto_submitted):
    meeting, (anna, ben, chloe) = sent
    before = all_mail()
    raw = shapes.outlook_out_of_office(ben.email, "Ben", reply_to(ben), auto_submitted=auto_submitted)
    message = receive(raw, door="http", recipient=reply_to(ben))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.AUTO_REPLY)
    assert message.kind == "auto" and message.participant_id == ben.id
    assert all_mail() == before


def test_a_postfix_bounce_marks_the_participant_by_the_returned_reply_address(sent, organiser_client):
    meeting, (anna, ben, chloe) = sent
    raw = shapes.postfix_bounce(ben.email, returned_reply_to=reply_to(ben), to=INBOUND)
    message = receive(raw, door="lmtp", recipient=INBOUND)
    assert (message.state, message.reason) == (InboundState.APPLIED, Reason.BOUNCED)
    assert message.kind == "bounce" and message.participant_id == ben.id
    db.session.expire_all()
    assert ben.bounced_at is not None and ben.bounce_detail.startswith("5.1.1 smtp; 550 5.1.1")
    assert anna.bounced_at is None
    contact = db.session.get(Contact, ben.contact_id)
    assert contact.bounced_at is not None
    page = organiser_client.get(f"/manage/meetings/{meeting.id}/responses").get_data(as_text=True)
    assert page.count("address bouncing") == 1
    contact_page = organiser_client.get(f"/manage/contacts/{contact.id}").get_data(as_text=True)
    assert "address bouncing" in contact_page and "came back undelivered" in contact_page
    contacts = organiser_client.get("/manage/contacts/").get_data(as_text=True)
    assert contacts.count("address bouncing") == 1
    assert outbox("inbound_forward") == [], "a report is never passed on or answered"


def test_an_exchange_bounce_without_a_token_marks_the_address(sent):
    meeting, (anna, ben, chloe) = sent
    raw = shapes.exchange_bounce(chloe.email, to="cluster@meetings.test")
    message = receive(raw, door="imap", recipient=None)
    assert (message.state, message.reason) == (InboundState.APPLIED, Reason.BOUNCED)
    db.session.expire_all()
    assert chloe.bounced_at is not None and "5.1.10" in chloe.bounce_detail
    assert "RESOLVER.ADR.RecipientNotFound" in chloe.bounce_detail
    assert db.session.get(Contact, chloe.contact_id).bounced_at is not None


def test_a_delay_is_not_a_bounce(sent):
    meeting, (anna, ben, chloe) = sent
    message = receive(shapes.delayed_report(ben.email, to=INBOUND), door="http", recipient=INBOUND)
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.BOUNCE_UNMATCHED)
    db.session.expire_all()
    assert ben.bounced_at is None


def test_a_bounce_for_an_unknown_address_is_recorded(sent):
    message = receive(shapes.exchange_bounce("nobody@example.com", to=INBOUND), door="http", recipient=INBOUND)
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.BOUNCE_UNMATCHED)


def test_the_flag_clears_when_the_person_answers(sent, organiser_client):
    meeting, (anna, ben, chloe) = sent
    receive(shapes.postfix_bounce(ben.email, returned_reply_to=reply_to(ben), to=INBOUND), door="http",
            recipient=INBOUND)
    db.session.expire_all()
    invitations.answer(ben, "accepted", None)
    db.session.commit()
    db.session.expire_all()
    assert ben.bounced_at is None and ben.bounce_detail is None
    assert db.session.get(Contact, ben.contact_id).bounced_at is None
    page = organiser_client.get(f"/manage/meetings/{meeting.id}/responses").get_data(as_text=True)
    assert "address bouncing" not in page
