"""What capabilities may do with their queued messages, on real rows: withdraw, hold,
reinstate, erase, record as sent, read; and that no capability edits the rows itself."""
from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.mail.models import FAILED, QUEUED, SENDING, SENT
from meetings.mail.outbox import (erase_for_participant, hold_until, latest_per_participant, message_ids,
                                  record_sent, reinstate, withdraw)
from tests.factories import make_meeting, make_participant
from tests.mail.helpers import all_messages, fresh, queue

REASON = "The post was taken off the blog."
MEETINGS = Path(__file__).resolve().parents[2] / "meetings"


def queue_for_post(post_id: int, person: int, **overrides):
    return queue(kind="post_published", dedupe_key=f"post_published:{post_id}:{person}",
                 to_email=f"person{person}@example.org", **overrides)


def states() -> dict[str, tuple]:
    return {m.dedupe_key: (m.status, m.last_error) for m in all_messages()}


def test_withdraw_holds_back_the_untried_messages_of_one_reference(app):
    waiting = queue_for_post(1, 1)
    tried = queue_for_post(1, 2)
    tried.attempts = 1
    claimed = queue_for_post(1, 3)
    claimed.status = SENDING
    queue_for_post(2, 1)  # another post
    queue_for_post(11, 1)  # a key that shares the characters, not the reference
    queue(kind="notice", dedupe_key="post_published:1:9")  # another kind
    db.session.commit()

    assert withdraw(kind="post_published", key_prefix="post_published:1:", reason=REASON) == 1
    db.session.commit()
    assert states() == {"post_published:1:1": (FAILED, REASON), "post_published:1:2": (QUEUED, None),
                        "post_published:1:3": (SENDING, None), "post_published:2:1": (QUEUED, None),
                        "post_published:11:1": (QUEUED, None), "post_published:1:9": (QUEUED, None)}
    assert fresh(waiting.id).next_attempt_at is None


def test_a_prefix_with_like_wildcards_matches_only_itself(app):
    queue(kind="notice", dedupe_key="a_b:1")
    queue(kind="notice", dedupe_key="axb:1")
    assert withdraw(kind="notice", key_prefix="a_b:", reason=REASON) == 1
    assert states()["axb:1"] == (QUEUED, None)


def test_withdraw_by_one_key_leaves_keys_that_begin_with_it(app):
    queue_for_post(1, 1)
    queue_for_post(1, 10)
    assert withdraw(kind="post_published", dedupe_key="post_published:1:1", reason=REASON) == 1
    assert states() == {"post_published:1:1": (FAILED, REASON), "post_published:1:10": (QUEUED, None)}


def test_messages_are_named_by_a_key_or_a_prefix_exactly_one(app):
    with pytest.raises(TypeError):
        withdraw(kind="notice", reason=REASON)
    with pytest.raises(TypeError):
        hold_until(utcnow(), kind="notice", dedupe_key="a", key_prefix="a")


def test_hold_until_makes_untried_messages_due_later_and_never_in_the_past(app):
    later = utcnow() + timedelta(days=2)
    waiting = queue_for_post(1, 1)
    tried = queue_for_post(1, 2)
    tried.attempts, tried.next_attempt_at = 1, utcnow() + timedelta(minutes=5)
    before = tried.next_attempt_at
    db.session.commit()

    assert hold_until(later, kind="post_published", key_prefix="post_published:1:") == 1
    db.session.commit()
    assert fresh(waiting.id).next_attempt_at == later
    assert fresh(tried.id).next_attempt_at == before

    start = utcnow()
    assert hold_until(start - timedelta(days=3), kind="post_published", dedupe_key="post_published:1:1") == 1
    assert start <= fresh(waiting.id).next_attempt_at <= utcnow()


def test_the_session_sees_what_the_api_changed(app):
    message = queue_for_post(1, 1)
    withdraw(kind="post_published", dedupe_key="post_published:1:1", reason=REASON)
    assert (message.status, message.last_error) == (FAILED, REASON)  # no expire needed


def test_reinstate_queues_again_only_what_was_withdrawn_for_that_reason(app):
    withdrawn = queue_for_post(1, 1)
    failed_otherwise = queue_for_post(1, 2)
    db.session.commit()
    withdraw(kind="post_published", key_prefix="post_published:1:", reason=REASON)
    failed_otherwise.last_error = "550 no such mailbox"
    db.session.commit()

    start = utcnow()
    assert reinstate(kind="post_published", key_prefix="post_published:1:", reason=REASON) == 1
    db.session.commit()
    row = fresh(withdrawn.id)
    assert (row.status, row.last_error) == (QUEUED, None)
    assert start <= row.next_attempt_at <= utcnow()
    assert fresh(failed_otherwise.id).status == FAILED
    assert reinstate(kind="post_published", key_prefix="post_published:1:", reason=REASON) == 0


