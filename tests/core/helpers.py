"""Reading spreadsheets back as the two kinds of Excel would, and checking that no cell runs."""
from __future__ import annotations

import csv
import io
import re

# Conservative: a reader may drop the quotes around a field and trim the spaces before it.
RUNS = re.compile(r'[ "]*[=+\-@\t\r]')
# The inverse of the writer's protection, written out here from the rule the writer promises.
PROTECTED = re.compile(r"(?:^|(?<=[,;]))'(?='*[ \"]*[=+\-@\t\r])|(?<=[,;])'(?='*[ \"]*\Z)")


def cells(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def assert_nothing_runs(data: bytes) -> None:
    for delimiter in (",", ";"):
        for row in cells(data, delimiter):
            for cell in row:
                assert not RUNS.match(cell), (delimiter, cell)


def as_written(value: str) -> str:
    """What the .csv holds for ``value`` once the apostrophes are taken off: line breaks as "; "."""
    return re.sub(r"\r\n|\r|\n", "; ", value)


def in_cell(value: str) -> str:
    """What an .xlsx cell holds for ``value``: line breaks as LF, the way the file format keeps them."""
    return re.sub(r"\r\n|\r", "\n", value)


def read_back(cell: str) -> str:
    """A .csv cell read with commas, with the one apostrophe the writer put in taken off again."""
    return PROTECTED.sub("", cell)
