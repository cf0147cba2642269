"""The figures of the funder's report. No request objects here; nothing is changed.

What counts:

- A meeting held in the period: scheduled or held (neither a draft nor cancelled), starting
  on one of the period's days. The days are those of the cluster's zone (Europe/Amsterdam),
  the first and the last included.
- Present: a participant recorded present (``Participant.attended``). One person is one
  contact, else one email address (any case); someone with neither counts once per meeting.
- An organisation: the network's organisation a participant came for, else the name typed
  for them; a typed name that differs from a network organisation's only in case or spacing
  is that organisation. Its kind and country come from the network; for a typed name, the
  country is the participant's own and the kind is not known.
- Reached for the first time: present in the period and at no meeting (of any topic)
  that started before the period.

The number of statements does not depend on the number of meetings: the meetings (and
their venues), the people present (with their organisations), earlier organisations and
registrations are each one query.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetings.core.timezones import start_of_day
from meetings.events.models import Meeting, Topic, meeting_topics
from meetings.events.states import MeetingStatus
from meetings.extensions import db
from meetings.followup.services import country_of, organisation_of
from meetings.network.models import Organisation
from meetings.participants.models import Participant
from meetings.participants.states import ParticipantKind, ParticipantStatus

# The zone whose days a period's dates name.
CLUSTER_ZONE = "Europe/Amsterdam"
HELD = (MeetingStatus.SCHEDULED, MeetingStatus.HELD)
# The two sides of the border the cluster brings together.
SIDES = ("NL", "DE")
# Repeat participation: organisations present at 1, 2, and 3 or more meetings.
REPEAT_GROUPS = ("1", "2", "3+")


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers: the local days from ``start`` to ``end`` (both included) and,
    optionally, one topic. Another filter (a series) is one more field here and one more
    condition in ``_conditions``."""

    start: date
    end: date
    topic_id: int | None = None

    @property
    def begins_at(self):
        """The period's first instant, in UTC."""
        return start_of_day(self.start, CLUSTER_ZONE)

    @property
    def ends_at(self):
        """The instant after the period's last day, in UTC."""
        return start_of_day(self.end + timedelta(days=1), CLUSTER_ZONE)


def _conditions(report_filter: ReportFilter) -> list:
    conditions = [Meeting.status.in_(HELD), Meeting.starts_at >= report_filter.begins_at,
                  Meeting.starts_at < report_filter.ends_at]
    if report_filter.topic_id is not None:
        conditions.append(Meeting.id.in_(select(meeting_topics.c.meeting_id)
                                         .where(meeting_topics.c.topic_id == report_filter.topic_id)))
    return conditions


def _clean_country(code: str | None) -> str | None:
    return code or None


def _name_key(name: str | None) -> str | None:
    cleaned = " ".join((name or "").split())
    return cleaned.casefold() if cleaned else None


@dataclass
class MeetingFigures:
    """One meeting of the report and the people recorded present there, by name."""

    meeting: Meeting
    present: list[Present] = field(default_factory=list)
    # Confirmed registrations (public meetings), and how many of those people came.
    registered: int = 0
    registered_present: int = 0

    # Filled by build_report: the countries of those present, and their organisations' name keys.
    countries: set[str] = field(default_factory=set)
    organisation_keys: set[str] = field(default_factory=set)

    @property
    def cross_border(self) -> bool:
        """People from both sides of the border were present."""
        return set(SIDES) <= self.countries

    @property
    def organisations(self) -> int:
        """How many organisations were represented."""
        return len(self.organisation_keys)

    @property
    def is_public(self) -> bool:
        return self.meeting.is_public


@dataclass
class OrganisationFigures:
    """One organisation present in the period."""

    name: str
    kind: str | None
    country: str | None
    meeting_ids: set[int] = field(default_factory=set)
    first_time: bool = False
    in_network: bool = False


