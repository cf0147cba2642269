"""About us and the privacy statement: built-in texts in each language, organiser texts with
fallback, Markdown sanitised, the menu in the cluster's order, organiser pages behind login."""
from __future__ import annotations

import re

import pytest

from meetings.extensions import db
from meetings.pages.models import SiteText
from tests.helpers import post_form, text_of


def h1(response) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", text_of(response), re.S).group(1).strip()


@pytest.mark.parametrize("path,language,title,phrase", [
    ("/about", "en", "About us", "cross-border network"),
    ("/about", "de", "Über uns", "grenzüberschreitendes Netzwerk"),
    ("/about", "nl", "Over ons", "grensoverschrijdend netwerk"),
    ("/privacy", "en", "Privacy statement", "deleted 12 months after the meeting"),
    ("/privacy", "de", "Datenschutzerklärung", "Warum"),
    ("/privacy", "nl", "Privacyverklaring", "Waarom"),
])
def test_built_in_pages_in_each_language(client, path, language, title, phrase):
    response = client.get(f"{path}?lang={language}")
    assert response.status_code == 200
    assert h1(response) == title
    assert phrase in text_of(response)
    assert f'<html lang="{language}">' in text_of(response)


def test_privacy_keeps_the_statement_it_always_had(client):
    html = text_of(client.get("/privacy"))
    assert "only to organise the meeting" in html and "<h2>How long</h2>" in html
    assert "<li>dietary and accessibility needs, if you tell us about them;</li>" in html


def test_menu_order_is_home_about_blog_events_network_contact(client):
    html = text_of(client.get("/"))
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert re.findall(r'<a href="([^"]+)"', nav) == ["/", "/about", "/blog/", "/events/", "/network/", "/contact"]


def test_organiser_edits_a_language_and_others_fall_back(organiser_client, client):
    response = post_form(organiser_client, "/manage/site/pages/about/en",
                         {"title": "About the cluster", "body": "We are **partners**.\n\n<script>alert(1)</script>"})
    assert response.status_code == 303
    response = post_form(organiser_client, "/manage/site/pages/about/de",
                         {"title": "Über den Cluster", "body": "Wir sind *Partner*."})
    assert response.status_code == 303
    organiser_client.post("/logout", data={"csrf_token": ""})
    english = text_of(client.get("/about?lang=en"))
    assert "<strong>partners</strong>" in english and "<script>alert" not in english
    assert "Über den Cluster" in text_of(client.get("/about?lang=de"))
    # Dutch has no text of its own: the English one stands in, marked as English.
    dutch = client.get("/about?lang=nl")
    assert h1(dutch) == "About the cluster" and 'lang="en"' in text_of(dutch)


def test_a_page_form_with_errors_saves_nothing(organiser_client):
    response = post_form(organiser_client, "/manage/site/pages/privacy/nl", {"title": "  ", "body": ""})
    assert response.status_code == 422
    assert "Please enter a title." in text_of(response)
    assert db.session.query(SiteText).count() == 0


def test_the_edit_form_starts_from_the_built_in_text(organiser_client):
    html = text_of(organiser_client.get("/manage/site/pages/privacy/de"))
    assert "## Warum" in html and "shows the built-in text until you save your own" in html


@pytest.mark.parametrize("path", ["/manage/site/pages", "/manage/site/pages/about/en", "/manage/site/messages",
                                  "/manage/site/embed"])
def test_organiser_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_page_or_language_is_404(organiser_client):
    assert organiser_client.get("/manage/site/pages/imprint/en").status_code == 404
    assert organiser_client.get("/manage/site/pages/about/fr").status_code == 404
