"""One way to paginate: ``db.paginate`` through ``core.views.existing_page``, on both databases."""
from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from meetings.core.types import utcnow
from meetings.core.views import existing_page
from meetings.events.models import Meeting
from meetings.events.queries import past_public_meetings_page
from tests.factories import make_meeting

ROOT = Path(__file__).resolve().parents[2] / "meetings"


def _past(count: int) -> None:
    start = utcnow() - timedelta(days=count + 10)
    for n in range(count):
        make_meeting(title=f"Past {n}", starts_at=start + timedelta(days=n),
                     ends_at=start + timedelta(days=n, hours=2), visibility="public")


def test_existing_page_counts_once_and_refuses_pages_that_do_not_exist(app):
    query = select(Meeting).order_by(Meeting.id)
    empty = existing_page(query, 1, 5)
    assert empty is not None and empty.items == [] and empty.total == 0
    assert existing_page(query, 0, 5) is None and existing_page(query, 2, 5) is None
    _past(12)
    pages = [existing_page(query, n, 5) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [5, 5, 2] and {p.pages for p in pages} == {3}
    assert pages[0].has_next and not pages[0].has_prev and pages[2].has_prev and not pages[2].has_next
    assert existing_page(query, 4, 5) is None
    assert [m.id for p in pages for m in p.items] == sorted(m.id for p in pages for m in p.items)


def test_past_events_page_by_page_latest_first(app, client):
    _past(25)
    first, second = past_public_meetings_page(1), past_public_meetings_page(2)
    assert len(first.items) == 20 and len(second.items) == 5 and first.pages == 2
    titles = [m.title for m in first.items + second.items]
    assert titles == [f"Past {n}" for n in range(24, -1, -1)]
    assert past_public_meetings_page(3) is None
    assert client.get("/events/?page=2").status_code == 200
    assert client.get("/events/?page=3").status_code == 404


def test_nothing_pages_by_hand():
    """No OFFSET written by hand and no page class of our own beside Flask-SQLAlchemy's."""
    found = []
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "offset":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .offset")
            if isinstance(node, ast.ClassDef) and node.name.endswith("Page"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} class {node.name}")
    assert found == []
