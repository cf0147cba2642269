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

# About 1.5 kB an event: some 30 MB for, e.g., 3,000 meetings in three languages and the personal feeds.
DEFAULT_SIZE = 20_000
# Whole public feed bodies kept by ETag.
BODIES = 12


class Recent:
    """A bounded map (least recently used leaves first), safe across threads: the rendered
    events, and the last few whole feed bodies by ETag."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get_or_render(self, key: Hashable, render: Callable[[], object]):
        found = self.get(key)
        return found if found is not None else self.put(key, render())

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def init_app(app: Flask) -> None:
    """Give the application its event cache and its feed bodies."""
    app.extensions["calendar_events"] = Recent(DEFAULT_SIZE)
    app.extensions["calendar_bodies"] = Recent(BODIES)


def feed_bodies() -> Recent:
    """The current application's last feed bodies."""
    return current_app.extensions["calendar_bodies"]


def event_cache() -> Recent:
    """The current application's event cache."""
    return current_app.extensions["calendar_events"]
