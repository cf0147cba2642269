"""Kinds and statuses are StrEnums, written once: no quoted value outside the enum's
module (Python or template), and the database refuses any other value (CHECK)."""
from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest
from jinja2 import Environment
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from meetings.blog.models import Post, PostStatus
from meetings.events.models import Meeting, MeetingStatus
from meetings.extensions import db
from meetings.followup.states import MinutesState
from meetings.inbound.states import InboundState
from meetings.mail.models import OutboxMessage, OutboxStatus
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus
from tests.blog.helpers import make_post
from tests.factories import make_meeting, make_participant

ROOT = Path(__file__).resolve().parents[2]
# Each enum with the one module allowed to spell its values.
ENUMS = {
    ParticipantKind: "meetings/participants/states.py",
    ParticipantStatus: "meetings/participants/states.py",
    MeetingStatus: "meetings/events/states.py",
    OutboxStatus: "meetings/mail/models.py",
    PostStatus: "meetings/blog/models.py",
    InboundState: "meetings/inbound/states.py",
    MinutesState: "meetings/followup/states.py",
}
# The same word meaning something else: (file, the text around it).
UNRELATED = {
    ("meetings/polls/states.py", 'CANCELLED = "cancelled"'),  # a poll's own state (PollState)
    ("meetings/blog/services.py", 'sub(entry, "published",'),  # the Atom element <published>
    ("meetings/inbound/states.py", 'DELEGATED = "delegated"'),  # why a reply was applied: a reason code
    ("meetings/inbound/mailbox.py", 'action != "failed"'),  # a delivery report's Action field (RFC 3464)
    ("meetings/inbound/counter.py", '_DELEGATION_REFUSED = {"cancelled"'),  # invitations' error codes
    ("meetings/inbound/received.py", 'Blueprint("received"'),  # the received-mail pages' name
    # Where a proposal of another time stands (ProposalState, its own enum).
    ("meetings/invitations/states.py", 'ACCEPTED = "accepted"'),
    ("meetings/invitations/states.py", 'DECLINED = "declined"'),
    ("meetings/invitations/states.py", 'RECORDED = "recorded"'),
}
# A string given to these is a message id for translation, not a value.
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"}


def _owners() -> dict[str, set[str]]:
    owners: dict[str, set[str]] = {}
    for enum_type, module in ENUMS.items():
        for member in enum_type:
            owners.setdefault(member.value, set()).add(module)
    return owners


