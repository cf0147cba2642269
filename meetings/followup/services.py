"""Recording a meeting: attendance, minutes, action items, and the open actions that
follow a group to its next meeting. No request objects here; callers commit.

"Same group": an earlier meeting belongs to the same group as a meeting when the two
share participants drawn from the contacts, and the shared contacts make up at least
half of the smaller of the two lists (walk-ins and registrants without a contact do
not count). The Core Team's meetings share nearly everyone; an unrelated public event
with one Core Team member among sixty registrants does not qualify.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetings.core.types import utcnow
from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.followup.models import ActionItem, AgendaNote, Decision, MeetingRecord
from meetings.network.models import Contact, Organisation
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus

# People who said they would not come, gave their seat away, are still on the waiting
# list or never confirmed their registration are not expected at the door.
NOT_EXPECTED = (ParticipantStatus.DECLINED, ParticipantStatus.CANCELLED, ParticipantStatus.DELEGATED,
                ParticipantStatus.WAITING, ParticipantStatus.PENDING)


# --- attendance -----------------------------------------------------------------

def checkin_list(meeting: Meeting) -> list[Participant]:
    """Everyone who might come: invitees and registrants still expected, people already
    marked present, and walk-ins; by name."""
    query = (select(Participant).where(Participant.meeting_id == meeting.id)
             .options(selectinload(Participant.organisation))
             .order_by(func.lower(Participant.name), Participant.id))
    return [p for p in db.session.scalars(query) if p.attended or p.status not in NOT_EXPECTED]


def record_attendance(meeting: Meeting, present_ids: Iterable[int]) -> int:
    """Mark exactly ``present_ids`` (participants of this meeting) as present, everyone
    else on the check-in list as absent. Ids of other meetings are ignored. Flushes;
    returns how many are present."""
    present = set(present_ids)
    count = 0
    for participant in checkin_list(meeting):
        participant.attended = participant.id in present
        count += participant.attended
    db.session.flush()
    return count


def add_walk_in(meeting: Meeting, data: dict) -> Participant:
    """Add someone who came unannounced, already marked present. Flushes.

    ``data``: name, email (optional), organisation_id (optional), organisation_name
    (optional free text for an organisation not in the network), country, language.
    """
    organisation = db.session.get(Organisation, data["organisation_id"]) if data.get("organisation_id") else None
    participant = Participant(
        meeting_id=meeting.id, kind=ParticipantKind.WALK_IN, status=ParticipantStatus.REGISTERED, attended=True,
        name=data["name"], email=data.get("email") or None,
        organisation_id=organisation.id if organisation else None,
        organisation_name=organisation.name if organisation else (data.get("organisation_name") or None),
        country=(organisation.country if organisation else data.get("country")) or None,
        language=data.get("language") or "en",
    )
    db.session.add(participant)
    db.session.flush()
    return participant


def email_taken(meeting: Meeting, email: str | None) -> bool:
    """Whether a participant of the meeting already has this email (any case)."""
    if not email:
        return False
    return db.session.scalar(select(Participant.id).where(
        Participant.meeting_id == meeting.id, func.lower(Participant.email) == email.lower()).limit(1)) is not None


def attendees(meeting: Meeting) -> list[Participant]:
    """Those marked present, by name."""
    query = (select(Participant).where(Participant.meeting_id == meeting.id, Participant.attended.is_(True))
             .options(selectinload(Participant.organisation))
             .order_by(func.lower(Participant.name), Participant.id))
    return list(db.session.scalars(query))


def organisation_of(participant: Participant) -> str | None:
    """The organisation a participant came for, as recorded."""
    return participant.organisation_label or None


def country_of(participant: Participant) -> str | None:
    """The country code recorded for a participant, else their organisation's."""
    if participant.country:
        return participant.country
    return participant.organisation.country if participant.organisation is not None else None


@dataclass
class Bar:
    """One bar of an attendance chart."""

    label: str | None
    count: int
    percent: int  # of the largest bar, for the chart's widths


def bars(counter: Counter) -> list[Bar]:
    """A chart's bars from counts by label, largest first, ties by label (None last)."""
    if not counter:
        return []
    top = max(counter.values())
    rows = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0] or "\uffff"))
    return [Bar(label, count, round(100 * count / top)) for label, count in rows]


