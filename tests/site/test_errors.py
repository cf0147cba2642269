"""Styled error pages: 404, 405, 500, never a stack trace, and no 500 for odd addresses."""
from __future__ import annotations

import pytest

import config
from meetings import create_app
from meetings.extensions import db
from tests.factories import make_meeting, make_topic
from tests.helpers import login, text_of
from tests import factories


def assert_styled(response, status: int, title: str):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = text_of(response)
    assert f"<h1>{title}</h1>" in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html and 'id="main"' in html
    assert "Traceback" not in html and "werkzeug" not in html.lower()


@pytest.mark.parametrize("url", ["/no-such-page", "/events/no-such-meeting", "/manage/venues/999999",
                                 "/language/fr", "/static/nothing.css"])
def test_unknown_pages_get_the_styled_404(client, organiser, url):
    if url.startswith("/manage"):
        login(client, organiser.email, factories.PASSWORD)
    assert_styled(client.get(url), 404, "Page not found")


@pytest.mark.parametrize("method,url", [("post", "/"), ("post", "/events/"), ("put", "/login"),
                                        ("delete", "/events/open-day"), ("post", "/language/de")])
def test_wrong_method_gets_the_styled_405(client, method, url):
    make_meeting(slug="open-day")
    response = getattr(client, method)(url)
    assert_styled(response, 405, "Not allowed here")
    assert "GET" in response.headers["Allow"]


@pytest.fixture
def failing_app(_schema, tmp_path):
    """An app that renders the 500 page in tests, with a route that fails."""
    app = create_app(config.testing_config(tmp_path / "instance", _schema, RENDER_500_IN_TESTS=True))

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    yield app
    with app.app_context():
        db.engine.dispose()


def test_an_unhandled_error_gets_the_styled_500_page(failing_app):
    with failing_app.app_context():
        response = failing_app.test_client().get("/boom")
        assert_styled(response, 500, "Something went wrong")
        html = text_of(response)
        assert "secret internal detail" not in html and "RuntimeError" not in html
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_without_the_setting_tests_see_the_real_error(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("visible to the test")

    with pytest.raises(RuntimeError, match="visible to the test"):
        app.test_client().get("/boom")


ODD_URLS = [
    "/events/" + "a" * 5000,
    "/events/%00",
    "/events/a%00b",
    "/events/%FF%FE%FD",
    "/events/%ED%A0%80",
    "/events/%E2%80%AE%E2%80%8B",
    "/events/%F0%9F%A4%96-robots",
    "/events/m%C3%BCnster-treffen",
    "/events/slug%0D%0ASet-Cookie:%20x=1",
    "/events/..%2F..%2Fetc%2Fpasswd",
    "/events/%25",
    "/events/'%20OR%201=1--",
    "/events/a/b",
    "/events//",
    "/events/?page=-1",
    "/events/?page=abc",
    "/events/?page=0",
    "/events/?page=1e3",
    "/events/?page=99999999999999999999999999",
    "/events/?page=%00",
    "/events/?page=1&page=2",
    "/events/?topic=%00",
    "/events/?topic=" + "t" * 5000,
    "/events/?topic=%FF",
    "/events/?topic[]=x",
    "/language/de?next=%00",
    "/language/de?next=/%0D%0ALocation:%20https://evil.example",
    "/language/%00",
    "/language/" + "x" * 3000,
    "/%2e%2e/%2e%2e/",
    "/static/../config.py",
    "/login?next=%00",
    "/" + "%C0%AF" * 50,
]


@pytest.mark.parametrize("url", ODD_URLS)
def test_odd_addresses_never_give_a_500(client, url):
    make_meeting(slug="open-day")
    make_topic(slug="ai", name="AI")
    response = client.get(url)
    assert response.status_code < 500, (url, response.status_code)
    assert "Traceback" not in text_of(response)


def test_odd_addresses_never_give_a_500_to_organisers(organiser_client):
    make_meeting(slug="draft", status="draft")
    statuses = {url: organiser_client.get(url).status_code for url in ODD_URLS if url.startswith("/events/")}
    assert all(status < 500 for status in statuses.values()), statuses
