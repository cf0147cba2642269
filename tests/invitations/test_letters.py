"""Shared letters against the ordinary path: for every kind of invitation email, what a
recipient gets from the letter written once for everyone alike is what the templates give
when rendered with that recipient's own values: the text part byte for byte, the HTML part
the same document (the CSS inliner writes a quote in text as ``"``, the letter as ``&#34;``)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import g
from sqlalchemy import select

from meetings.extensions import db
from meetings.invitations import notifications
from meetings.mail.models import OutboxMessage
from tests.factories import make_contact, make_meeting, make_participant, make_venue

NAMES = ('<b>Anna</b> & "Co" Ünal', "Ben O'Neil", None)


class _Document(HTMLParser):
    """An HTML text as the parser reads it: tags with their attributes, and the text between
    (character references resolved, as a browser or mail client resolves them)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.items: list = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.items.append(("start", tag, tuple(attrs)))

    def handle_endtag(self, tag):
        self.items.append(("end", tag))

    def handle_data(self, data):
        if self.items and self.items[-1][0] == "text":
            self.items[-1] = ("text", self.items[-1][1] + data)
        else:
            self.items.append(("text", data))

    def handle_decl(self, decl):
        self.items.append(("decl", decl))


def _queue(kind: str, people, meeting) -> None:
    if kind == "invitation":
        notifications.send_invitations(people, meeting)
    elif kind == "update":
        notifications.send_updates(people, meeting, "Half an hour <later> & elsewhere.", asked_again={people[0].id})
    elif kind == "reminder":
        notifications.send_reminders(people, meeting, "2026-12-03")
    elif kind in ("cancellation", "removal"):
        notifications.send_cancellations(people, meeting, "Sorry & <goodbye>.", removed=kind == "removal")
    else:
        notifications.send_cancellation_notices(people, meeting, "Sorry.")


@pytest.mark.parametrize("language", ["en", "de", "nl"])
@pytest.mark.parametrize("kind", sorted(notifications.KINDS))
def test_each_recipient_gets_what_the_templates_give_them(app, kind, language):
    meeting = make_meeting(title="Core <Team> & friends", agenda=2, visibility="public",
                           description="**Bring** your [questions](https://example.org/q?a=1&b=2).",
                           venue=make_venue(name="Hall & <Co>"))
    people = []
    for n, name in enumerate(NAMES):
        contact = make_contact(name=name or "", email=f"person{n}@example.org", language=language)
        people.append(make_participant(meeting, contact, name=name, language=language,
                                       status="accepted" if kind == "update" else "invited"))
    db.session.commit()
    _queue(kind, people, meeting)
    db.session.flush()
    messages = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                       .order_by(OutboxMessage.id)))
    assert len(messages) == len(people)
    g.pop("invitation_letters", None)
    contents = notifications.prepare(messages)
    letters = list(g.invitation_letters.values())
    by_id = {p.id: p for p in people}
    for message in messages:
        participant = by_id[message.participant_id]
        feed = notifications.personal.current_feed_url(participant.contact)
        assert feed is not None
        [letter] = [lt for lt in letters if lt.language == language and lt.kind is notifications.KINDS[kind]
                    and (lt._context["asked_again"] == (kind == "update" and participant is people[0]))]
        text, html = letter.written_for(participant, feed)
        content = contents[message.id]
        assert content.text_body == text
        assert _Document(content.html_body).items == _Document(html).items
        shown = participant.name or participant.email
        assert any(item[0] == "text" and shown in item[1] for item in _Document(html).items)
        assert shown in text
        if kind in ("invitation", "update", "reminder"):  # the mails that ask for an answer
            assert participant.token in text and feed in text