@dataclass
class Report:
    """Every figure of one report; ``empty`` when no meeting was held."""

    report_filter: ReportFilter
    topic: Topic | None
    meetings: list[MeetingFigures]
    organisations: list[OrganisationFigures]
    attendances: int = 0
    people: int = 0
    people_without_organisation: int = 0
    people_without_country: int = 0
    # Unique people by country code (None: not recorded).
    people_by_country: Counter = field(default_factory=Counter)

    @property
    def empty(self) -> bool:
        return not self.meetings

    @cached_property
    def cross_border_meetings(self) -> int:
        return sum(1 for figures in self.meetings if figures.cross_border)

    @property
    def cross_border_share(self) -> float | None:
        """Meetings with people from both sides, of all meetings held (None: no meeting)."""
        return self.cross_border_meetings / len(self.meetings) if self.meetings else None

    def people_share(self, country: str) -> float | None:
        """People from ``country``, of all unique people present (None: nobody present)."""
        return self.people_by_country[country] / self.people if self.people else None

    @cached_property
    def organisations_by_kind(self) -> Counter:
        return Counter(organisation.kind for organisation in self.organisations)

    @cached_property
    def organisations_by_country(self) -> Counter:
        return Counter(organisation.country for organisation in self.organisations)

    @cached_property
    def organisations_without_country(self) -> int:
        return sum(1 for organisation in self.organisations if organisation.country is None)

    @cached_property
    def repeat(self) -> dict[str, int]:
        """Organisations present at 1, 2, and 3 or more meetings of the period."""
        counts = dict.fromkeys(REPEAT_GROUPS, 0)
        for organisation in self.organisations:
            counts[REPEAT_GROUPS[min(len(organisation.meeting_ids), 3) - 1]] += 1
        return counts

    @cached_property
    def first_time(self) -> list[OrganisationFigures]:
        """Organisations reached for the first time, by name."""
        return [organisation for organisation in self.organisations if organisation.first_time]

    @cached_property
    def public(self) -> list[MeetingFigures]:
        """The public events of the period, with their registrations."""
        return [figures for figures in self.meetings if figures.is_public]

    @property
    def registered(self) -> int:
        return sum(figures.registered for figures in self.public)

    @property
    def registered_present(self) -> int:
        return sum(figures.registered_present for figures in self.public)

    @property
    def public_present(self) -> int:
        return sum(len(figures.present) for figures in self.public)


def _meetings(report_filter: ReportFilter) -> list[Meeting]:
    query = (select(Meeting).where(*_conditions(report_filter)).options(selectinload(Meeting.venue))
             .order_by(Meeting.starts_at, Meeting.id))
    return list(db.session.scalars(query))


@dataclass(frozen=True, slots=True)
class NetworkOrganisation:
    """The network's record of an organisation, as far as the report reads it."""

    name: str
    kind: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class Present:
    """One participant recorded present: the columns the figures and the per-meeting sheets
    read (thousands of rows: plain tuples, not ORM objects). The follow-up services'
    ``country_of`` and ``organisation_of`` read it as they read a Participant."""

    id: int
    meeting_id: int
    contact_id: int | None
    kind: str
    status: str
    name: str | None
    email: str | None
    organisation_name: str | None
    country: str | None
    organisation: NetworkOrganisation | None

    @property
    def organisation_label(self) -> str:
        return self.organisation.name if self.organisation is not None else (self.organisation_name or "")


def _present(report_filter: ReportFilter) -> list[Present]:
    query = (select(Participant.id, Participant.meeting_id, Participant.contact_id, Participant.kind,
                    Participant.status, Participant.name, Participant.email, Participant.organisation_name,
                    Participant.country, Organisation.id, Organisation.name, Organisation.kind, Organisation.country)
             .outerjoin(Organisation, Organisation.id == Participant.organisation_id)
             .where(Participant.attended.is_(True),
                    Participant.meeting_id.in_(select(Meeting.id).where(*_conditions(report_filter))))
             .order_by(func.lower(Participant.name), Participant.id))
    network: dict[int, NetworkOrganisation] = {}
    present = []
    for *row, organisation_id, name, kind, country in db.session.execute(query):
        organisation = None
        if organisation_id is not None:
            organisation = network.get(organisation_id)
            if organisation is None:
                organisation = network[organisation_id] = NetworkOrganisation(name, kind, country)
        present.append(Present(*row, organisation))
    return present


