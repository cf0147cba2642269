"""A meeting's participants on the organiser side: choosing invitees from the
network and keeping one row per person. No request objects here; callers commit.

Invitations (emails, RSVP links) build on these rows: ``invite_contacts`` is the
one place that turns contacts into invitees.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from meetings.core.types import utcnow
from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.network.models import Contact, Group, Organisation, group_members
from meetings.participants.models import REPLY_TOKEN_SHAPE, Participant, ParticipantKind, ParticipantStatus

# What new_token() makes: URL-safe base64. Anything else is refused before the database sees it.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


@dataclass
class InviteResult:
    """What ``invite_contacts`` did: the new participants and how many people were already listed."""

    added: list[Participant] = field(default_factory=list)
    already: int = 0


@dataclass(frozen=True)
class SentBy:
    """The invitee who sent a colleague in their place, as the colleague's mails name them."""

    name: str
    organisation: str
    message: str | None


def sent_by(delegator: Participant, message: str | None) -> SentBy:
    """How mails to a colleague name the invitee ``delegator`` who sent them, with what they wrote."""
    return SentBy(delegator.name or delegator.email or "", delegator.organisation_label,
                  (message or "").strip() or None)


def who_sent(participant: Participant) -> SentBy | None:
    """The invitee who sent ``participant`` in their place (with their message), or None."""
    source = participant.delegated_from if participant.delegated_from_id is not None else None
    return sent_by(source, participant.delegation_message) if source is not None else None


def contacts_for(contact_ids: Iterable[int] = (), groups: Iterable[int] = (),
                 organisations: Iterable[int] = ()) -> list[Contact]:
    """The people meant by a choice of contacts, groups and organisations (ids),
    each person once, by name, with their organisation loaded.

    A group stands for its members, an organisation for its contacts.
    """
    contact_ids, groups, organisations = set(contact_ids), set(groups), set(organisations)
    if not (contact_ids or groups or organisations):
        return []
    conditions = []
    if contact_ids:
        conditions.append(Contact.id.in_(contact_ids))
    if groups:
        conditions.append(Contact.id.in_(select(group_members.c.contact_id)
                                         .where(group_members.c.group_id.in_(groups))))
    if organisations:
        conditions.append(Contact.organisation_id.in_(organisations))
    query = (select(Contact).where(or_(*conditions)).options(selectinload(Contact.organisation))
             .order_by(Contact.name, Contact.id))
    return list(db.session.scalars(query))


def invite_contacts(meeting: Meeting, contacts: Iterable[Contact]) -> InviteResult:
    """Add each contact to the meeting as an invitee, unless already listed. Flushes.

    One Participant per person (kind ``invitee``, status ``invited``) with the
    contact's name, email, language and organisation copied, so the list
    survives later edits of the contact. A person counts as listed when a
    participant of the meeting has the same contact or the same email (in any
    case), whatever their kind: a registrant is not invited a second time.
    """
    listed = list(db.session.scalars(select(Participant).where(Participant.meeting_id == meeting.id)))
    known_contacts = {p.contact_id for p in listed if p.contact_id is not None}
    known_emails = {p.email.lower() for p in listed if p.email}
    # Invitees the organiser took off the list (status ``cancelled``) are invited again.
    removed = {key: p for p in listed if p.kind == ParticipantKind.INVITEE and p.status == ParticipantStatus.CANCELLED
               for key in (p.contact_id, (p.email or "").lower()) if key}
    result = InviteResult()
    for contact in contacts:
        email = contact.email.lower()
        again = removed.pop(contact.id, None) or removed.pop(email, None)
        if again is not None:
            again.status = ParticipantStatus.INVITED
            again.invited_at, again.responded_at, again.comment = None, None, None
            result.added.append(again)
            continue
        if contact.id in known_contacts or email in known_emails:
            result.already += 1
            continue
        organisation = contact.organisation
        participant = Participant(
            meeting_id=meeting.id, contact_id=contact.id,
            kind=ParticipantKind.INVITEE, status=ParticipantStatus.INVITED,
            name=contact.name, email=contact.email, language=contact.language,
            organisation_id=contact.organisation_id,
            organisation_name=organisation.name if organisation else None,
            country=organisation.country if organisation else None,
        )
        db.session.add(participant)
        result.added.append(participant)
        known_contacts.add(contact.id)
        known_emails.add(email)
    db.session.flush()
    return result


