"""The read-only JSON API under /api/v1/ (flask-smorest): public meetings, organisations and posts.

Every answer is JSON, errors too; GETs are open to every origin (CORS), rate limited by the
app's limiter, and conditional (ETag, 304)."""
from __future__ import annotations

import threading
from datetime import datetime

from flask import Flask, current_app, request
from flask_smorest import Api, Blueprint
from flask_smorest.arguments import ArgumentsMixin
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

from meetings.api import queries
from meetings.api.cursors import CursorError, filters_digest, make_cursor, read_cursor
from meetings.api.schemas import (ApiErrorSchema, EventDetailSchema, EventListArgs, EventPage, OrganisationPage,
                                  PageArgs, PostPage, local_iso)
from meetings.blog.services import excerpt
from meetings.core.routing import absolute_url
from meetings.events.queries import agenda_schedule
from meetings.extensions import limiter

PREFIX = "/api/v1"
EXPOSED = "ETag, Link, Retry-After"


class _Parser(FlaskParser):
    # Bad parameters are a bad request (webargs' default is 422).
    DEFAULT_VALIDATION_STATUS = 400


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


class _Api(Api):
    """flask-smorest's Api, with the OpenAPI document built when it is first asked for.

    flask-smorest builds it with the app: half of ``create_app``'s CPU time (0.03 of 0.056 s
    on this machine), paid by every worker and every test's app whether or not anyone reads
    the document. Built here on first use, once per app, under a lock."""

    def __init__(self, *args, **kwargs):
        self._built_spec = None
        self._spec_kwargs_deferred = None
        self._blueprints_deferred = []
        self._building = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        if self._built_spec is None and self._spec_kwargs_deferred is not None:
            with self._building:
                if self._spec_kwargs_deferred is not None:
                    kwargs, self._spec_kwargs_deferred = self._spec_kwargs_deferred, None
                    Api._init_spec(self, **kwargs)
                    for blp, name, parameters in self._blueprints_deferred:
                        blp.register_views_in_doc(self, self._app, self._built_spec, name=name, parameters=parameters)
                        self._built_spec.tag({"name": name, "description": blp.description})
        return self._built_spec

    @spec.setter
    def spec(self, value):
        self._built_spec = value

    def _init_spec(self, **kwargs):
        self._spec_kwargs_deferred = kwargs

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._blueprints_deferred.append((blp, name, parameters))

    def _register_error_handlers(self):
        # Errors under /api/ answer JSON (see init_api); the site's pages keep their HTML errors.
        pass


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


bp = _Blueprint("api", __name__, url_prefix=PREFIX, description="Public meetings, organisations and posts")
limiter.limit(api_limit, methods=["GET", "HEAD"])(bp)


def bad_request(message: str, field: str):
    from flask_smorest import abort

    abort(400, message=message, errors={"query": {field: [message]}})


def _page(items: list, limit: int, digest: str, key) -> dict:
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_cursor": make_cursor(digest, key(items[-1])) if more and items else None}


def _after_values(cursor: str | None, digest: str, kinds: tuple) -> tuple | None:
    if cursor is None:
        return None
    try:
        values = read_cursor(cursor, digest)
        if len(values) != len(kinds):
            raise CursorError("malformed cursor")
        return tuple(datetime.fromisoformat(v) if kind is datetime else kind(v) for v, kind in zip(values, kinds))
    except (CursorError, TypeError, ValueError):
        bad_request("The cursor is malformed or belongs to other filters.", "cursor")


def _event(meeting) -> dict:
    return {"id": meeting.id, "slug": meeting.slug, "url": absolute_url("events_public.detail", slug=meeting.slug),
            "title": meeting.title, "description": meeting.description or "", "language": meeting.language,
            "translations": meeting.translations or {}, "status": str(meeting.status),
            "starts_at": meeting.starts_at, "ends_at": meeting.ends_at, "timezone": meeting.timezone,
            "all_day": meeting.all_day, "online_url": meeting.online_url,
            "topics": meeting.topics, "venue": meeting.venue}


class _EventView(dict):
    """A dict for the schema, with the zone at hand for the Method fields."""

    def __getattr__(self, name):
        return self[name]


