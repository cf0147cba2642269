"""Which organiser-editable pages the site has: the values stored in ``site_pages.page``
(a CHECK constraint holds the database to them)."""
from __future__ import annotations

import enum


class PageKey(enum.StrEnum):
    """One per page, in the order the organiser's list shows them; the value is its address."""

    ABOUT = "about"
    PRIVACY = "privacy"
