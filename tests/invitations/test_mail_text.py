"""The plain-text part of every email that shows the meeting prints its description as text,
never as Markdown source; the HTML part keeps the formatting."""
from __future__ import annotations

import pytest

from meetings.extensions import db
from meetings.invitations import notifications as invitation_mails
from meetings.registration import notifications as registration_mails
from tests.factories import make_contact, make_meeting, make_participant
from tests.invitations.helpers import outbox

DESCRIPTION = ("Partners present **current projects** and _new ideas_.\n\n"
               "Read [the agenda](https://example.org/agenda) first; see also <https://example.org/map>.\n\n"
               "- Talks\n- Lab `tour`")
TEXT = ("Partners present current projects and new ideas.\n\n"
        "Read the agenda (https://example.org/agenda) first; see also https://example.org/map.\n\n"
        "- Talks\n- Lab tour")


def _invitee(meeting):
    return make_participant(meeting, make_contact(name="Sam Taylor", email="sam@example.org", language="en"),
                            sent_sequence=0)


def _registrant(meeting, status):
    return make_participant(meeting, kind="registrant", status=status, name="Rita Rahmani",
                            email="rita@example.org", language="en", contact=None)


SENDERS = {
    "invitation": lambda m: invitation_mails.send_invitations([_invitee(m)], m),
    "update": lambda m: invitation_mails.send_updates([_invitee(m)], m, "Room changed."),
    "reminder": lambda m: invitation_mails.send_reminders([_invitee(m)], m, "day"),
    "registration_confirm": lambda m: registration_mails.send_confirmation_request(_registrant(m, "pending")),
    "registration_confirmed": lambda m: registration_mails.send_confirmed(_registrant(m, "registered")),
    "registration_promoted": lambda m: registration_mails.send_promoted(_registrant(m, "registered")),
    "registration_already": lambda m: registration_mails.send_already_on_list(_registrant(m, "registered")),
}


@pytest.mark.parametrize("kind", sorted(SENDERS))
def test_the_text_part_prints_the_description_as_plain_text(app, kind):
    meeting = make_meeting(title="Robotics day", description=DESCRIPTION)
    SENDERS[kind](meeting)
    db.session.commit()
    [mail] = outbox(kind)
    assert TEXT in mail.text_body
    for markup in ("**", "](", "<https", "`", "_new"):
        assert markup not in mail.text_body, (kind, markup)
    # The HTML part still formats it, and the link stays a link.
    assert "<strong>current projects</strong>" in mail.html_body
    assert 'href="https://example.org/agenda"' in mail.html_body