def groups_with_newcomers(meeting: Meeting) -> list[tuple[Group, list[Contact]]]:
    """Groups that are partly on the meeting's list, with their members who are not (yet) on it.

    A group that grew after its members were invited shows up here, with its
    newcomers, so the organiser can add them. Groups nobody of is listed are left out.
    """
    rows = db.session.execute(select(Participant.contact_id, Participant.email)
                              .where(Participant.meeting_id == meeting.id)).all()
    known_contacts = {contact_id for contact_id, _ in rows if contact_id is not None}
    known_emails = {email.lower() for _, email in rows if email}
    if not rows:
        return []
    groups = db.session.scalars(select(Group).options(selectinload(Group.members)).order_by(Group.name))
    result = []
    for group in groups:
        on_list = [c for c in group.members if c.id in known_contacts or c.email.lower() in known_emails]
        newcomers = sorted((c for c in group.members if c not in on_list), key=lambda c: c.name)
        if on_list and newcomers:
            result.append((group, newcomers))
    return result


def add_invitee(meeting: Meeting, name: str | None, email: str, language: str) -> Participant:
    """Put one person on the meeting's list as an invitee (not yet invited), or return the
    participant already listed with that address. Flushes."""
    listed = participant_by_email(meeting, email)
    if listed is not None:
        return listed
    participant = Participant(meeting_id=meeting.id, kind=ParticipantKind.INVITEE, status=ParticipantStatus.INVITED,
                              name=(name or "").strip()[:200] or None, email=email.strip().lower(),
                              language=language)
    db.session.add(participant)
    db.session.flush()
    return participant


def list_invitees(meeting: Meeting) -> list[Participant]:
    """The meeting's invitees by name, with organisation and contact loaded."""
    query = (select(Participant)
             .where(Participant.meeting_id == meeting.id, Participant.kind == ParticipantKind.INVITEE)
             .options(selectinload(Participant.organisation), selectinload(Participant.contact))
             .order_by(Participant.name, Participant.id))
    return list(db.session.scalars(query))


def invitee_counts(meeting_ids: Iterable[int]) -> dict[int, int]:
    """How many invitees each meeting has, by meeting id (one query)."""
    ids = list(meeting_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Participant.meeting_id, func.count())
        .where(Participant.meeting_id.in_(ids), Participant.kind == ParticipantKind.INVITEE)
        .group_by(Participant.meeting_id))
    return {meeting_id: count for meeting_id, count in rows}


def remove_participant(participant: Participant) -> None:
    """Take one person off the meeting's list. Flushes."""
    db.session.delete(participant)
    db.session.flush()


def delete_all_participants(meeting: Meeting) -> None:
    """Remove every participant of a meeting (used when a draft is deleted). Flushes."""
    db.session.execute(delete(Participant).where(Participant.meeting_id == meeting.id))
    db.session.flush()


def unlink_organisation(organisation: Organisation) -> None:
    """Let go of an organisation being deleted; answers the network's ``organisation_deleting``."""
    # Meeting lists keep the organisation's name in their own column; only the link goes.
    db.session.execute(update(Participant).where(Participant.organisation_id == organisation.id)
                       .values(organisation_id=None))


def unlink_contact(contact: Contact) -> None:
    """Let go of a contact being deleted, keeping the copied name and email; answers ``contact_deleting``."""
    db.session.execute(update(Participant).where(Participant.contact_id == contact.id).values(contact_id=None))


def search_contacts(text: str | None) -> list[Contact]:
    """Contacts whose name, email or organisation contains ``text`` (all when empty), by name."""
    query = (select(Contact).outerjoin(Contact.organisation)
             .options(selectinload(Contact.organisation)).order_by(Contact.name, Contact.id))
    if text:
        text = text.lower()
        query = query.where(or_(func.lower(Contact.name).contains(text, autoescape=True),
                                func.lower(Contact.email).contains(text, autoescape=True),
                                func.lower(Organisation.name).contains(text, autoescape=True)))
    return list(db.session.scalars(query))


def list_groups() -> list[Group]:
    """All groups by name."""
    return list(db.session.scalars(select(Group).order_by(Group.name)))