def attendance_counts(meeting: Meeting) -> tuple[list[Bar], list[Bar]]:
    """Present people counted by organisation and by country, largest first
    (None stands for "not recorded")."""
    present = attendees(meeting)
    return (bars(Counter(organisation_of(p) for p in present)),
            bars(Counter(country_of(p) for p in present)))


def represented_organisations(meeting: Meeting) -> list[str]:
    """Names of the organisations with at least one person present, each once, by name.

    A name typed for a walk-in counts as the network's organisation of that name when
    the two differ only in case or spacing, so one organisation is never named twice."""
    names: dict[str, str] = {}
    for participant in attendees(meeting):
        name = " ".join((organisation_of(participant) or "").split())
        if not name:
            continue
        key = name.casefold()
        if key not in names or participant.organisation is not None:
            names[key] = name
    return sorted(names.values(), key=str.casefold)


# --- minutes --------------------------------------------------------------------

def get_record(meeting: Meeting) -> MeetingRecord | None:
    """The meeting's decisions and next-meeting data, if any were recorded."""
    return db.session.get(MeetingRecord, meeting.id)


def notes_by_item(meeting: Meeting) -> dict[int, str]:
    """Minutes per agenda item id."""
    rows = db.session.scalars(select(AgendaNote).where(AgendaNote.meeting_id == meeting.id))
    return {note.agenda_item_id: note.body for note in rows}


# A bullet or number in front of a decision ("- ", "* ", "• ", "1. ", "2) ").
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


def decision_lines(text: str | None) -> list[str]:
    """One decision per non-empty line, bullets and numbers taken off."""
    lines = []
    for line in (text or "").splitlines():
        cleaned = _BULLET.sub("", line).strip()
        if cleaned:
            lines.append(cleaned)
    return lines


def decisions_of(meeting: Meeting) -> list[Decision]:
    """The meeting's decisions: those on no agenda item first, then by agenda item, in order."""
    query = (select(Decision).where(Decision.meeting_id == meeting.id)
             .options(selectinload(Decision.superseded_by).selectinload(Decision.meeting))
             .order_by(Decision.position, Decision.id))
    return list(db.session.scalars(query))


def decision_texts(meeting: Meeting) -> list[str]:
    """The texts of the meeting's decisions, in order."""
    return [decision.text for decision in decisions_of(meeting)]


def decisions_text_by_item(meeting: Meeting) -> dict[int | None, str]:
    """The decisions as the minutes form shows them: one per line, per agenda item id (None: on no item)."""
    grouped: dict[int | None, list[str]] = {}
    for decision in decisions_of(meeting):
        grouped.setdefault(decision.agenda_item_id, []).append(decision.text)
    return {key: "\n".join(lines) for key, lines in grouped.items()}


def _save_decisions(meeting: Meeting, decisions: dict[int | None, str]) -> None:
    # A decision whose text stays keeps its row, so what the register says about it
    # (superseded by a later one) survives an edit of the minutes.
    existing: dict[int | None, list[Decision]] = {}
    for decision in decisions_of(meeting):
        existing.setdefault(decision.agenda_item_id, []).append(decision)
    valid = {None} | {item.id for item in meeting.agenda_items}
    position = 0
    for key in [None, *(item.id for item in meeting.agenda_items)]:
        old = existing.pop(key, [])
        for text in decision_lines(decisions.get(key)) if key in valid else []:
            match = next((d for d in old if d.text == text), None)
            if match is not None:
                old.remove(match)
            else:
                match = Decision(meeting_id=meeting.id, agenda_item_id=key, text=text)
                db.session.add(match)
            match.position = position
            position += 1
        for gone in old:
            _delete_decision(gone)
    for rest in existing.values():
        for gone in rest:
            _delete_decision(gone)


def _delete_decision(decision: Decision) -> None:
    for earlier in db.session.scalars(select(Decision).where(Decision.superseded_by_id == decision.id)):
        earlier.superseded_by_id = None
    db.session.delete(decision)


