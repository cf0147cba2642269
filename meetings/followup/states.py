"""Where a meeting's minutes stand: the values stored in ``minutes_versions.state`` (a
CHECK constraint holds the database to them).

A version is a ``draft`` while the organiser edits it, ``circulated`` once it was mailed
to those present (its content is then frozen), and ``approved`` when the group
approved it. Edits after circulation start a new draft version.
"""
from __future__ import annotations

import enum


class MinutesState(enum.StrEnum):
    DRAFT = "draft"
    CIRCULATED = "circulated"
    APPROVED = "approved"
