"""The same reply through two doors at the same moment (a mail server delivering over LMTP
while a mail service posts it): stored once, applied once, both doors told the same row."""
from __future__ import annotations

import http.client
import json
import smtplib
import threading
from urllib.parse import urlsplit

from sqlalchemy import func, select

from meetings.extensions import db
from meetings.inbound import handlers
from meetings.inbound.models import InboundMessage
from tests.inbound.conftest import WEBHOOK_SECRET, crlf, reply_to
from tests.inbound.replies import mail, reply_calendar


def test_the_same_reply_through_lmtp_and_http_at_once_is_applied_once(sent, webhook, lmtp_server, live_server,
                                                                     monkeypatch):
    meeting, people = sent
    applied = []
    original = handlers._handlers["REPLY"]

    def counting(message, parsed, participant):
        applied.append(message.message_id)
        original(message, parsed, participant)

    monkeypatch.setitem(handlers._handlers, "REPLY", counting)
    host, port = urlsplit(live_server).hostname, urlsplit(live_server).port
    raws = [crlf(mail(reply_calendar(meeting.uid, person.email, partstat), sender=person.email,
                      to=reply_to(person)))
            for person, partstat in zip(people, ("ACCEPTED", "DECLINED", "TENTATIVE"))]
    for person, raw in zip(people, raws):
        start = threading.Barrier(2)
        answers = {}

        def over_lmtp():
            with smtplib.LMTP("127.0.0.1", lmtp_server.port, timeout=30) as client:
                client.ehlo("mx.meetings.test")
                client.mail(person.email)
                client.rcpt(reply_to(person))
                start.wait()
                answers["lmtp"] = client.data(raw)

        def over_http():
            connection = http.client.HTTPConnection(host, port, timeout=30)
            start.wait()
            connection.request("POST", "/inbound/mail", body=raw, headers={
                "Content-Type": "message/rfc822", "Authorization": f"Bearer {WEBHOOK_SECRET}"})
            response = connection.getresponse()
            answers["http"] = (response.status, json.loads(response.read()))
            connection.close()

        threads = [threading.Thread(target=over_lmtp), threading.Thread(target=over_http)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        (code, text), (status, body) = answers["lmtp"], answers["http"]
        assert code == 250 and status == 202, answers
        assert f"Stored as message {body['id']}".encode() in text
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 3
    assert sorted(applied) == sorted(set(applied)) and len(applied) == 3
    for person in people:
        db.session.refresh(person)
    assert [person.status for person in people] == ["accepted", "declined", "tentative"]