def _registrations(report_filter: ReportFilter) -> dict[int, int]:
    public = select(Meeting.id).where(*_conditions(report_filter), Meeting.visibility == "public")
    rows = db.session.execute(
        select(Participant.meeting_id, func.count())
        .where(Participant.meeting_id.in_(public), Participant.kind == ParticipantKind.REGISTRANT,
               Participant.status == ParticipantStatus.REGISTERED)
        .group_by(Participant.meeting_id))
    return dict(rows.all())


def _earlier_organisations(report_filter: ReportFilter) -> set[str]:
    """Name keys of the organisations present at a meeting before the period."""
    rows = db.session.execute(
        select(Organisation.name, Participant.organisation_name).select_from(Participant)
        .join(Meeting, Meeting.id == Participant.meeting_id)
        .outerjoin(Organisation, Organisation.id == Participant.organisation_id)
        .where(Participant.attended.is_(True), Meeting.status.in_(HELD),
               Meeting.starts_at < report_filter.begins_at)
        .distinct())
    return {key for key in (_name_key(linked or typed) for linked, typed in rows) if key}


def _person_key(participant: Present) -> tuple:
    if participant.contact_id is not None:
        return ("contact", participant.contact_id)
    if participant.email:
        return ("email", participant.email.casefold())
    return ("row", participant.id)


def build_report(report_filter: ReportFilter) -> Report:
    """The report for ``report_filter`` (see the module's rules)."""
    topic = db.session.get(Topic, report_filter.topic_id) if report_filter.topic_id is not None else None
    meetings = _meetings(report_filter)
    if not meetings:
        return Report(report_filter, topic, [], [])
    figures = {meeting.id: MeetingFigures(meeting) for meeting in meetings}
    present = _present(report_filter)
    for participant in present:
        figures[participant.meeting_id].present.append(participant)
    for meeting_id, count in _registrations(report_filter).items():
        figures[meeting_id].registered = count
    for participant in present:
        if participant.kind == ParticipantKind.REGISTRANT and participant.status == ParticipantStatus.REGISTERED:
            figures[participant.meeting_id].registered_present += 1

    # A person's organisation and country: the latest recorded (meetings in time order).
    people: dict[tuple, dict] = {}
    organisations: dict[str, OrganisationFigures] = {}
    for participant in (p for meeting_figures in figures.values() for p in meeting_figures.present):
        person = people.setdefault(_person_key(participant), {"organisation": None, "country": None})
        name = organisation_of(participant)
        key = _name_key(name)
        country = _clean_country(country_of(participant))
        person["organisation"] = key or person["organisation"]
        person["country"] = country or person["country"]
        meeting_figures = figures[participant.meeting_id]
        if country:
            meeting_figures.countries.add(country)
        if key is None:
            continue
        meeting_figures.organisation_keys.add(key)
        organisation = organisations.get(key)
        if organisation is None:
            organisation = organisations[key] = OrganisationFigures(name=" ".join(name.split()), kind=None,
                                                                    country=None)
        linked = participant.organisation
        if linked is not None and not organisation.in_network:
            # The network's record decides, even over a name typed earlier.
            organisation.name, organisation.in_network = linked.name, True
            organisation.kind, organisation.country = linked.kind or None, _clean_country(linked.country)
        elif not organisation.in_network and organisation.country is None:
            organisation.country = _clean_country(participant.country)
        organisation.meeting_ids.add(participant.meeting_id)

    earlier = _earlier_organisations(report_filter)
    for key, organisation in organisations.items():
        organisation.first_time = key not in earlier
    return Report(
        report_filter, topic, list(figures.values()),
        sorted(organisations.values(), key=lambda o: o.name.casefold()),
        attendances=len(present), people=len(people),
        people_without_organisation=sum(1 for person in people.values() if person["organisation"] is None),
        people_without_country=sum(1 for person in people.values() if person["country"] is None),
        people_by_country=Counter(person["country"] for person in people.values()))
