"""Capabilities reach each other one way: never through another one's views, never both ways
round; where a lower one needs a higher one, it sends a signal the higher one answers."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from meetings.events.services import delete_meeting
from meetings.events.signals import capacity_check, meeting_changed, meeting_deleting
from meetings.extensions import db
from meetings.invitations.services import take_off_list
from meetings.network.services import delete_contact, delete_organisation
from meetings.network.signals import contact_deleting, organisation_deleting
from meetings.participants.models import Participant
from meetings.participants.services import delete_all_participants, unlink_contact, unlink_organisation
from meetings.registration.services import after_seat_freed, capacity_problem
from meetings.registration.signals import invitee_removal
from meetings.venues.services import delete_venue, meetings_at
from meetings.venues.signals import venue_in_use
from meetings.events.queries import meetings_at_venue
from tests.factories import make_contact, make_meeting, make_organisation, make_participant, make_venue
from tests.helpers import post_form, text_of

PACKAGE = Path(__file__).resolve().parent.parent / "meetings"
# Shared ground, not capabilities: every capability may import these.
SHARED = {"core"}
CAPABILITIES = sorted(path.name for path in PACKAGE.iterdir()
                      if (path / "__init__.py").is_file() and path.name not in SHARED)
# Pairs that import each other on purpose, each with its reason. None today.
MUTUAL_ALLOWED: dict[frozenset[str], str] = {}


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (deferred imports inside functions too)."""
    package = ["meetings", path.parent.name]
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            modules.add(module)
            # ``from meetings.events import views`` imports the module meetings.events.views.
            modules.update(f"{module}.{alias.name}" for alias in node.names)
    return modules


def _imports() -> list[tuple[str, Path, str]]:
    """(capability, file, other capability's module) for every import across capabilities."""
    found = []
    for capability in CAPABILITIES:
        for path in sorted((PACKAGE / capability).glob("*.py")):
            for module in _imported_modules(path):
                parts = module.split(".")
                if len(parts) >= 2 and parts[0] == "meetings" and parts[1] in CAPABILITIES and parts[1] != capability:
                    found.append((capability, path, ".".join(parts[:3])))
    return found


def test_the_walk_sees_imports_at_every_depth(tmp_path):
    sample = tmp_path / "events" / "services.py"
    sample.parent.mkdir()
    sample.write_text("from . import models\nfrom meetings.site import i18n\n"
                      "def later():\n    from meetings.participants.services import x\n    import meetings.venues.models\n")
    assert {"meetings.events.models", "meetings.site.i18n", "meetings.participants.services",
            "meetings.venues.models"} <= _imported_modules(sample)


def test_capabilities_are_found():
    assert {"events", "invitations", "registration", "participants", "venues", "network", "blog",
            "followup", "calendar", "site"} <= set(CAPABILITIES)
    assert len(_imports()) > 50


def test_no_capability_imports_another_capabilitys_views():
    offending = sorted(f"{path.relative_to(PACKAGE.parent)} imports {module}"
                       for _, path, module in _imports() if module.split(".")[-1] == "views")
    assert offending == []


def test_no_two_capabilities_import_each_other():
    edges: dict[tuple[str, str], list[str]] = {}
    for capability, path, module in _imports():
        edges.setdefault((capability, module.split(".")[1]), []).append(
            f"{path.relative_to(PACKAGE.parent)} imports {module}")
    loops = sorted(f"{a} <-> {b}: {edges[(a, b)] + edges[(b, a)]}" for a, b in edges
                   if a < b and (b, a) in edges and frozenset((a, b)) not in MUTUAL_ALLOWED)
    assert loops == []


# --- the signals reach the receivers connected in create_app ----------------------------

@pytest.mark.parametrize("signal, receiver", [
    (venue_in_use, meetings_at_venue),
    (organisation_deleting, unlink_organisation),
    (contact_deleting, unlink_contact),
    (meeting_deleting, delete_all_participants),
    (capacity_check, capacity_problem),
    (meeting_changed, after_seat_freed),
    (invitee_removal, take_off_list),
])
def test_the_app_connects_each_signal_to_its_receiver(app, signal, receiver):
    assert receiver in list(signal.receivers_for(object()))


