"""The read-only JSON API: public data only, keyset pages, errors as JSON, ETag, CORS, limits."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from meetings.extensions import db
from tests.blog.helpers import make_post
from tests.factories import make_meeting, make_organisation, make_topic
from tests.helpers import count_queries


def _all_pages(client, url: str, limit: int, between=None) -> list[int]:
    ids, cursor, pages = [], None, 0
    while True:
        sep = "&" if "?" in url else "?"
        response = client.get(f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        if between:
            between(pages)
        if cursor is None:
            return ids


def test_upcoming_and_past_show_only_public_meetings(client, app):
    now = datetime.now(timezone.utc)
    soon = make_meeting(title="Soon", starts_at=now + timedelta(days=2))
    later = make_meeting(title="Later", starts_at=now + timedelta(days=9))
    past = make_meeting(title="Past", starts_at=now - timedelta(days=9))
    make_meeting(title="Draft", status="draft")
    make_meeting(title="Invited", visibility="invitation")
    upcoming = client.get("/api/v1/events").get_json()
    assert [m["id"] for m in upcoming["items"]] == [soon.id, later.id]
    assert [m["id"] for m in client.get("/api/v1/events?period=past").get_json()["items"]] == [past.id]
    item = upcoming["items"][0]
    assert item["timezone"] == "Europe/Amsterdam"
    assert datetime.fromisoformat(item["starts_at"]).utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert item["url"] == f"http://meetings.test/events/{soon.slug}"


def test_filters_topic_language_and_days(client, app):
    ai = make_topic(name="AI", slug="ai")
    base = datetime(2030, 3, 10, 9, tzinfo=timezone.utc)
    one = make_meeting(starts_at=base, topics=[ai], language="de")
    two = make_meeting(starts_at=base + timedelta(days=5))
    ids = lambda q: [m["id"] for m in client.get(f"/api/v1/events?{q}").get_json()["items"]]
    assert ids("topic=ai") == [one.id]
    assert ids("language=de") == [one.id]
    assert ids("from=2030-03-12") == [two.id]
    assert ids("to=2030-03-10") == [one.id]
    assert ids("from=2030-03-10&to=2030-03-15") == [one.id, two.id]


def test_one_meeting_with_agenda_and_venue(client, app):
    meeting = make_meeting(agenda=2)
    body = client.get(f"/api/v1/events/{meeting.id}").get_json()
    assert [i["title"] for i in body["agenda"]] == ["Item 1", "Item 2"]
    assert body["agenda"][0]["starts_at"].endswith(("+01:00", "+02:00"))
    assert body["venue"]["city"]
    hidden = make_meeting(visibility="invitation")
    response = client.get(f"/api/v1/events/{hidden.id}")
    assert response.status_code == 404 and response.mimetype == "application/json"


def test_organisations_and_posts_are_the_public_ones(client, app):
    shown = make_organisation(name="Alpha")
    make_organisation(name="Hidden", is_public=False)
    assert [o["id"] for o in client.get("/api/v1/organisations").get_json()["items"]] == [shown.id]
    post = make_post("Published post")
    make_post("A draft", status="draft")
    make_post("Later", days_ago=-2, status="scheduled")
    assert [p["id"] for p in client.get("/api/v1/posts").get_json()["items"]] == [post.id]


def test_pages_have_no_duplicates_or_gaps_while_meetings_are_added(client, app):
    start = datetime.now(timezone.utc) + timedelta(days=1)
    made = [make_meeting(starts_at=start + timedelta(hours=n)) for n in range(11)]
    added = []

    def insert(page):
        if page == 1:
            # Before the cursor (not seen: the list moved on) and after it (seen on a later page).
            added.append(make_meeting(starts_at=start - timedelta(hours=1)))
            added.append(make_meeting(starts_at=start + timedelta(hours=30)))

    ids = _all_pages(client, "/api/v1/events", 3, insert)
    assert ids == [m.id for m in made] + [added[1].id]
    assert len(ids) == len(set(ids))


def test_statements_do_not_grow_with_the_page_size(client, app):
    topic = make_topic()
    for n in range(30):
        make_meeting(starts_at=datetime.now(timezone.utc) + timedelta(days=1, hours=n), topics=[topic])
    db.session.commit()
    counts = []
    for limit in (5, 25):
        db.session.expire_all()
        with count_queries() as statements:
            assert len(client.get(f"/api/v1/events?limit={limit}").get_json()["items"]) == limit
        counts.append(len(statements))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "from=2030-13-01", "to=yesterday",
                                   "from=2030-02-02&to=2030-02-01", "period=soon", "cursor=abc",
                                   "topic=nothing", "cursor=%00"])
def test_bad_parameters_answer_400_in_json(client, app, query):
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json" and response.get_json()["code"] == 400


def test_a_cursor_cannot_be_changed_or_reused_with_other_filters(client, app):
    for n in range(3):
        make_meeting(starts_at=datetime.now(timezone.utc) + timedelta(days=1, hours=n))
    cursor = client.get("/api/v1/events?limit=1").get_json()["next_cursor"]
    assert client.get(f"/api/v1/events?limit=1&cursor={cursor}").status_code == 200
    assert client.get(f"/api/v1/events?limit=1&cursor={cursor[:-2]}xx").status_code == 400
    assert client.get(f"/api/v1/events?limit=1&language=de&cursor={cursor}").status_code == 400


def test_unknown_addresses_under_the_api_answer_json_and_pages_keep_html(client, app):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert client.post("/api/v1/events").status_code == 405
    assert client.get("/nothing").mimetype == "text/html"


def test_etag_and_304(client, app):
    make_meeting()
    first = client.get("/api/v1/events")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/events", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    make_meeting()
    assert client.get("/api/v1/events", headers={"If-None-Match": etag}).status_code == 200


def test_cors_open_for_get_and_preflight_with_security_headers(client, app):
    response = client.get("/api/v1/events", headers={"Origin": "https://partner.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    preflight = client.options("/api/v1/events", headers={"Origin": "https://partner.example",
                                                           "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_rate_limited_from_the_settings(client, app):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    codes = [client.get("/api/v1/organisations").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/organisations")
    assert limited.mimetype == "application/json" and limited.headers["Access-Control-Allow-Origin"] == "*"


def test_the_openapi_document_is_generated(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/events", "/api/v1/events/{meeting_id}", "/api/v1/organisations",
            "/api/v1/posts"} <= set(spec["paths"])


def test_the_document_built_on_first_use_is_the_one_flask_smorest_builds(client, app):
    """meetings.api.views._Api builds the OpenAPI document when it is first asked for; it is
    the document flask-smorest's own Api builds with the app for the same blueprint."""
    from flask import Flask
    from flask_smorest import Api

    from meetings.api.views import bp

    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    assert api._built_spec is None  # nothing built before anyone asked
    lazy = client.get("/api/v1/openapi.json").get_json()
    assert api._built_spec is not None

    eager_app = Flask("eager")
    keys = ("API_TITLE", "API_VERSION", "OPENAPI_VERSION", "OPENAPI_URL_PREFIX", "OPENAPI_JSON_PATH")
    eager_app.config.update({key: app.config[key] for key in keys})
    eager_app.url_map.converters = app.url_map.converters  # the app's own id converter, documented too
    eager = Api(eager_app, spec_kwargs={"servers": [{"url": "/"}]})
    eager.register_blueprint(bp)
    assert lazy == eager.spec.to_dict()
    assert len(lazy["paths"]) >= 4
