"""REPLY from calendar apps: the answer given as on the answer page, or recorded or held with a reason."""
from __future__ import annotations

from datetime import timedelta

import pytest

from meetings.extensions import db
from meetings.inbound import services
from meetings.inbound.states import InboundState, Reason
from meetings.invitations import services as invitations
from meetings.participants.models import Participant
from tests.factories import make_contact, make_participant
from tests.helpers import post_form
from tests.inbound.conftest import INBOUND, reply_to
from tests.inbound.replies import CLIENTS, mail, outlook_reply, reply_calendar


def fresh(participant) -> Participant:
    db.session.expire_all()
    return db.session.get(Participant, participant.id)


def receive(raw: bytes, **kw):
    message = services.receive(raw, door="imap", **kw)
    db.session.expire_all()
    return message


@pytest.mark.parametrize("client", sorted(CLIENTS))
@pytest.mark.parametrize("partstat, status", [("ACCEPTED", "accepted"), ("TENTATIVE", "tentative"),
                                              ("DECLINED", "declined")])
def test_each_client_s_reply_is_the_person_s_answer(sent, client, partstat, status):
    meeting, (anna, *_) = sent
    message = receive(CLIENTS[client](meeting.uid, anna.email, partstat, to=reply_to(anna)))
    assert (message.state, message.reason, message.participant_id) == (InboundState.APPLIED, Reason.ANSWERED,
                                                                       anna.id)
    anna = fresh(anna)
    assert anna.status == status
    assert anna.answered_in_calendar_at is not None and anna.answered_in_calendar_at == anna.responded_at
    # The words the apps write themselves are no comment.
    assert anna.comment is None


def test_outlook_com_reply_without_organizer_is_applied(sent):
    meeting, (anna, *_) = sent
    receive(outlook_reply(meeting.uid, anna.email, to=reply_to(anna), organizer=None))
    assert fresh(anna).status == "accepted"


@pytest.mark.parametrize("raw_for, expected", [
    (lambda uid, a, to: CLIENTS["outlook"](uid, a, "TENTATIVE", to=to, typed="Only until noon, sorry."),
     "Only until noon, sorry."),
    (lambda uid, a, to: CLIENTS["gmail"](uid, a, "TENTATIVE", to=to, note="Coming by train"), "Coming by train"),
    (lambda uid, a, to: CLIENTS["apple"](uid, a, "TENTATIVE", to=to, comment="Vegetarian, please"),
     "Vegetarian, please"),
    (lambda uid, a, to: CLIENTS["thunderbird"](uid, a, "TENTATIVE", to=to, comment="Wheelchair access?"),
     "Wheelchair access?"),
])
def test_the_comment_comes_from_comment_or_the_typed_words(sent, raw_for, expected):
    meeting, (anna, *_) = sent
    receive(raw_for(meeting.uid, anna.email, reply_to(anna)))
    assert (fresh(anna).status, fresh(anna).comment) == ("tentative", expected)


def test_a_reply_without_words_keeps_the_comment_given_before(sent):
    meeting, (anna, *_) = sent
    invitations.answer(anna, "accepted", "Vegetarian")
    db.session.commit()
    receive(CLIENTS["apple"](meeting.uid, anna.email, "TENTATIVE", to=reply_to(anna)))
    assert (fresh(anna).status, fresh(anna).comment) == ("tentative", "Vegetarian")


def test_an_answer_on_the_answer_page_afterwards_is_no_longer_from_the_calendar(sent, client):
    meeting, (anna, *_) = sent
    receive(CLIENTS["gmail"](meeting.uid, anna.email, to=reply_to(anna)))
    assert fresh(anna).answered_in_calendar_at is not None
    response = post_form(client, f"/rsvp/{anna.token}", {"status": "declined", "comment": ""})
    assert response.status_code in (302, 303)
    anna = fresh(anna)
    assert anna.status == "declined" and anna.answered_in_calendar_at is None


def test_the_token_decides_not_the_from_header(sent):
    meeting, (anna, ben, _) = sent
    # Anna's reply address, sent from another mailbox of hers: still Anna's answer.
    receive(mail(reply_calendar(meeting.uid, anna.email, "DECLINED"), sender="anna.private@example.net",
                 to=reply_to(anna)))
    assert fresh(anna).status == "declined" and fresh(ben).status == "invited"


def test_the_token_works_in_upper_case(sent):
    meeting, (anna, *_) = sent
    receive(mail(reply_calendar(meeting.uid, anna.email), to=reply_to(anna).upper()))
    assert fresh(anna).status == "accepted"


# --- recorded, not applied ----------------------------------------------------------------

