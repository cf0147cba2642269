"""The poll's life in the services: create, send, vote, remind, choose, cancel."""
from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import select

from meetings.events.models import MeetingStatus
from meetings.extensions import db
from meetings.participants.models import Participant, ParticipantStatus
from meetings.polls import services
from meetings.polls.models import Poll
from meetings.polls.states import PollAnswer, PollState
from tests.invitations.helpers import outbox
from tests.polls.conftest import slot_times


def _vote(voter, *answers, comment=None):
    services.vote(voter, {slot.id: a for slot, a in zip(voter.poll.slots, answers)}, comment)
    db.session.commit()


def _event(message):
    return next(iter(Calendar.from_ical(message.ics).walk("VEVENT")))


def test_send_queues_one_request_and_one_hold_per_slot_per_person(poll):
    assert services.send_poll(poll) == 3
    db.session.commit()
    requests = outbox("poll_request")
    holds = outbox("poll_hold")
    assert sorted(m.to_email for m in requests) == ["annelies@example.nl", "juergen@example.de", "sam@example.org"]
    assert len(holds) == 9
    by_language = {m.to_email: m for m in requests}
    assert "Wann können Sie" in by_language["juergen@example.de"].subject
    assert "/poll/" in by_language["annelies@example.nl"].text_body
    for message in holds:
        event = _event(message)
        assert message.ics_method == "REQUEST"
        assert str(event["STATUS"]) == "TENTATIVE"
        assert event["UID"] in {s.uid for s in poll.slots}
        assert [str(a) for a in [event["ATTENDEE"]]] == [f"mailto:{message.to_email}"]
    german = next(m for m in holds if m.to_email == "juergen@example.de")
    assert str(_event(german)["SUMMARY"]).startswith("(vorgemerkt)")


def test_poll_without_holds_sends_only_the_requests(draft, people):
    poll = services.create_poll(draft, slot_times(), people, hold_dates=False)
    services.send_poll(poll)
    db.session.commit()
    assert len(outbox("poll_request")) == 3 and outbox("poll_hold") == []


def test_sending_twice_is_refused(poll):
    services.send_poll(poll)
    db.session.commit()
    with pytest.raises(services.PollError) as caught:
        services.send_poll(poll)
    assert caught.value.code == "already_sent"


@pytest.mark.parametrize("count", [1, 16])
def test_slot_count_outside_two_to_fifteen_is_refused(draft, people, count):
    times = (slot_times() * 6)[:count]
    with pytest.raises(services.PollError):
        services.create_poll(draft, times, people)


def test_only_a_draft_gets_a_poll(draft, people):
    draft.status = MeetingStatus.SCHEDULED
    with pytest.raises(services.PollError) as caught:
        services.create_poll(draft, slot_times(), people)
    assert caught.value.code == "not_draft"


def test_votes_change_until_closed_and_results_put_the_best_first(poll):
    services.send_poll(poll)
    db.session.commit()
    voters = {v.email: v for v in poll.voters}
    _vote(voters["juergen@example.de"], PollAnswer.NO, PollAnswer.YES, PollAnswer.IF_NEED_BE)
    _vote(voters["annelies@example.nl"], PollAnswer.YES, PollAnswer.YES, PollAnswer.NO, comment="Gern!")
    _vote(voters["annelies@example.nl"], PollAnswer.NO, PollAnswer.YES, PollAnswer.NO, comment="Changed")
    best = services.results(poll)
    assert best[0].slot == poll.slots[1] and best[0].counts[PollAnswer.YES] == 2
    assert best[1].slot == poll.slots[2]
    assert [v.email for v in services.not_answered(poll)] == ["sam@example.org"]
    assert voters["annelies@example.nl"].comment == "Changed"


def test_a_missing_or_unknown_answer_is_refused(poll):
    voter = poll.voters[0]
    with pytest.raises(services.PollError):
        services.vote(voter, {poll.slots[0].id: PollAnswer.YES}, None)
    with pytest.raises(services.PollError):
        services.vote(voter, {s.id: "maybe" for s in poll.slots}, None)


