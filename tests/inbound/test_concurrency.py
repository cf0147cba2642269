"""The same reply through two doors at once is applied once; a reply racing an answer on the
web ends with one answer; neither raises."""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from meetings.extensions import db
from meetings.inbound import handlers, services
from meetings.inbound.models import InboundMessage
from meetings.invitations import services as invitations
from meetings.participants.models import Participant
from tests.helpers import run_together
from tests.inbound.conftest import reply_to
from tests.inbound.replies import outlook_reply


def test_the_same_reply_through_two_doors_at_once_is_applied_once(app, sent, monkeypatch):
    meeting, (anna, *_) = sent
    applied = []
    original = handlers._handlers["REPLY"]

    def slow(message, parsed, participant):
        applied.append(threading.get_ident())
        original(message, parsed, participant)
        time.sleep(0.3)  # the other door arrives while this transaction is open

    monkeypatch.setitem(handlers._handlers, "REPLY", slow)
    raw = outlook_reply(meeting.uid, anna.email, to=reply_to(anna), msgid="<twice@client.example>")
    anna_id = anna.id
    db.session.remove()
    errors = run_together(app, lambda: services.receive(raw, door="imap"),
                          lambda: services.receive(raw, door="lmtp"))
    assert errors == []
    assert len(applied) == 1
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    assert db.session.get(Participant, anna_id).status == "accepted"


def test_a_reply_racing_a_web_answer_ends_with_one_answer(app, sent):
    meeting, people = sent
    racers = [(person.id, meeting.uid, reply_to(person), person.email) for person in people]
    db.session.remove()
    for person_id, uid, address, email in racers:

        def web():
            participant = db.session.get(Participant, person_id)
            invitations.answer(participant, "declined", "on the web")
            db.session.commit()

        errors = run_together(app, lambda: services.receive(outlook_reply(uid, email, to=address), door="http"),
                              web)
        assert errors == []
        db.session.expire_all()
        person = db.session.get(Participant, person_id)
        assert (person.status, person.answered_in_calendar_at is not None) in (("accepted", True),
                                                                              ("declined", False))
        # The web's comment stays under a later calendar answer without words of its own.
        assert person.comment == "on the web" or (person.status, person.comment) == ("accepted", None)
