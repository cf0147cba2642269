"""What the API takes and gives (marshmallow): the OpenAPI document is generated from these."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from meetings.core.timezones import to_local

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
PERIODS = ("upcoming", "past")
LANGUAGE_CODES = ("en", "de", "nl")


def local_iso(value, zone: str) -> str | None:
    """ISO 8601 with the zone's offset at that moment, e.g. 2026-06-05T10:00:00+02:00."""
    return to_local(value, zone).isoformat() if value is not None else None


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
                              metadata={"description": f"items per page, 1 to {MAX_LIMIT}"})
    cursor = ma.fields.String(validate=validate.Length(1, 500),
                              metadata={"description": "next_cursor of the page before (opaque)"})


class EventListArgs(PageArgs):
    period = ma.fields.String(load_default="upcoming", validate=validate.OneOf(PERIODS),
                              metadata={"description": "upcoming (not ended, soonest first) or past (latest first)"})
    topic = ma.fields.String(validate=validate.Length(1, 120), metadata={"description": "a topic's slug"})
    language = ma.fields.String(validate=validate.OneOf(LANGUAGE_CODES),
                                metadata={"description": "the meeting's main language"})
    from_ = ma.fields.Date(data_key="from", metadata={"description": "meetings that end on or after this day"})
    to = ma.fields.Date(metadata={"description": "meetings that start on or before this day"})

    @ma.validates_schema
    def _order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ma.ValidationError("from must not be after to", "from")


class TopicSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class VenueSchema(ma.Schema):
    name = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    postal_code = ma.fields.String(allow_none=True)
    city = ma.fields.String(required=True)
    country = ma.fields.String(required=True)
    room = ma.fields.String(allow_none=True)
    map_url = ma.fields.String(allow_none=True)
    timezone = ma.fields.String(required=True)


class VenueDetailSchema(VenueSchema):
    directions = ma.fields.String(allow_none=True)
    accessibility = ma.fields.String(allow_none=True)


class EventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    url = ma.fields.String(required=True, metadata={"description": "the meeting's public page"})
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True, metadata={"description": "Markdown"})
    language = ma.fields.String(required=True)
    translations = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(keys=ma.fields.String(),
                                                                                 values=ma.fields.String()))
    status = ma.fields.String(required=True, metadata={"description": "scheduled, cancelled or held"})
    starts_at = ma.fields.Method("_starts", required=True,
                                 metadata={"type": "string", "format": "date-time",
                                           "description": "ISO 8601 with the offset of the meeting's zone"})
    ends_at = ma.fields.Method("_ends", required=True, metadata={"type": "string", "format": "date-time"})
    timezone = ma.fields.String(required=True, metadata={"description": "IANA zone name, e.g. Europe/Amsterdam"})
    all_day = ma.fields.Boolean(required=True)
    online_url = ma.fields.String(allow_none=True)
    topics = ma.fields.List(ma.fields.Nested(TopicSchema), required=True)
    venue = ma.fields.Nested(VenueSchema, allow_none=True)

    def _starts(self, meeting) -> str:
        return local_iso(meeting.starts_at, meeting.timezone)

    def _ends(self, meeting) -> str:
        return local_iso(meeting.ends_at, meeting.timezone)


class AgendaItemSchema(ma.Schema):
    position = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    translations = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(keys=ma.fields.String(),
                                                                                 values=ma.fields.String()))
    presenter = ma.fields.String(allow_none=True)
    notes = ma.fields.String(allow_none=True)
    starts_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    ends_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    duration_minutes = ma.fields.Integer(allow_none=True)


class EventDetailSchema(EventSchema):
    venue = ma.fields.Nested(VenueDetailSchema, allow_none=True)
    agenda = ma.fields.List(ma.fields.Nested(AgendaItemSchema), required=True)


class OrganisationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    short_name = ma.fields.String(allow_none=True)
    country = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    website = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True)
    is_partner = ma.fields.Boolean(required=True)


class PostSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    url = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    language = ma.fields.String(required=True)
    published_at = ma.fields.String(required=True, metadata={"format": "date-time",
                                                             "description": "ISO 8601 in UTC"})
    excerpt = ma.fields.String(required=True)
    body = ma.fields.String(required=True, metadata={"description": "Markdown"})
    meeting_id = ma.fields.Integer(allow_none=True)


def page_schema(name: str, item: type[ma.Schema]) -> type[ma.Schema]:
    """A page of items with the cursor of the next page (null on the last)."""
    return ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(item), required=True),
                                "next_cursor": ma.fields.String(required=True, allow_none=True)}, name=name)


EventPage = page_schema("EventPage", EventSchema)
OrganisationPage = page_schema("OrganisationPage", OrganisationSchema)
PostPage = page_schema("PostPage", PostSchema)


class ApiErrorSchema(ma.Schema):
    code = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    errors = ma.fields.Dict()
