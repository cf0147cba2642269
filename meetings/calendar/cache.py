"""Each meeting's VEVENT, rendered once per version of what it shows.

A feed of a thousand meetings changes one meeting at a time, so its events are
kept as bytes (``builder.Rendered``) under a key that names everything their
bytes depend on: the meeting and the moment it last changed (``updated_at``
moves with its agenda, topics and venue too, see ``events.models``), the
language, the base address, and for a personal feed the reader's own row
and reminder. A new version of the feed builds only the events whose key is
new. The keys of old versions are simply never asked for again and fall out
of the cache, least recently used first.

Beside them, the last few whole public feeds by ETag (which covers everything
their bytes depend on): a calendar server fetching the current feed in full again
gets it without a thousand events being looked up and joined. One of each per application.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app

from meetings.calendar.builder import Rendered

# About 1.5 kB an event: some 30 MB for, e.g., 3,000 meetings in three languages and the personal feeds.
DEFAULT_SIZE = 20_000


class EventCache:
    """A bounded map of rendered events (least recently used leaves first), safe across threads."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._events: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Rendered | None:
        with self._lock:
            found = self._events.get(key)
            if found is not None:
                self._events.move_to_end(key)
            return found

    def put(self, key: Hashable, event: Rendered) -> Rendered:
        with self._lock:
            self._events[key] = event
            self._events.move_to_end(key)
            while len(self._events) > self.size:
                self._events.popitem(last=False)
        return event

    def get_or_render(self, key: Hashable, render: Callable[[], Rendered]) -> Rendered:
        found = self.get(key)
        return found if found is not None else self.put(key, render())

    def __len__(self) -> int:
        return len(self._events)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


class FeedBodies:
    """The last few feed bodies built, by ETag, safe across threads."""

    def __init__(self, size: int = 12):
        self.size = size
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, etag: str, build: Callable[[], bytes]) -> bytes:
        with self._lock:
            body = self._bodies.get(etag)
            if body is not None:
                self._bodies.move_to_end(etag)
                return body
        body = build()
        with self._lock:
            self._bodies[etag] = body
            while len(self._bodies) > self.size:
                self._bodies.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()


def init_app(app: Flask) -> None:
    """Give the application its event cache and its feed bodies."""
    app.extensions["calendar_events"] = EventCache()
    app.extensions["calendar_bodies"] = FeedBodies()


def feed_bodies() -> FeedBodies:
    """The current application's last feed bodies."""
    return current_app.extensions["calendar_bodies"]


def event_cache() -> EventCache:
    """The current application's event cache."""
    return current_app.extensions["calendar_events"]
