"""REFRESH: the attendee's calendar asks for the meeting as it is; the current REQUEST goes to them again."""
from __future__ import annotations

from datetime import timedelta

from meetings.extensions import db
from meetings.inbound import services
from meetings.inbound.states import InboundState, Reason
from meetings.invitations import services as invitations
from meetings.mail.delivery import deliver_due
from tests.inbound.conftest import reply_to
from tests.inbound.replies import thunderbird_reply
from tests.invitations.helpers import outbox, vevent


def test_the_current_request_is_sent_again_and_passes_the_calendar_checks(sent, manual_app, smtp_server, validated):
    meeting, (anna, *_) = sent
    deliver_due()
    smtp_server.recorder.wait_for(3)
    smtp_server.recorder.messages.clear()
    message = services.receive(thunderbird_reply(meeting.uid, anna.email, method="REFRESH", to=reply_to(anna)),
                               door="lmtp")
    assert (message.state, message.reason, message.method) == (InboundState.APPLIED, Reason.REQUEST_RESENT,
                                                               "REFRESH")
    deliver_due()
    (received,) = smtp_server.recorder.wait_for(1)
    assert received.rcpt_tos == [anna.email]
    data = next(p for p in received.message.walk() if p.get_content_type() == "text/calendar").get_payload(
        decode=True)
    validated(data)
    cal, event = vevent(data)
    assert cal["METHOD"] == "REQUEST" and event["UID"] == meeting.uid and event["SEQUENCE"] == meeting.sequence
    assert str(event["ORGANIZER"]) == f"mailto:{reply_to(anna)}"


def test_two_refreshes_send_two_requests_and_the_same_one_twice_sends_one(sent):
    meeting, (anna, *_) = sent
    raw = thunderbird_reply(meeting.uid, anna.email, method="REFRESH", to=reply_to(anna))
    services.receive(raw, door="imap")
    services.receive(raw, door="http")
    services.receive(thunderbird_reply(meeting.uid, anna.email, method="REFRESH", to=reply_to(anna)), door="imap")
    assert len([m for m in outbox("invitation") if m.participant_id == anna.id]) == 3  # the first one and two


def test_no_refresh_while_an_update_is_pending_or_after_a_cancellation(sent):
    meeting, (anna, ben, _) = sent
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    db.session.commit()
    message = services.receive(thunderbird_reply(meeting.uid, anna.email, method="REFRESH", to=reply_to(anna)),
                               door="imap")
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.UPDATE_PENDING)
    invitations.cancel_meeting(meeting)
    db.session.commit()
    message = services.receive(thunderbird_reply(meeting.uid, ben.email, method="REFRESH", to=reply_to(ben)),
                               door="imap")
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.MEETING_CANCELLED)
    assert [m.participant_id for m in outbox("invitation")].count(anna.id) == 1