def test_a_reply_to_a_version_before_a_move_is_recorded_and_the_person_still_asked(sent):
    meeting, (anna, *_) = sent
    meeting.starts_at += timedelta(hours=2)
    meeting.ends_at += timedelta(hours=2)
    invitations.send_update(meeting)
    db.session.commit()
    assert meeting.sequence == meeting.moved_sequence == 1
    message = receive(CLIENTS["outlook"](meeting.uid, anna.email, to=reply_to(anna), sequence=0))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.STALE_SEQUENCE)
    assert fresh(anna).status == "invited"
    receive(CLIENTS["outlook"](meeting.uid, anna.email, to=reply_to(anna), sequence=1))
    assert fresh(anna).status == "accepted"


def test_a_reply_to_a_version_before_a_change_of_the_agenda_only_counts(sent):
    meeting, (anna, *_) = sent
    meeting.description = "A new description."
    invitations.send_update(meeting)
    db.session.commit()
    assert (meeting.sequence, meeting.moved_sequence) == (1, 0)
    message = receive(CLIENTS["thunderbird"](meeting.uid, anna.email, to=reply_to(anna), sequence=0))
    assert message.state == InboundState.APPLIED and fresh(anna).status == "accepted"


def test_replies_for_a_cancelled_meeting_or_a_removed_invitee_are_recorded(sent):
    meeting, (anna, ben, _) = sent
    invitations.remove_invitee(ben)
    db.session.commit()
    message = receive(CLIENTS["gmail"](meeting.uid, ben.email, to=reply_to(ben)))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.REMOVED_INVITEE)
    assert fresh(ben).status == "cancelled"
    invitations.cancel_meeting(meeting)
    db.session.commit()
    message = receive(CLIENTS["gmail"](meeting.uid, anna.email, to=reply_to(anna)))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.MEETING_CANCELLED)
    assert fresh(anna).status == "invited"


def test_a_reply_for_an_unknown_or_deleted_meeting_is_recorded(sent):
    meeting, (anna, *_) = sent
    message = receive(CLIENTS["apple"]("no-such-meeting@elsewhere", anna.email, to=INBOUND))
    assert (message.state, message.reason, message.detail) == (InboundState.RECORDED, Reason.UNKNOWN_UID,
                                                               "no-such-meeting@elsewhere")


def test_a_token_of_a_deleted_participant_no_longer_works(sent):
    meeting, (anna, *_) = sent
    address = reply_to(anna)
    db.session.delete(anna)
    db.session.commit()
    message = receive(CLIENTS["outlook"](meeting.uid, "anna@example.org", to=address))
    assert (message.state, message.reason) == (InboundState.HELD, Reason.NOT_A_PARTICIPANT)


def test_delegation_from_a_calendar_invites_the_colleague(sent):
    """Only DELEGATED-TO names the colleague (no line of their own): they are invited under their
    address's local part, as with "send a colleague instead" (tests/inbound/test_counter.py has more)."""
    meeting, (anna, *_) = sent
    message = receive(mail(reply_calendar(meeting.uid, anna.email, "DELEGATED", delegated_to="col@example.org"),
                           to=reply_to(anna)))
    assert (message.state, message.reason, message.detail) == (InboundState.APPLIED, Reason.DELEGATED,
                                                               "col@example.org")
    assert fresh(anna).status == "delegated"


def test_needs_action_is_no_answer(sent):
    meeting, (anna, *_) = sent
    message = receive(mail(reply_calendar(meeting.uid, anna.email, "NEEDS-ACTION"), to=reply_to(anna)))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.UNKNOWN_PARTSTAT)


def test_a_started_meeting_takes_no_answer(sent):
    meeting, (anna, *_) = sent
    from meetings.core.types import utcnow

    meeting.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    message = receive(CLIENTS["outlook"](meeting.uid, anna.email, to=reply_to(anna)))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.MEETING_STARTED)


# --- seats and the waiting list, as on the answer page --------------------------------------

def test_the_last_seat_taken_on_the_web_leaves_a_calendar_acceptance_recorded(sent):
    meeting, (anna, ben, _) = sent
    meeting.capacity = 1
    invitations.answer(ben, "accepted", None)
    db.session.commit()
    message = receive(CLIENTS["gmail"](meeting.uid, anna.email, to=reply_to(anna)))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.MEETING_FULL)
    assert fresh(anna).status == "invited"


def test_a_seat_declined_in_the_calendar_goes_to_the_waiting_list(sent):
    meeting, (anna, *_) = sent
    meeting.capacity = 1
    invitations.answer(anna, "accepted", None)
    waiting = make_participant(meeting, make_contact(email="wait@example.org"), kind="registrant", status="waiting",
                               waitlist_position=1)
    db.session.commit()
    receive(CLIENTS["thunderbird"](meeting.uid, anna.email, "DECLINED", to=reply_to(anna)))
    assert fresh(anna).status == "declined"
    assert fresh(waiting).status == "registered"