def python_strings(source: str):
    """(line, value) of every plain string literal in Python source (not f-strings or bytes),
    leaving out the arguments of gettext calls; comments are no strings."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type not in (tokenize.NL, tokenize.COMMENT)]
    for i, token in enumerate(tokens):
        if token.type != tokenize.STRING or token.string[:1] in "fFbB" or token.string[:2].lower() in ("rf", "fr"):
            continue
        if i >= 2 and tokens[i - 1].string == "(" and tokens[i - 2].string in GETTEXT:
            continue
        yield token.start[0], ast.literal_eval(token.string)


def template_strings(source: str):
    """(line, value) of every string literal inside the template's tags and expressions,
    leaving out the arguments of gettext calls and everything in comments."""
    previous: list[tuple[str, str]] = []
    for line, kind, value in Environment().lex(source):
        if kind == "whitespace":
            continue
        if kind == "string" and not (len(previous) >= 2 and previous[-1] == ("operator", "(")
                                     and previous[-2][0] == "name" and previous[-2][1] in GETTEXT):
            yield line, value[1:-1]
        previous = (previous + [(kind, value)])[-2:]


def test_the_scanners_see_values_and_skip_messages_and_comments():
    source = 'x = "cancelled"\ny = _("cancelled")\n"""cancelled"""\n# "cancelled"\nz = f"cancelled"\n'
    assert [line for line, value in python_strings(source) if value == "cancelled"] == [1, 3]
    template = '{# "held" #}<p class="held">{% if m.status == "held" %}{{ _("held") }}{% endif %}\n{{ "held" }}</p>'
    assert [line for line, value in template_strings(template) if value == "held"] == [1, 2]


def test_no_status_or_kind_literal_outside_its_enum():
    owners = _owners()
    found = []
    for path in sorted((ROOT / "meetings").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for line, value in python_strings(source):
            if (isinstance(value, str) and value in owners and name not in owners[value]
                    and not any(file == name and around in lines[line - 1] for file, around in UNRELATED)):
                found.append(f"{name}:{line}: {value!r}")
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.is_file():
            name = path.relative_to(ROOT).as_posix()
            for line, value in template_strings(path.read_text(encoding="utf-8")):
                if value in owners:
                    found.append(f"{name}:{line}: {value!r}")
    assert found == [], "use the enum members instead:\n" + "\n".join(found)


def test_the_enums_hold_the_values_stored(app):
    assert [m.value for m in ParticipantKind] == ["invitee", "registrant", "walk_in"]
    assert [m.value for m in ParticipantStatus] == ["invited", "accepted", "tentative", "declined", "delegated",
                                                   "pending", "registered", "waiting", "cancelled"]
    assert [m.value for m in MeetingStatus] == ["draft", "scheduled", "cancelled", "held"]
    assert [m.value for m in OutboxStatus] == ["queued", "sending", "sent", "failed"]
    assert [m.value for m in PostStatus] == ["draft", "scheduled", "published"]
    meeting = make_meeting()
    person = make_participant(meeting, kind=ParticipantKind.WALK_IN, status=ParticipantStatus.REGISTERED)
    db.session.expire_all()
    stored = db.session.execute(text("SELECT kind, status FROM participants WHERE id = :id"), {"id": person.id}).one()
    assert tuple(stored) == ("walk_in", "registered")
    assert db.session.scalar(select(Meeting.status).where(Meeting.id == meeting.id)) == "scheduled"
    assert db.session.scalar(select(Participant.id).where(Participant.status == ParticipantStatus.REGISTERED)) \
        == person.id


def _outbox_message() -> OutboxMessage:
    message = OutboxMessage(kind="test", to_email="anna@example.org", message_id="<check@example.org>")
    db.session.add(message)
    db.session.commit()
    return message


VALID = {("participants", "kind"): ParticipantKind.REGISTRANT,
         ("participants", "status"): ParticipantStatus.WAITING,
         ("participants", "previous_answer"): ParticipantStatus.ACCEPTED,
         ("meetings", "status"): MeetingStatus.HELD,
         ("outbox_messages", "status"): OutboxStatus.FAILED,
         ("posts", "status"): PostStatus.SCHEDULED}


@pytest.mark.parametrize("table_name, column", list(VALID))
def test_the_database_refuses_a_value_outside_the_enum(app, table_name, column):
    meeting = make_meeting()
    make_participant(meeting)
    make_post()
    _outbox_message()
    # Another value of the enum is let in: the constraint is on the value, not on the column.
    db.session.execute(text(f"UPDATE {table_name} SET {column} = :value"), {"value": str(VALID[table_name, column])})
    with pytest.raises(IntegrityError, match=f"ck_{table_name}_{column}"):
        db.session.execute(text(f"UPDATE {table_name} SET {column} = 'bogus'"))
    db.session.rollback()


def test_defaults_are_the_enum_members(app):
    starts = make_meeting().starts_at
    meeting = Meeting(title="T", slug="t", starts_at=starts, ends_at=starts)
    person = Participant(meeting=meeting, email="anna@example.org")
    post = Post(title="T", slug="t")
    message = OutboxMessage(kind="test", to_email="anna@example.org", message_id="<default@example.org>")
    db.session.add_all([meeting, person, post, message])
    db.session.flush()
    assert meeting.status is MeetingStatus.DRAFT and post.status is PostStatus.DRAFT
    assert person.kind is ParticipantKind.INVITEE and person.status is ParticipantStatus.INVITED
    assert message.status is OutboxStatus.QUEUED