def save_minutes(meeting: Meeting, notes: dict[int, str], decisions: str | dict[int | None, str],
                 next_meeting_on: date | None, next_meeting_note: str | None) -> MeetingRecord:
    """Store the notes per agenda item (ids of other meetings' items are ignored; an
    empty note is removed), the decisions and the next meeting. Flushes.

    ``decisions`` is text with one decision per line (bullets allowed), or such texts
    per agenda item id, None for decisions on no item. A decision whose text is kept
    keeps its place in the register. ``followup.approval.minutes_changed`` then brings
    the minutes' versions in step."""
    existing = {note.agenda_item_id: note for note in
                db.session.scalars(select(AgendaNote).where(AgendaNote.meeting_id == meeting.id))}
    for item in meeting.agenda_items:
        body = (notes.get(item.id) or "").strip()
        note = existing.get(item.id)
        if body and note is None:
            db.session.add(AgendaNote(agenda_item_id=item.id, meeting_id=meeting.id, body=body))
        elif body:
            note.body = body
        elif note is not None:
            db.session.delete(note)
    record = get_record(meeting)
    if record is None:
        record = MeetingRecord(meeting_id=meeting.id)
        db.session.add(record)
    _save_decisions(meeting, decisions if isinstance(decisions, dict) else {None: decisions})
    record.next_meeting_on = next_meeting_on
    record.next_meeting_note = (next_meeting_note or "").strip() or None
    db.session.flush()
    return record


# --- action items ---------------------------------------------------------------

def action_items(meeting: Meeting) -> list[ActionItem]:
    """The meeting's action items in the order they were added."""
    query = (select(ActionItem).where(ActionItem.meeting_id == meeting.id)
             .options(selectinload(ActionItem.owner).selectinload(Contact.organisation))
             .order_by(ActionItem.position, ActionItem.id))
    return list(db.session.scalars(query))


def add_action_item(meeting: Meeting, what: str, owner_id: int | None, due_on: date | None) -> ActionItem:
    """Add an open action item; an owner id that is not a contact is dropped. Flushes."""
    owner = db.session.get(Contact, owner_id) if owner_id else None
    position = db.session.scalar(select(func.count()).select_from(ActionItem)
                                 .where(ActionItem.meeting_id == meeting.id)) or 0
    item = ActionItem(meeting_id=meeting.id, position=position, what=what.strip(),
                      owner_id=owner.id if owner else None, due_on=due_on, status="open")
    db.session.add(item)
    db.session.flush()
    return item


def set_action_done(item: ActionItem, done: bool) -> None:
    """Close (done) or reopen an action item. Flushes."""
    item.status = "done" if done else "open"
    item.done_at = utcnow() if done else None
    db.session.flush()


def delete_action_item(item: ActionItem) -> None:
    """Remove an action item recorded by mistake. Flushes."""
    db.session.delete(item)
    db.session.flush()


def _contacts_of(meeting_ids: Iterable[int]) -> dict[int, set[int]]:
    ids = list(meeting_ids)
    result: dict[int, set[int]] = {i: set() for i in ids}
    if not ids:
        return result
    rows = db.session.execute(select(Participant.meeting_id, Participant.contact_id)
                              .where(Participant.meeting_id.in_(ids), Participant.contact_id.is_not(None)))
    for meeting_id, contact_id in rows:
        result[meeting_id].add(contact_id)
    return result


def same_group(first: set[int], second: set[int]) -> bool:
    """The module's rule: shared contacts are at least half of the smaller list."""
    shared = len(first & second)
    return shared > 0 and 2 * shared >= min(len(first), len(second))


def earlier_open_actions(meeting: Meeting) -> list[ActionItem]:
    """Open action items of earlier meetings of the same group (see the module's rule),
    oldest meeting first."""
    candidates = list(db.session.scalars(
        select(ActionItem.meeting_id).join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(ActionItem.status == "open", Meeting.starts_at < meeting.starts_at, Meeting.id != meeting.id)
        .distinct()))
    if not candidates:
        return []
    contacts = _contacts_of([meeting.id, *candidates])
    mine = contacts[meeting.id]
    related = [mid for mid in candidates if same_group(mine, contacts[mid])]
    if not related:
        return []
    query = (select(ActionItem).join(Meeting, Meeting.id == ActionItem.meeting_id)
             .where(ActionItem.meeting_id.in_(related), ActionItem.status == "open")
             .options(selectinload(ActionItem.meeting), selectinload(ActionItem.owner))
             .order_by(Meeting.starts_at, ActionItem.position, ActionItem.id))
    return list(db.session.scalars(query))


def contact_choices() -> list[Contact]:
    """Possible owners of an action item: every contact, by name."""
    return list(db.session.scalars(select(Contact).options(selectinload(Contact.organisation))
                                   .order_by(Contact.name, Contact.id)))