def test_erase_for_participant_deletes_their_messages_but_one_being_sent(app):
    meeting = make_meeting()
    erased, other = make_participant(meeting), make_participant(meeting)
    queued = queue(participant_id=erased.id, meeting_id=meeting.id)
    failed = queue(participant_id=erased.id)
    failed.status = FAILED
    being_sent = queue(participant_id=erased.id)
    being_sent.status = SENDING
    kept = queue(participant_id=other.id)
    db.session.commit()
    erased_ids = [queued.id, failed.id]

    assert erase_for_participant(erased.id) == 2
    db.session.commit()
    assert [m.id for m in all_messages()] == [being_sent.id, kept.id]
    assert not set(erased_ids) & set(message_ids(meeting.id))


def test_record_sent_marks_messages_delivered_without_sending(app):
    first, second, untouched = queue(), queue(), queue()
    first.claimed_at = utcnow()
    db.session.commit()
    start = utcnow()
    assert record_sent([first.id, second.id]) == 2
    assert record_sent([]) == 0
    db.session.commit()
    for message_id in (first.id, second.id):
        row = fresh(message_id)
        assert (row.status, row.attempts, row.next_attempt_at, row.claimed_at) == (SENT, 1, None, None)
        assert start <= row.sent_at <= utcnow()
    assert fresh(untouched.id).status == QUEUED


def test_reading_a_meetings_messages(app):
    meeting, other_meeting = make_meeting(), make_meeting()
    anna, ben = make_participant(meeting), make_participant(meeting)
    first = queue(meeting_id=meeting.id, participant_id=anna.id)
    latest = queue(meeting_id=meeting.id, participant_id=anna.id)
    for_ben = queue(meeting_id=meeting.id, participant_id=ben.id)
    to_all = queue(meeting_id=meeting.id)
    queue(meeting_id=other_meeting.id, participant_id=anna.id)
    db.session.commit()

    assert message_ids(meeting.id) == [first.id, latest.id, for_ben.id, to_all.id]
    assert {pid: m.id for pid, m in latest_per_participant(meeting.id).items()} == {anna.id: latest.id,
                                                                                    ben.id: for_ben.id}


# --- no capability edits outbox rows itself ---------------------------------------------

def _outside_annotations(tree: ast.AST) -> list[int]:
    """Lines naming OutboxMessage other than in an import or a type annotation."""
    allowed: set[int] = set()
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args
            annotations = [a.annotation for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                                  arguments.vararg, arguments.kwarg) if a is not None]
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations = [node.annotation]
        for annotation in annotations:
            if annotation is not None:
                allowed.update(id(inner) for inner in ast.walk(annotation))
    found = []
    for node in ast.walk(tree):
        named = ((isinstance(node, ast.Name) and node.id == "OutboxMessage")
                 or (isinstance(node, ast.Attribute) and node.attr == "OutboxMessage")
                 or (isinstance(node, ast.Constant) and isinstance(node.value, str)
                     and "outbox_messages" in node.value))
        if named and id(node) not in allowed:
            found.append(node.lineno)
    return sorted(found)


def test_the_scan_finds_queries_and_edits_and_allows_annotations():
    source = '''
from meetings.mail.models import OutboxMessage
from meetings.mail import models
def prepare(messages: list[OutboxMessage]) -> dict[int, OutboxMessage]:
    latest: OutboxMessage | None = None
    db.session.execute(update(OutboxMessage).values(status="sent"))
    models.OutboxMessage.__table__.delete()
    message = OutboxMessage(to_email="a@example.org")
    db.session.execute(text("DELETE FROM outbox_messages"))
'''
    assert _outside_annotations(ast.parse(source)) == [6, 7, 8, 9]


def test_no_capability_queries_or_edits_outbox_rows_itself():
    """Outside meetings/mail/, OutboxMessage is only a type: the outbox's functions do the rest."""
    offenders = []
    for path in sorted(MEETINGS.rglob("*.py")):
        if path.is_relative_to(MEETINGS / "mail"):
            continue
        for line in _outside_annotations(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(MEETINGS.parent)}:{line}")
    assert offenders == []
