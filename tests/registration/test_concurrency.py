"""No overbooking, no lost or doubled registration, under load through a real server.

The app runs under gunicorn (two worker processes, many threads each) on a loopback
port; every person is a real HTTP client with their own session and CSRF token, and
the requests are released at the same moment. On PostgreSQL: 200 confirmations for
50 seats. SQLite serialises writers and waits at most a few seconds for the lock, so
it gets the same checks at a size it is meant for.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.mail.models import OutboxMessage
from meetings.participants.models import Participant
from tests.factories import make_meeting
from tests.registration.helpers import form_data
from tests.registration.live import Visitor, all_at_once, gunicorn_server

# (people, seats) per backend
SIZES = {"postgresql": (200, 50), "sqlite": (40, 10)}


@pytest.fixture
def size(backend):
    return SIZES[backend]


@pytest.fixture(scope="module")
def server(_schema, tmp_path_factory):
    """One gunicorn for the module's tests on a backend; each test has its own fresh tables."""
    with gunicorn_server(_schema, tmp_path_factory.mktemp("gunicorn")) as (port, log):
        yield port, log


@pytest.fixture
def port(server, app):
    """The server's port; after the test, its log must show no error from this test's requests."""
    port, log = server
    start = log.stat().st_size
    yield port
    text = log.read_bytes()[start:].decode(errors="replace")
    assert "Traceback" not in text and "[ERROR]" not in text, text[-5000:]


def add_people(meeting, count: int, status: str, start: int = 0, first_position: int = 1) -> list[Participant]:
    """``count`` registrants with ``status`` (waiting ones numbered from ``first_position``), in one commit."""
    people = []
    for i in range(start, start + count):
        people.append(Participant(meeting=meeting, kind="registrant", status=status, name=f"Person {i}",
                                  email=f"person{i}@example.org", country="NL", language="en",
                                  waitlist_position=first_position + len(people) if status == "waiting" else None))
    db.session.add_all(people)
    db.session.commit()
    return people


def by_status(meeting_id: int) -> dict[str, list[Participant]]:
    db.session.expire_all()
    result: dict[str, list[Participant]] = {}
    for p in db.session.scalars(select(Participant).where(Participant.meeting_id == meeting_id)):
        result.setdefault(p.status, []).append(p)
    return result


def open_pages(visitors_and_paths) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda vp: vp[0].open_form(vp[1]), visitors_and_paths))


def test_many_confirmations_at_once_never_overbook(app, port, size):
    people_count, seats = size
    meeting = make_meeting(title="Robotics Day", slug="robotics-day", capacity=seats)
    people = add_people(meeting, people_count, "pending")
    tokens = [p.token for p in people]
    meeting_id = meeting.id
    db.session.remove()
    visitors = [Visitor(port) for _ in tokens]
    open_pages([(v, f"/registrations/{t}/confirm") for v, t in zip(visitors, tokens)])
    results = all_at_once([lambda v=v, t=t: v.post(f"/registrations/{t}/confirm")
                           for v, t in zip(visitors, tokens)])
    errors = [r for r in results if isinstance(r, Exception) or r[0] != 303]
    assert not errors, errors[:3]
    groups = by_status(meeting_id)
    assert len(groups["registered"]) == seats
    assert sorted(p.waitlist_position for p in groups["waiting"]) == list(range(1, people_count - seats + 1))
    assert set(groups) == {"registered", "waiting"}
    # Everyone was told which: a calendar invitation with a seat, a number without.
    mails = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "registration_confirmed")))
    assert len(mails) == people_count
    assert sum(1 for m in mails if m.ics_method == "REQUEST") == seats


def test_the_same_address_at_the_same_moment_makes_one_registration(app, port):
    meeting = make_meeting(title="Robotics Day", slug="robotics-day", capacity=50)
    meeting_id = meeting.id
    db.session.remove()
    visitors = [Visitor(port) for _ in range(12)]
    open_pages([(v, "/events/robotics-day") for v in visitors])
    results = all_at_once([lambda v=v, i=i: v.post("/events/robotics-day/register",
                                                   form_data(name=f"Anna {i}", email="anna@example.org"))
                           for i, v in enumerate(visitors)])
    statuses = sorted(r[0] if not isinstance(r, Exception) else repr(r) for r in results)
    # Every one of them gets the answer a new address gets: nothing tells that the address was known.
    assert statuses == [303] * 12, statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Participant)
                             .where(Participant.meeting_id == meeting_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "registration_confirm")) == 1
    # The address's owner is told of each of the other eleven (those that lost the race too).
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "registration_already",
                                    OutboxMessage.to_email == "anna@example.org")) == 11


def test_cancellations_and_confirmations_at_once_promote_in_order(app, port, size):
    _, seats = size
    waiting_count = seats // 2
    meeting = make_meeting(title="Robotics Day", slug="robotics-day", capacity=seats)
    seated = add_people(meeting, seats, "registered")
    waiting = add_people(meeting, waiting_count, "waiting", start=seats)
    newcomers = add_people(meeting, 5, "pending", start=seats + waiting_count)
    seated_leaving = seated[:seats // 5]                  # e.g. 10 of 50 seats freed at once
    waiting_leaving = waiting[2::5]                       # and some waiting people leave too
    order = {p.id: i for i, p in enumerate(waiting)}
    actions = ([(p.token, "cancel") for p in seated_leaving + waiting_leaving]
               + [(p.token, "confirm") for p in newcomers])
    leaving_ids = {p.id for p in seated_leaving + waiting_leaving}
    newcomer_ids = {p.id for p in newcomers}
    meeting_id = meeting.id
    db.session.remove()
    visitors = [Visitor(port) for _ in actions]
    open_pages([(v, f"/registrations/{token}" if what == "cancel" else f"/registrations/{token}/confirm")
                for v, (token, what) in zip(visitors, actions)])
    results = all_at_once([lambda v=v, token=token, what=what: v.post(f"/registrations/{token}/{what}",
                                                                      {"confirm": "yes"} if what == "cancel" else None)
                           for v, (token, what) in zip(visitors, actions)])
    errors = [r for r in results if isinstance(r, Exception) or r[0] != 303]
    assert not errors, errors[:3]
    groups = by_status(meeting_id)
    assert len(groups["registered"]) == seats                       # never more, and no seat left empty
    assert {p.id for p in groups["cancelled"]} == leaving_ids
    # Nobody skipped: each original waiting person who moved up stood before each one still waiting.
    promoted = sorted(order[p.id] for p in groups["registered"] if p.id in order)
    still_waiting = sorted(groups["waiting"], key=lambda p: p.waitlist_position)
    still_waiting_order = [order.get(p.id, 10**6) for p in still_waiting]
    assert promoted and (not still_waiting_order or max(promoted) < min(still_waiting_order))
    assert still_waiting_order == sorted(still_waiting_order)       # the queue kept its order...
    assert [p.waitlist_position for p in still_waiting] == list(range(1, len(still_waiting) + 1))  # ...without gaps
    # Newcomers confirming at that moment queue behind everyone already waiting.
    assert newcomer_ids <= {p.id for p in still_waiting}
    # Each one who moved up was told once; a waiting person may move up and then leave.
    told = [m.participant_id for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "registration_promoted"))]
    moved_up = {p.id for p in groups["registered"] if p.id in order}
    assert len(told) == len(set(told)) and moved_up <= set(told) <= moved_up | leaving_ids