def test_a_registrant_s_calendar_reply_is_recorded(sent):
    meeting, _ = sent
    registrant = make_participant(meeting, make_contact(email="reg@example.org"), kind="registrant",
                                  status="registered")
    message = receive(CLIENTS["apple"](meeting.uid, registrant.email, "DECLINED", to=reply_to(registrant)))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.NOT_AN_INVITEE)
    assert fresh(registrant).status == "registered"


# --- who is it: tokens, forwarded invitations, verified senders --------------------------------

def test_a_reply_from_someone_the_invitation_was_forwarded_to_is_held(sent):
    meeting, (anna, *_) = sent
    message = receive(CLIENTS["outlook"](meeting.uid, "frank@example.org", to=reply_to(anna), name="Frank"))
    assert (message.state, message.reason, message.meeting_id) == (InboundState.HELD, Reason.NOT_A_PARTICIPANT,
                                                                   meeting.id)
    assert fresh(anna).status == "invited"
    assert services.sender_of(message) == ("Frank", "frank@example.org")


def test_the_organiser_adds_the_forwarded_guest_and_their_answer_counts(sent):
    meeting, (anna, *_) = sent
    message = receive(CLIENTS["gmail"](meeting.uid, "frank@example.org", "TENTATIVE", to=reply_to(anna),
                                       name="Frank"))
    services.accept_held(message)
    db.session.commit()
    frank = db.session.query(Participant).filter_by(email="frank@example.org").one()
    assert (frank.status, frank.kind, frank.meeting_id) == ("tentative", "invitee", meeting.id)
    assert frank.invited_at is not None and frank.answered_in_calendar_at is not None
    assert (message.state, message.reason) == (InboundState.APPLIED, Reason.ANSWERED)
    with pytest.raises(services.InboundError):
        services.accept_held(message)


def test_a_reply_to_the_plain_address_from_a_verified_sender_is_applied(sent):
    meeting, (anna, *_) = sent
    raw = CLIENTS["outlook"](meeting.uid, anna.email, to=INBOUND, msgid="<v1@client.example>")
    raw = b"Authentication-Results: mx.meetings.test; dkim=pass header.d=example.org; spf=none\r\n" + raw
    message = receive(raw)
    assert message.state == InboundState.APPLIED and fresh(anna).status == "accepted"


@pytest.mark.parametrize("header", [
    None,
    "Authentication-Results: mx.meetings.test; dkim=fail header.d=example.org; spf=softfail "
    "smtp.mailfrom=anna@example.org",
    "Authentication-Results: mx.other.example; dkim=pass header.d=example.org",  # a server we do not trust
    "Authentication-Results: mx.meetings.test; dkim=pass header.d=mailer.example",  # another domain
])
def test_a_reply_without_token_from_an_unverified_sender_is_held_until_accepted(sent, header):
    meeting, (anna, *_) = sent
    raw = CLIENTS["apple"](meeting.uid, anna.email, "DECLINED", to=INBOUND)
    if header:
        raw = header.encode() + b"\r\n" + raw
    message = receive(raw)
    assert (message.state, message.reason, message.participant_id) == (InboundState.HELD,
                                                                       Reason.UNVERIFIED_SENDER, anna.id)
    assert fresh(anna).status == "invited"
    services.accept_held(message)
    db.session.commit()
    assert fresh(anna).status == "declined"


def test_a_verified_sender_answering_for_someone_else_is_held(sent):
    meeting, (anna, ben, _) = sent
    raw = (b"Authentication-Results: mx.meetings.test; dkim=pass header.d=example.org\r\n"
           + mail(reply_calendar(meeting.uid, ben.email, "DECLINED"), sender="anna@example.org", to=INBOUND))
    message = receive(raw)
    assert (message.state, message.reason, message.participant_id) == (InboundState.HELD,
                                                                       Reason.UNVERIFIED_SENDER, ben.id)


def test_an_ignored_held_reply_stays_recorded(sent):
    meeting, (anna, *_) = sent
    message = receive(CLIENTS["outlook"](meeting.uid, anna.email, to=INBOUND))
    services.ignore_held(message)
    db.session.commit()
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.IGNORED)
    assert fresh(anna).status == "invited"


def test_a_colleague_replying_through_the_forwarded_copy_answers_for_themselves(sent):
    meeting, (anna, *_) = sent
    colleague = invitations.delegate(anna, invitations.Colleague("Dirk", "dirk@example.org"))
    db.session.commit()
    receive(CLIENTS["thunderbird"](meeting.uid, "dirk@example.org", to=reply_to(anna), name="Dirk"))
    assert fresh(colleague).status == "accepted" and fresh(anna).status == "delegated"
