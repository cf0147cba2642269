"""The language switcher, Accept-Language, and where the switcher may send people."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests import factories
from tests.helpers import login, text_of


def page_language(response) -> str:
    html = text_of(response)
    start = html.index('<html lang="') + len('<html lang="')
    return html[start:html.index('"', start)]


@pytest.mark.parametrize("header,expected", [
    ("de-DE,de;q=0.9,en;q=0.5", "de"),
    ("nl-NL", "nl"),
    ("nl", "nl"),
    ("fr-FR,de;q=0.7", "de"),
    ("fr-FR", "en"),
    ("", "en"),
])
def test_accept_language_is_used_without_a_choice(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header} if header else {})
    assert page_language(response) == expected


def test_pages_are_translated_for_the_chosen_language(client):
    html = text_of(client.get("/events/", headers={"Accept-Language": "de"}))
    # The German catalog may not translate every string yet, but the page speaks German where it can.
    assert 'lang="de"' in html


def test_the_switcher_choice_is_remembered_over_accept_language(client):
    response = client.get("/language/nl?next=/events/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/events/"
    for url in ("/", "/events/", "/login"):
        assert page_language(client.get(url, headers={"Accept-Language": "de"})) == "nl"
    client.get("/language/en")
    assert page_language(client.get("/", headers={"Accept-Language": "de"})) == "en"


def test_the_choice_belongs_to_one_visitor(app, client):
    client.get("/language/nl")
    other = app.test_client()
    assert page_language(other.get("/", headers={"Accept-Language": "de"})) == "de"


def test_unknown_language_is_404_and_changes_nothing(client):
    assert client.get("/language/fr").status_code == 404
    assert page_language(client.get("/", headers={"Accept-Language": "de"})) == "de"


def test_switcher_links_come_back_to_the_same_page(client):
    html = text_of(client.get("/events/?topic=ai", headers={"Accept-Language": "en"}))
    # Unknown topic: a 404 page still offers the switcher back to the same address.
    assert 'href="/language/de?next=/events/?topic%3Dai"' in html
    html = text_of(client.get("/events/"))
    assert 'href="/language/nl?next=/events/"' in html


def test_organiser_profile_language_applies_unless_the_switcher_says_otherwise(client):
    user = factories.make_user(password=factories.PASSWORD, language="de")
    login(client, user.email, factories.PASSWORD)
    assert page_language(client.get("/", headers={"Accept-Language": "nl"})) == "de"
    client.get("/language/en")
    assert page_language(client.get("/")) == "en"


@pytest.mark.parametrize("target", [
    "//evil.example",
    "//evil.example/events/",
    "https://evil.example",
    "http://evil.example/",
    "https:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "///evil.example",
    "javascript:alert(1)",
])
def test_next_never_leaves_the_site(client, target):
    response = client.get("/language/de", query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), location
    assert parts.scheme in ("", "http"), location
    assert location.startswith("/") and not location.startswith("//"), location
    assert page_language(client.get("/")) == "de"


def test_next_may_be_a_local_page(client):
    response = client.get("/language/de", query_string={"next": "/events/?page=1"})
    assert response.headers["Location"] == "/events/?page=1"