def test_a_venue_with_meetings_is_counted_by_events_and_kept(app):
    meeting = make_meeting()
    assert meetings_at(meeting.venue) == 1
    assert delete_venue(meeting.venue) is False
    unused = make_venue(name="Spare room")
    assert meetings_at(unused) == 0
    assert delete_venue(unused) is True


def test_deleting_a_contact_unlinks_their_participants_in_the_session(app):
    contact = make_contact(name="Ina Invitee", email="ina@example.de")
    participant = make_participant(make_meeting(), contact)
    delete_contact(contact)
    # The receiver's UPDATE reaches the loaded row; the database's SET NULL alone would not.
    assert participant.contact_id is None
    db.session.commit()
    db.session.expire_all()
    assert (participant.name, participant.email, participant.contact_id) == ("Ina Invitee", "ina@example.de", None)


def test_deleting_an_organisation_unlinks_participants_and_keeps_their_name(app):
    organisation = make_organisation(name="Robo BV")
    participant = make_participant(make_meeting(), email="bob@example.org", name="Bob Baker",
                                   organisation_id=organisation.id, organisation_name="Robo BV")
    assert delete_organisation(organisation) is True
    assert participant.organisation_id is None
    db.session.commit()
    db.session.expire_all()
    assert (participant.organisation_id, participant.organisation_name) == (None, "Robo BV")


def test_deleting_a_draft_removes_its_participants_through_the_signal(app):
    draft = make_meeting(status="draft")
    participant_id = make_participant(draft).id
    received = []
    with meeting_deleting.connected_to(lambda meeting: received.append(meeting.id)):
        assert delete_meeting(draft) is True
    assert received == [draft.id]
    db.session.commit()
    assert db.session.scalars(select(Participant).where(Participant.id == participant_id)).first() is None


def test_capacity_check_is_answered_with_the_seats_taken(app):
    meeting = make_meeting(capacity=3)
    make_participant(meeting, status="accepted")
    make_participant(meeting, status="accepted")
    assert [taken for _, taken in capacity_check.send(meeting, capacity=1)] == [2]
    assert [taken for _, taken in capacity_check.send(meeting, capacity=2)] == [None]


def test_a_changed_meeting_moves_people_up_from_the_waiting_list(app):
    meeting = make_meeting(capacity=1)
    make_participant(meeting, status="accepted")
    waiting = make_participant(meeting, email="cleo@example.org", name="Cleo Chen", kind="registrant",
                               status="waiting", waitlist_position=1)
    assert [moved for _, moved in meeting_changed.send(meeting)] == [[]]
    meeting.capacity = 2
    db.session.flush()
    assert [moved for _, moved in meeting_changed.send(meeting)] == [[waiting]]
    assert waiting.status == "registered"


def test_the_registration_list_removes_an_invitee_through_invitations(organiser_client):
    meeting = make_meeting(capacity=5)
    ina = make_participant(meeting, status="accepted")
    ina.invited_at = ina.created_at
    gone = make_participant(meeting, email="gone@example.org", status="cancelled")
    gone.invited_at = gone.created_at
    db.session.commit()
    page = f"/manage/meetings/{meeting.id}/participants"
    response = post_form(organiser_client, f"{page}/{ina.id}/remove", {}, form_url=page)
    assert response.status_code == 303
    db.session.expire_all()
    assert ina.status == "cancelled"
    response = post_form(organiser_client, f"{page}/{gone.id}/remove", {}, form_url=page)
    assert response.status_code == 303
    page_after = text_of(organiser_client.get(response.headers["Location"]))
    assert "This registration was cancelled." in page_after and "no longer on the list" not in page_after


def test_the_organisers_meeting_pages_count_invitees(organiser_client):
    meeting = make_meeting(title="Robotics Day")
    make_participant(meeting)
    make_participant(meeting, email="second@example.org")
    make_participant(meeting, email="walk-in@example.org", kind="registrant", status="registered")
    assert "Invitees (2)" in text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))
    index = text_of(organiser_client.get("/manage/meetings/"))
    assert f'/manage/meetings/{meeting.id}/invitees">2</a>' in index