def list_organisations() -> list[Organisation]:
    """All organisations by name."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def group_sizes() -> dict[int, int]:
    """How many members each group has, by group id (one query)."""
    rows = db.session.execute(select(group_members.c.group_id, func.count()).group_by(group_members.c.group_id))
    return {group_id: count for group_id, count in rows}


def participant_by_token(token: str, kind: ParticipantKind = ParticipantKind.INVITEE) -> Participant | None:
    """The invitee (or registrant: ``kind``) holding this personal token, with meeting, venue
    and agenda loaded; None if unknown. A token of the wrong shape never reaches the database."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    query = (select(Participant).where(Participant.token == token, Participant.kind == kind)
             .options(selectinload(Participant.meeting).selectinload(Meeting.venue),
                      selectinload(Participant.meeting).selectinload(Meeting.agenda_items),
                      selectinload(Participant.meeting).selectinload(Meeting.topics)))
    return db.session.scalar(query)


def reply_address(participant: Participant) -> str | None:
    """``local+token@domain`` of INBOUND_ADDRESS with the participant's reply token: the
    ORGANIZER and Reply-To of their mails, so that their calendar's answer comes back to
    the app as theirs. None when INBOUND_ADDRESS is not set (replies go to ORGANIZER_EMAIL)."""
    address = current_app.config["INBOUND_ADDRESS"]
    if not address:
        return None
    local, _, domain = address.rpartition("@")
    return f"{local}+{participant.reply_token}@{domain}"


def participant_by_reply_token(token: str | None) -> Participant | None:
    """The participant whose reply address carries this token (any case), with the meeting
    loaded; None if unknown: a participant taken off the list of a draft, or whose meeting
    was deleted, has no row left, and so no token."""
    token = (token or "").lower()
    if not REPLY_TOKEN_SHAPE.fullmatch(token):
        return None
    return db.session.scalar(select(Participant).where(Participant.reply_token == token)
                             .options(joinedload(Participant.meeting)))


def participant_by_email(meeting: Meeting, email: str | None) -> Participant | None:
    """The participant of ``meeting`` listed with this address (in any case), or None."""
    email = (email or "").strip().lower()
    if not email:
        return None
    return db.session.scalar(select(Participant).where(Participant.meeting_id == meeting.id,
                                                       func.lower(Participant.email) == email)
                             .order_by(Participant.id).limit(1))


def mark_bouncing(participant: Participant, detail: str | None) -> None:
    """Record that mail to the participant's address came back undelivered (and so on their
    contact, when they have one), with what the report said. Flushes."""
    now = utcnow()
    detail = " ".join((detail or "").split())[:300] or None
    participant.bounced_at, participant.bounce_detail = now, detail
    if participant.contact_id is not None:
        db.session.execute(update(Contact).where(Contact.id == participant.contact_id)
                           .values(bounced_at=now, bounce_detail=detail))
    db.session.flush()


def clear_bouncing(participant: Participant) -> None:
    """The person answered: their address works again, for this meeting and on their contact. Flushes."""
    if participant.bounced_at is None and participant.contact_id is None:
        return
    participant.bounced_at, participant.bounce_detail = None, None
    if participant.contact_id is not None:
        db.session.execute(update(Contact).where(Contact.id == participant.contact_id, Contact.bounced_at.is_not(None))
                           .values(bounced_at=None, bounce_detail=None))
    db.session.flush()


def mark_address_bouncing(email: str, detail: str | None) -> int:
    """Mail to ``email`` came back undelivered and nothing says for which meeting: mark the
    contact with that address and its participants in meetings not yet over. Flushes;
    returns how many rows (participants and contact) were marked."""
    address = (email or "").strip().lower()
    if not address:
        return 0
    now = utcnow()
    detail = " ".join((detail or "").split())[:300] or None
    ongoing = select(Meeting.id).where(Meeting.ends_at > now)
    result = db.session.execute(update(Participant)
                                .where(func.lower(Participant.email) == address, Participant.meeting_id.in_(ongoing))
                                .values(bounced_at=now, bounce_detail=detail)
                                .execution_options(synchronize_session="fetch"))
    contacts = db.session.execute(update(Contact).where(func.lower(Contact.email) == address)
                                  .values(bounced_at=now, bounce_detail=detail)
                                  .execution_options(synchronize_session="fetch"))
    db.session.flush()
    return result.rowcount + contacts.rowcount