def test_remind_only_those_who_have_not_answered_once_a_day(poll):
    services.send_poll(poll)
    db.session.commit()
    voters = {v.email: v for v in poll.voters}
    _vote(voters["sam@example.org"], PollAnswer.YES, PollAnswer.YES, PollAnswer.YES)
    assert services.remind(poll) == 2
    db.session.commit()
    assert services.remind(poll) == 0
    db.session.commit()
    assert sorted(m.to_email for m in outbox("poll_reminder")) == ["annelies@example.nl", "juergen@example.de"]
    assert voters["juergen@example.de"].last_reminded_at is not None
    assert voters["sam@example.org"].last_reminded_at is None


def test_choose_makes_the_meeting_and_invites_with_starting_answers(poll):
    services.send_poll(poll)
    db.session.commit()
    voters = {v.email: v for v in poll.voters}
    _vote(voters["juergen@example.de"], PollAnswer.NO, PollAnswer.YES, PollAnswer.NO)
    _vote(voters["annelies@example.nl"], PollAnswer.YES, PollAnswer.IF_NEED_BE, PollAnswer.NO)
    _vote(voters["sam@example.org"], PollAnswer.YES, PollAnswer.NO, PollAnswer.NO)
    winner = poll.slots[1]
    assert services.choose(poll, winner) == 3
    db.session.commit()
    meeting = poll.meeting
    assert poll.state == PollState.CLOSED and poll.chosen_slot_id == winner.id
    assert meeting.status == MeetingStatus.SCHEDULED
    assert (meeting.starts_at, meeting.ends_at) == (winner.starts_at, winner.ends_at)
    assert meeting.uid == winner.uid and meeting.sequence == winner.sequence + 1
    statuses = {p.email: p.status for p in db.session.scalars(select(Participant))}
    assert statuses == {"juergen@example.de": ParticipantStatus.ACCEPTED,
                        "annelies@example.nl": ParticipantStatus.TENTATIVE,
                        "sam@example.org": ParticipantStatus.INVITED}
    invitations = {m.to_email: m for m in outbox("invitation")}
    assert set(invitations) == set(statuses)
    for email, message in invitations.items():
        event = _event(message)
        assert str(event["UID"]) == winner.uid and int(event["SEQUENCE"]) == 1
        assert str(event["STATUS"]) == "CONFIRMED"
    # Each letter, in its reader's language, says what their vote made of their answer.
    assert "daher steht Ihre Antwort zunächst auf „zugesagt“" in invitations["juergen@example.de"].text_body
    assert "dus uw antwoord staat eerst op „voorlopig”" in invitations["annelies@example.nl"].text_body
    assert "so your answer starts as “not answered yet”" in invitations["sam@example.org"].text_body
    assert "PARTSTAT=ACCEPTED" in invitations["juergen@example.de"].ics.replace("\r\n ", "")
    assert "PARTSTAT=TENTATIVE" in invitations["annelies@example.nl"].ics.replace("\r\n ", "")
    cancels = outbox("poll_hold_cancel")
    assert len(cancels) == 6
    assert {str(_event(m)["UID"]) for m in cancels} == {s.uid for s in poll.slots if s.id != winner.id}
    assert all(m.ics_method == "CANCEL" and int(_event(m)["SEQUENCE"]) == 1 for m in cancels)


def test_after_choosing_voting_and_choosing_again_are_refused(poll):
    services.send_poll(poll)
    db.session.commit()
    services.choose(poll, poll.slots[0])
    db.session.commit()
    with pytest.raises(services.PollError) as caught:
        services.vote(poll.voters[0], {s.id: PollAnswer.YES for s in poll.slots}, None)
    assert caught.value.code == PollState.CLOSED
    db.session.rollback()
    with pytest.raises(services.PollError) as caught:
        services.choose(poll, poll.slots[1])
    assert caught.value.code == PollState.CLOSED


def test_cancel_tells_everyone_and_removes_every_hold(poll):
    services.send_poll(poll)
    db.session.commit()
    assert services.cancel(poll, "Wir finden einen anderen Weg.") == 3
    db.session.commit()
    assert db.session.get(Poll, poll.id).state == PollState.CANCELLED
    assert poll.meeting.status == MeetingStatus.DRAFT
    assert len(outbox("poll_cancelled")) == 3
    cancels = outbox("poll_hold_cancel")
    assert len(cancels) == 9 and all(int(_event(m)["SEQUENCE"]) == 1 for m in cancels)
