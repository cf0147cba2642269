"""CHECK constraints that hold a column to the values of an ``enum.StrEnum``."""
from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint


def values_check(column: str, values: type[enum.StrEnum], name: str | None = None) -> CheckConstraint:
    """``CHECK (column IN (...))`` over the enum's values, named after the column
    (the metadata's naming convention makes it ``ck_<table>_<column>``)."""
    listed = ", ".join("'" + member.value.replace("'", "''") + "'" for member in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name or column)
