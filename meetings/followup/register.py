"""The decisions register: every decision with its meeting, day and agenda item, found by
words and a filter, exported as .xlsx and CSV; and marking a decision superseded by a
later one. No request objects here; callers commit."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, selectinload

from meetings.core.spreadsheets import DATE, TEXT, Column, Sheet, write_csv, write_workbook
from meetings.core.timezones import start_of_day, to_local
from meetings.events.models import AgendaItem, Meeting, meeting_topics
from meetings.extensions import db
from meetings.followup.models import Decision

# Days of the register are the cluster's days (one zone for every meeting's date filter).
CLUSTER_ZONE = "Europe/Amsterdam"
MAX_QUERY = 200


class DecisionStanding(enum.StrEnum):
    """Which decisions the register shows: all, those still in force, those superseded."""

    ALL = ""
    CURRENT = "current"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class DecisionFilter:
    """What the register shows: words in a decision, its agenda item or meeting title
    (``q``), the meetings' days from ``start`` to ``end`` (both optional and included), one
    topic, and whether superseded ones are shown. A series is one more field here and one
    more condition in ``_conditions``."""

    q: str = ""
    start: date | None = None
    end: date | None = None
    topic_id: int | None = None
    standing: str = DecisionStanding.ALL


def _like(words: str) -> str:
    escaped = words.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(decision_filter: DecisionFilter) -> list:
    conditions = []
    for word in decision_filter.q.split()[:10]:
        pattern = _like(word)
        conditions.append(or_(func.lower(Decision.text).like(pattern, escape="\\"),
                              func.lower(Meeting.title).like(pattern, escape="\\"),
                              func.lower(AgendaItem.title).like(pattern, escape="\\")))
    if decision_filter.start is not None:
        conditions.append(Meeting.starts_at >= start_of_day(decision_filter.start, CLUSTER_ZONE))
    if decision_filter.end is not None:
        conditions.append(Meeting.starts_at < start_of_day(decision_filter.end + timedelta(days=1), CLUSTER_ZONE))
    if decision_filter.topic_id is not None:
        conditions.append(Meeting.id.in_(select(meeting_topics.c.meeting_id)
                                         .where(meeting_topics.c.topic_id == decision_filter.topic_id)))
    if decision_filter.standing == DecisionStanding.CURRENT:
        conditions.append(Decision.superseded_by_id.is_(None))
    elif decision_filter.standing == DecisionStanding.SUPERSEDED:
        conditions.append(Decision.superseded_by_id.is_not(None))
    return conditions


def find_decisions(decision_filter: DecisionFilter) -> list[Decision]:
    """The decisions the filter selects, newest meeting first, in the order of the minutes."""
    query = (select(Decision).join(Meeting, Meeting.id == Decision.meeting_id)
             .outerjoin(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
             .where(*_conditions(decision_filter))
             .options(selectinload(Decision.meeting), selectinload(Decision.agenda_item),
                      selectinload(Decision.superseded_by).selectinload(Decision.meeting))
             .order_by(Meeting.starts_at.desc(), Meeting.id.desc(), Decision.position, Decision.id))
    return list(db.session.scalars(query))


def get_decision(decision_id: int) -> Decision | None:
    """One decision, or None."""
    return db.session.get(Decision, decision_id)


def later_decisions(decision: Decision) -> list[Decision]:
    """Decisions of meetings after the decision's meeting: what may supersede it, soonest first."""
    mine = aliased(Meeting)
    query = (select(Decision).join(Meeting, Meeting.id == Decision.meeting_id)
             .join(mine, mine.id == decision.meeting_id)
             .where(Meeting.starts_at > mine.starts_at)
             .options(selectinload(Decision.meeting))
             .order_by(Meeting.starts_at, Decision.position, Decision.id))
    return list(db.session.scalars(query))


class SupersedeError(Exception):
    """The decision named cannot supersede this one (``code``: ``unknown``, ``not_later``)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def supersede(decision: Decision, later_id: int | None) -> None:
    """Mark ``decision`` superseded by the decision ``later_id`` of a later meeting (None:
    in force again). Flushes. Raises :class:`SupersedeError`."""
    if later_id is None:
        decision.superseded_by_id = None
        db.session.flush()
        return
    later = db.session.get(Decision, later_id)
    if later is None:
        raise SupersedeError("unknown")
    if later.id == decision.id or later.meeting.starts_at <= decision.meeting.starts_at:
        raise SupersedeError("not_later")
    decision.superseded_by_id = later.id
    db.session.flush()


# --- export --------------------------------------------------------------------------------

def _columns(headings: dict[str, str]) -> list[Column]:
    return [Column(headings["date"], DATE, 12), Column(headings["meeting"], TEXT, 32),
            Column(headings["item"], TEXT, 24), Column(headings["decision"], TEXT, 60),
            Column(headings["superseded_by"], TEXT, 60), Column(headings["superseded_on"], DATE, 14)]


def _rows(decisions: list[Decision]) -> list[tuple]:
    rows = []
    for decision in decisions:
        meeting = decision.meeting
        later = decision.superseded_by
        rows.append((to_local(meeting.starts_at, meeting.timezone).date(), meeting.title,
                     decision.agenda_item.title if decision.agenda_item else "", decision.text,
                     later.text if later else "",
                     to_local(later.meeting.starts_at, later.meeting.timezone).date() if later else None))
    return rows


def register_workbook(decisions: list[Decision], headings: dict[str, str], title: str) -> bytes:
    """The register as an .xlsx workbook of one sheet; ``headings`` name the columns in
    the reader's language (keys: date, meeting, item, decision, superseded_by, superseded_on)."""
    return write_workbook([Sheet(title, _columns(headings), _rows(decisions))])


def register_csv(decisions: list[Decision], headings: dict[str, str]) -> bytes:
    """The register as CSV (see ``register_workbook``)."""
    return write_csv(_columns(headings), _rows(decisions))
