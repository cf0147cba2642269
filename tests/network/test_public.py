"""The public Network page: public organisations by country, never contact data."""
from __future__ import annotations

from tests.factories import make_contact, make_organisation
from tests.helpers import text_of


def test_public_organisations_grouped_by_country(client):
    make_organisation(name="Oost NL", country="NL", kind="agency", website="https://oostnl.nl/",
                      description="East Netherlands development agency.")
    make_organisation(name="IHK Nord Westfalen", country="DE", kind="chamber", website="https://www.ihk.de/nordwestfalen")
    make_organisation(name="Flanders Make", country="BE", kind="institute")
    make_organisation(name="Swiss Robotics AG", country="OTHER", kind="company")
    html = text_of(client.get("/network/"))
    netherlands, germany, others = html.index(">Netherlands</h2>"), html.index(">Germany</h2>"), html.index(">Other countries</h2>")
    assert netherlands < html.index("Oost NL") < germany < html.index("IHK Nord Westfalen") < others
    assert others < html.index("Flanders Make") and others < html.index("Swiss Robotics AG")
    assert "Development agency" in html and "Chamber of commerce" in html and "Research institute" in html
    assert "Belgium" in html  # the country is named in the mixed section
    assert "East Netherlands development agency." in html
    assert '<a href="https://oostnl.nl/" rel="nofollow noopener">' in html


def test_sections_without_organisations_are_left_out(client):
    make_organisation(name="Saxion", country="NL")
    html = text_of(client.get("/network/"))
    assert ">Netherlands</h2>" in html and ">Germany</h2>" not in html and ">Other countries</h2>" not in html


def test_private_organisations_and_contacts_never_appear(client):
    public = make_organisation(name="University of Twente", country="NL", is_public=True)
    hidden = make_organisation(name="Secret Prototypes GmbH", country="DE", is_public=False)
    make_contact(name="Anna de Vries", email="anna@utwente.example", job_title="Cluster manager", organisation=public)
    make_contact(name="Hans Geheim", email="hans@secret.example", organisation=hidden)
    response = client.get("/network/")
    assert response.status_code == 200
    html = text_of(response)
    assert "University of Twente" in html
    for private in ("Secret Prototypes GmbH", "Anna de Vries", "anna@utwente.example", "Cluster manager",
                    "Hans Geheim", "hans@secret.example", "mailto:"):
        assert private not in html


def test_only_web_addresses_are_linked(client):
    make_organisation(name="Odd Link BV", website="javascript://example.org/%0Aalert(1)")
    html = text_of(client.get("/network/"))
    assert "Odd Link BV" in html and "javascript:" not in html


def test_long_description_is_shortened(client):
    make_organisation(name="Wordy Institute", description="word " * 200)
    html = text_of(client.get("/network/"))
    assert "word word" in html and html.count("word") < 100


def test_empty_network_page(client):
    assert "The list of partners will be published here soon." in text_of(client.get("/network/"))
