"""A meeting in its reader's language.

A meeting's title and description, and its agenda items' titles, are written in
the meeting's main language (``Meeting.language``) and may be given in others
too (``translations``: ``{"de": {"title": ..., "description": ...}}``). Pages,
emails and feeds hand their templates and the calendar builder a read-only view
of the meeting in the reader's language: each text in that language where one
was given, else the main text; every other attribute is the meeting's own.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from meetings.events.models import AgendaItem, Meeting

# The texts that can be given in more than one language.
MEETING_TEXTS = ("title", "description")
ITEM_TEXTS = ("title",)


def translated_text(obj: Any, field: str, language: str | None) -> str:
    """``obj.field`` in ``language`` if a translation was given, else the main text."""
    translations = getattr(obj, "translations", None) or {}
    text = (translations.get(language) or {}).get(field) if language else None
    return text or getattr(obj, field)


class _View:
    """Delegates every attribute to the object it shows, except the translated texts."""

    __slots__ = ("_target", "_language")
    _texts: tuple[str, ...] = ()

    def __init__(self, target: Any, language: str | None) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_language", language)

    def __getattr__(self, name: str) -> Any:
        target = object.__getattribute__(self, "_target")
        if name in type(self)._texts:
            return translated_text(target, name, object.__getattribute__(self, "_language"))
        return getattr(target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        other = other._target if isinstance(other, _View) else other
        return self._target is other

    def __hash__(self) -> int:
        return hash(self._target)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._target!r} in {self._language!r}>"

    @property
    def original(self) -> Any:
        """The object itself, for writing or for queries."""
        return self._target

    @property
    def reader_language(self) -> str | None:
        """The language the texts were asked for (``language`` stays the main language)."""
        return self._language


class AgendaItemInLanguage(_View):
    """An agenda item with its title in the reader's language."""

    __slots__ = ()
    _texts = ITEM_TEXTS


class MeetingInLanguage(_View):
    """A meeting with its title, description and agenda item titles in the reader's language."""

    __slots__ = ()
    _texts = MEETING_TEXTS

    @property
    def agenda_items(self) -> list[AgendaItemInLanguage]:
        return [item_in_language(item, self._language) for item in self._target.agenda_items]


def _unwrap(obj: Any) -> Any:
    return obj.original if isinstance(obj, _View) else obj


def in_language(meeting: Meeting | MeetingInLanguage, language: str | None) -> MeetingInLanguage:
    """A read-only view of ``meeting`` whose title, description and agenda items' titles are
    in ``language``, each falling back to the main text where no translation was given.

    Every other attribute is the meeting's own, so templates, ``agenda_schedule`` and the
    calendar builder take the view in place of the meeting.
    """
    return MeetingInLanguage(_unwrap(meeting), language)


def item_in_language(item: AgendaItem | AgendaItemInLanguage, language: str | None) -> AgendaItemInLanguage:
    """A read-only view of an agenda item with its title in ``language`` (else the main title)."""
    return AgendaItemInLanguage(_unwrap(item), language)


def schedule_in_language(schedule: Iterable[tuple[Any, Any, Any]], language: str | None) -> list[tuple]:
    """Rows of ``agenda_schedule`` (item, start, end) with each item in ``language``."""
    return [(item_in_language(item, language), start, end) for item, start, end in schedule]


def clean_translations(values: Mapping[str, Mapping[str, str | None]], main_language: str | None,
                       fields: Iterable[str]) -> dict[str, dict[str, str]]:
    """What to store from entered translations: per language other than the main one,
    the non-empty texts of ``fields`` (languages with none are left out)."""
    fields = tuple(fields)
    stored: dict[str, dict[str, str]] = {}
    for language, texts in values.items():
        if language == main_language:
            continue
        kept = {field: texts[field].strip() for field in fields
                if isinstance(texts.get(field), str) and texts[field].strip()}
        if kept:
            stored[language] = kept
    return stored