@bp.route("/events")
@bp.arguments(EventListArgs, location="query", as_kwargs=True)
@bp.response(200, EventPage)
@bp.alt_response(400, schema=ApiErrorSchema)
@bp.alt_response(429, schema=ApiErrorSchema)
def events(period, limit, cursor=None, topic=None, language=None, from_=None, to=None):
    """Public meetings, upcoming (soonest first) or past (latest first), a page at a time."""
    zone = current_app.config["DEFAULT_TIMEZONE"]
    found_topic = None
    if topic is not None:
        found_topic = queries.topic_named(topic)
        if found_topic is None:
            bad_request("There is no topic with this slug.", "topic")
    filters = {"period": period, "topic": topic, "language": language, "from": from_, "to": to}
    digest = filters_digest("events", filters)
    after = _after_values(cursor, digest, (datetime, int))
    conditions = queries.event_conditions(period, found_topic, language, from_, to, zone)
    meetings = queries.events_page(conditions, period, after, limit)
    page = _page(meetings, limit, digest, lambda m: [m.starts_at.isoformat(), m.id])
    page["items"] = [_EventView(_event(m)) for m in page["items"]]
    return page


@bp.route("/events/<int:meeting_id>")
@bp.response(200, EventDetailSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@bp.alt_response(429, schema=ApiErrorSchema)
def event(meeting_id: int):
    """One public meeting with its agenda (local times with offset) and venue."""
    meeting = queries.public_event(meeting_id)
    if meeting is None:
        raise NotFound()
    data = _event(meeting)
    data["agenda"] = [{"position": item.position, "title": item.title, "translations": item.translations or {},
                       "presenter": item.presenter, "notes": item.notes, "duration_minutes": item.duration_minutes,
                       "starts_at": start.isoformat() if start else None, "ends_at": end.isoformat() if end else None}
                      for item, start, end in agenda_schedule(meeting)]
    return _EventView(data)


@bp.route("/organisations")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, OrganisationPage)
@bp.alt_response(400, schema=ApiErrorSchema)
@bp.alt_response(429, schema=ApiErrorSchema)
def organisations(limit, cursor=None):
    """Organisations shown on the public Network page, by name."""
    digest = filters_digest("organisations", {})
    after = _after_values(cursor, digest, (str, int))
    return _page(queries.organisations_page(after, limit), limit, digest, lambda o: [o.name_key, o.id])


@bp.route("/posts")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, PostPage)
@bp.alt_response(400, schema=ApiErrorSchema)
@bp.alt_response(429, schema=ApiErrorSchema)
def posts(limit, cursor=None):
    """Published blog posts, newest first."""
    digest = filters_digest("posts", {})
    after = _after_values(cursor, digest, (datetime, int))
    page = _page(queries.posts_page(after, limit), limit, digest, lambda p: [p.published_at.isoformat(), p.id])
    page["items"] = [{"id": p.id, "slug": p.slug, "url": absolute_url("blog.post", slug=p.slug), "title": p.title,
                      "language": p.language, "published_at": p.published_at.isoformat(), "excerpt": excerpt(p),
                      "body": p.body, "meeting_id": p.meeting_id} for p in page["items"]]
    return page


def _in_api() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _cors(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def error_response(error: HTTPException):
    code = error.code or 500
    payload = {"code": code, "status": error.name, "message": error.description or error.name}
    data = getattr(error, "data", None) or {}
    if "message" in data:
        payload["message"] = data["message"]
    errors = data.get("errors") or data.get("messages")
    if errors:
        payload["errors"] = errors
        if "message" not in data:
            payload["message"] = "Some parameters are malformed or out of range."
    response = current_app.json.response(payload)
    response.status_code = code
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 429:
        response.headers["Retry-After"] = "60"
    return _cors(response)


def init_api(app: Flask) -> None:
    """Bind the API to the app: its blueprint, its OpenAPI document, JSON errors under /api/."""
    app.config.setdefault("API_TITLE", "Cluster meetings API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_RATE_LIMIT", "120 per minute")
    api = _Api(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.register_blueprint(bp)

    page_errors = app.error_handler_spec[None][None].get(HTTPException)
    server_errors = app.error_handler_spec[None][None].get(InternalServerError)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _in_api():
            return error_response(error)
        return page_errors(error) if page_errors else error

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        if _in_api():
            return error_response(error)
        return server_errors(error)

    @app.after_request
    def api_headers(response):
        if not _in_api():
            return response
        _cors(response)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=60"
            response.add_etag()
            response.make_conditional(request)
        return response
