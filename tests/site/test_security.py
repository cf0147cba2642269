"""Security headers, session cookies, CSRF, and the app's answer to odd requests."""
from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest

from config import ConfigError, load_config
from meetings import create_app
from meetings.extensions import db
from tests import factories
from tests.factories import make_meeting
from tests.helpers import get_csrf, login, post_form, text_of

PAGES = ["/", "/events/", "/events/open-day", "/network/", "/login", "/no-such-page", "/events/no-such-meeting",
         "/static/css/app.css", "/language/de", "/about", "/privacy", "/contact", "/sitemap.xml", "/robots.txt"]


def csp_directives(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_the_security_headers(client, url):
    make_meeting(slug="open-day")
    response = client.get(url)
    response.close()  # static files are streamed from an open file
    assert response.status_code < 500
    csp = csp_directives(response)
    assert csp["script-src"] == "script-src 'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin", "no-referrer")


def test_error_pages_and_posts_carry_the_headers_too(client):
    for response in (client.post("/"), client.post("/login", data={"email": "x"})):
        assert response.status_code in (400, 405)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts_or_styles(client, organiser):
    make_meeting(slug="open-day")
    for url in ("/", "/events/", "/events/open-day", "/login", "/about", "/contact", "/embed/events"):
        html = text_of(client.get(url))
        # JSON-LD structured data is a data block, never run: any other inline script is refused.
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>", html), url
        assert " style=" not in html and "<style" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url


def set_cookie(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def cookie_flags(header: str) -> dict[str, str | bool]:
    cookie = SimpleCookie()
    cookie.load(header)
    morsel = next(iter(cookie.values()))
    return {"httponly": bool(morsel["httponly"]), "secure": bool(morsel["secure"]), "samesite": morsel["samesite"]}


def test_session_cookie_is_httponly_and_samesite_lax(client):
    flags = cookie_flags(set_cookie(client.get("/language/de"), "session"))
    assert flags == {"httponly": True, "secure": False, "samesite": "Lax"}


def test_remember_cookie_is_httponly_and_samesite_lax(client, organiser):
    response = post_form(client, "/login", {"email": organiser.email, "password": factories.PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert cookie_flags(set_cookie(response, "remember_token")) == {"httponly": True, "secure": False, "samesite": "Lax"}


@pytest.fixture
def production_client(app, _schema, tmp_path):
    """A client of an app made with the production settings (on the test database)."""
    settings = load_config(tmp_path, {"FLASK_ENV_NAME": "production", "SECRET_KEY": "p" * 64, "DATABASE_URL": _schema,
                                      "MAIL_DEFAULT_SENDER": "meetings@cluster.example"})
    production = create_app(settings)
    yield production.test_client()
    with production.app_context():
        db.engine.dispose()


def test_production_cookies_are_secure(production_client, organiser):
    session_flags = cookie_flags(set_cookie(production_client.get("/language/nl"), "session"))
    assert session_flags == {"httponly": True, "secure": True, "samesite": "Lax"}
    response = post_form(production_client, "/login",
                         {"email": organiser.email, "password": factories.PASSWORD, "remember": "y"})
    assert response.status_code == 302
    remember = cookie_flags(set_cookie(response, "remember_token"))
    assert remember == {"httponly": True, "secure": True, "samesite": "Lax"}


def test_production_asks_browsers_for_https_only(production_client, client):
    assert production_client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_production_needs_a_secret_key(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path, {"FLASK_ENV_NAME": "production", "DATABASE_URL": "sqlite://"})


# --- CSRF -------------------------------------------------------------------------

@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_bad_csrf_token_gets_the_styled_400_page(client, organiser, token):
    data = {"email": organiser.email, "password": factories.PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    get_csrf(client)  # the visitor has a session, but not this token
    response = client.post("/login", data=data)
    assert response.status_code == 400
    html = text_of(response)
    assert "The form expired or was sent from elsewhere." in html
    assert 'class="site-header"' in html and "Traceback" not in html
    # And nobody was logged in.
    assert client.get("/manage/meetings/").status_code == 302


def test_a_token_from_another_session_is_refused(app, organiser):
    stranger, victim = app.test_client(), app.test_client()
    token = get_csrf(stranger)
    get_csrf(victim)
    response = victim.post("/login", data={"email": organiser.email, "password": factories.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 400


def test_logout_needs_a_csrf_token(client, organiser):
    login(client, organiser.email, factories.PASSWORD)
    assert client.post("/logout").status_code == 400
    assert client.get("/manage/meetings/").status_code == 200
