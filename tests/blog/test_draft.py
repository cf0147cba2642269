"""'Draft follow-up post': a short news item written from what the meeting recorded."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from meetings.blog.models import Post
from meetings.blog.services import draft_followup, publish_post
from meetings.extensions import db
from meetings.followup.models import Decision
from meetings.followup.services import add_action_item, add_walk_in, represented_organisations, save_minutes
from tests import factories
from tests.blog.helpers import held_with_minutes, make_post, record_minutes
from tests.followup.scenario import make_held_meeting
from tests.helpers import post_form, text_of

EXPECTED_EN = """\
On Wednesday, 5 June 2024, people from 3 organisations met at High Tech Factory in Enschede for the \
Core Team kick-off meeting.

Represented were IHK Nord Westfalen, Saxion Mechatronics Research Group, and University of Twente. \
The discussion covered AI. Topics of the meeting: AI and Remanufacturing.

The meeting took these decisions:

- Each topic gets a lead partner.
- A public Robotics Day in the autumn.

Next steps: Programme for the Robotics Day (Saxion Mechatronics Research Group) and Overview of support \
programmes (IHK Nord Westfalen). The group plans to meet again before the summer holidays.

The cluster's partners are IHK Nord Westfalen, Saxion Mechatronics Research Group, University of Twente, \
and WFG Borken.

For more information please [contact us](http://meetings.test/contact?lang=en).
"""

EXPECTED_DE = """\
Am Mittwoch, 5. Juni 2024, kamen Vertreterinnen und Vertreter von 3 Organisationen am Tagungsort High Tech \
Factory in Enschede zum Treffen „Core Team kick-off meeting“ zusammen.

Vertreten waren IHK Nord Westfalen, Saxion Mechatronics Research Group und University of Twente. \
Besprochen wurde AI. Themen des Treffens: AI und Remanufacturing.

Beim Treffen wurden folgende Beschlüsse gefasst:

- Each topic gets a lead partner.
- A public Robotics Day in the autumn.

Nächste Schritte: Programme for the Robotics Day (Saxion Mechatronics Research Group) und Overview of support \
programmes (IHK Nord Westfalen). Nächstes Treffen: before the summer holidays.

Partner des Clusters sind IHK Nord Westfalen, Saxion Mechatronics Research Group, University of Twente und \
WFG Borken.

Für weitere Informationen [kontaktieren Sie uns](http://meetings.test/contact?lang=de).
"""

EXPECTED_NL = """\
Op woensdag 5 juni 2024 kwamen vertegenwoordigers van 3 organisaties bijeen in High Tech Factory in Enschede \
voor ‘Core Team kick-off meeting’.

Vertegenwoordigd waren IHK Nord Westfalen, Saxion Mechatronics Research Group en University of Twente. \
Aan bod kwam AI. Thema’s van de bijeenkomst: AI en Remanufacturing.

Er werden de volgende besluiten genomen:

- Each topic gets a lead partner.
- A public Robotics Day in the autumn.

Volgende stappen: Programme for the Robotics Day (Saxion Mechatronics Research Group) en Overview of support \
programmes (IHK Nord Westfalen). Volgende bijeenkomst: before the summer holidays.

De partners van het cluster zijn IHK Nord Westfalen, Saxion Mechatronics Research Group, University of Twente en \
WFG Borken.

Voor meer informatie kunt u [contact met ons opnemen](http://meetings.test/contact?lang=nl).
"""


@pytest.fixture
def held(app):
    return held_with_minutes()


def draft_body(app, meeting, language: str = "en") -> str:
    with app.test_request_context():
        return draft_followup(meeting, language).body


@pytest.mark.parametrize("language,expected", [("en", EXPECTED_EN), ("de", EXPECTED_DE), ("nl", EXPECTED_NL)])
def test_draft_tells_the_recorded_facts_as_a_news_item(app, held, language, expected):
    with app.test_request_context():
        draft = draft_followup(held.meeting, language)
    assert draft.title == "Core Team kick-off meeting in Enschede"
    assert draft.body == expected
    assert draft.language == language


def test_draft_invents_nothing_and_leaks_no_private_minutes(app, held):
    body = draft_body(app, held.meeting)
    assert "Private note" not in body and "budget" not in body         # notes stay private
    assert "Circulate the list" not in body                             # done, not a next step
    assert "Olaf" not in body and "Katrin" not in body                  # no names of people
    represented = body[body.index("Represented were"):body.index("The discussion")]
    assert "WFG Borken" not in represented                              # its only person stayed away


# --- tags are topics, not agenda --------------------------------------------------

@pytest.fixture
def tagged(app):
    """Tagged AI, Cyber Security and Remanufacturing, with one agenda item, on AI."""
    topics = [factories.make_topic(name=name) for name in ("AI", "Cyber Security", "Remanufacturing")]
    meeting = factories.make_meeting(title="Topic lunch", starts_at=datetime(2024, 6, 5, 10, 0, tzinfo=timezone.utc),
                                     status="held", topics=topics)
    factories.make_agenda_item(meeting, title="AI")
    return meeting


@pytest.mark.parametrize("language,agenda,topics,untrue", [
    ("en", "On the agenda was AI.", "Topics of the meeting: AI, Cyber Security, and Remanufacturing.",
     "The discussion covered"),
    ("de", "Auf der Tagesordnung stand AI.", "Themen des Treffens: AI, Cyber Security und Remanufacturing.",
     "Besprochen wurde"),
    ("nl", "Op de agenda stond AI.", "Thema’s van de bijeenkomst: AI, Cyber Security en Remanufacturing.",
     "Aan bod kwam"),
])
def test_tags_are_named_as_topics_and_only_the_agenda_as_agenda(app, tagged, language, agenda, topics, untrue):
    body = draft_body(app, tagged, language)
    assert agenda in body and topics in body
    # Nothing says the tags were on the agenda or discussed.
    assert "Cyber Security" not in body.replace(topics, "")
    assert untrue not in body


@pytest.mark.parametrize("language,discussed", [
    ("en", "The discussion covered Cyber Security and Remanufacturing."),
    ("de", "Besprochen wurden Cyber Security und Remanufacturing."),
    ("nl", "Aan bod kwamen Cyber Security en Remanufacturing."),
])
def test_what_was_discussed_comes_from_the_items_with_minutes(app, language, discussed):
    meeting = factories.make_meeting(title="Workshop", starts_at=factories.future(-3), status="held")
    items = [factories.make_agenda_item(meeting, title=title) for title in ("Welcome", "Cyber Security",
                                                                            "Remanufacturing")]
    save_minutes(meeting, {items[1].id: "Two programmes.", items[2].id: "A pilot."}, "", None, None)
    db.session.commit()
    body = draft_body(app, meeting, language)
    assert discussed in body and "Welcome" not in body


def test_agenda_titles_are_given_in_the_posts_language(app):
    meeting = factories.make_meeting(title="Robotics Day", starts_at=factories.future(-3), status="held",
                                     translations={"de": {"title": "Robotik-Tag"}})
    factories.make_agenda_item(meeting, title="AI on the shop floor", translations={"de": {"title": "KI in der Fertigung"}})
    body = draft_body(app, meeting, "de")
    assert "Auf der Tagesordnung stand KI in der Fertigung." in body and "„Robotik-Tag“" in body
    assert "AI on the shop floor" not in draft_body(app, meeting, "de")


# --- organisations: present ones, and the cluster's partners --------------------------

def test_present_organisations_are_exactly_those_with_someone_present(app, held):
    # A walk-in typed the name of a network organisation in other case and spacing: one organisation.
    add_walk_in(held.meeting, {"name": "Greta Guest", "organisation_name": "  university  of twente "})
    # Someone whose organisation was recorded only by name, and an absentee of an organisation nobody came for.
    add_walk_in(held.meeting, {"name": "Rob Ot", "organisation_name": "Robot GmbH"})
    absent = factories.make_organisation(name="Absent Institute")
    factories.make_participant(held.meeting, factories.make_contact(organisation=absent), status="accepted",
                               attended=False)
    db.session.commit()
    assert represented_organisations(held.meeting) == [
        "IHK Nord Westfalen", "Robot GmbH", "Saxion Mechatronics Research Group", "University of Twente"]
    body = draft_body(app, held.meeting)
    assert body.startswith("On Wednesday, 5 June 2024, people from 4 organisations met")
    assert ("Represented were IHK Nord Westfalen, Robot GmbH, Saxion Mechatronics Research Group, and "
            "University of Twente.") in body
    assert "Absent Institute" not in body and "university  of twente" not in body


def test_only_organisations_marked_as_partners_are_named_as_the_clusters_partners(app, held):
    factories.make_organisation(name="Known Company BV", is_public=True, is_partner=False)
    held.saxion.is_partner = False                      # came, but is not a partner
    held.twente.is_public = False                       # a partner that is not shown in public
    db.session.commit()
    body = draft_body(app, held.meeting)
    partners = body.strip().splitlines()[-3]
    assert partners == "The cluster's partners are IHK Nord Westfalen and WFG Borken."
    # The sentence is about the cluster: the same whoever attended, and no word of attendance in it.
    for participant in held.participants.values():
        participant.attended = False
    db.session.commit()
    assert draft_body(app, held.meeting).strip().splitlines()[-3] == partners
    assert "Known Company BV" not in body
    assert "Saxion Mechatronics Research Group" in body.replace(partners, "")    # still named as present


@pytest.mark.parametrize("language,one,two", [
    ("en", "The cluster's partner is WFG Borken.", "The cluster's partners are IHK Nord Westfalen and WFG Borken."),
    ("de", "Partner des Clusters ist WFG Borken.", "Partner des Clusters sind IHK Nord Westfalen und WFG Borken."),
    ("nl", "De partner van het cluster is WFG Borken.",
     "De partners van het cluster zijn IHK Nord Westfalen en WFG Borken."),
])
def test_partner_sentence_with_one_and_two_partners(app, held, language, one, two):
    for organisation in (held.saxion, held.twente):
        organisation.is_partner = False
    db.session.commit()
    assert draft_body(app, held.meeting, language).strip().splitlines()[-3] == two
    held.ihk.is_partner = False
    db.session.commit()
    assert draft_body(app, held.meeting, language).strip().splitlines()[-3] == one


def test_no_partner_sentence_without_marked_partners(app, held):
    for organisation in (held.ihk, held.saxion, held.twente, held.absent_org):
        organisation.is_partner = False
    db.session.commit()
    body = draft_body(app, held.meeting)
    assert "partner" not in body.replace("lead partner", "")


# --- every sentence in de and nl: venue and city, online, neither; one, two, many ----

ORGANISATIONS = ["IHK Nord Westfalen", "Oost NL", "WFG Borken"]

LEADS = {
    "en": {
        "venue": "On Wednesday, 5 June 2024, people from {orgs} met at High Tech Factory in Enschede for the Kick-off.",
        "online": "On Wednesday, 5 June 2024, people from {orgs} met online for the Kick-off.",
        "none": "On Wednesday, 5 June 2024, people from {orgs} met for the Kick-off.",
        "orgs": ("one organisation", "2 organisations", "3 organisations"),
    },
    "de": {
        "venue": "Am Mittwoch, 5. Juni 2024, kamen Vertreterinnen und Vertreter {orgs} am Tagungsort "
                 "High Tech Factory in Enschede zum Treffen „Kick-off“ zusammen.",
        "online": "Am Mittwoch, 5. Juni 2024, kamen Vertreterinnen und Vertreter {orgs} online zum Treffen "
                  "„Kick-off“ zusammen.",
        "none": "Am Mittwoch, 5. Juni 2024, kamen Vertreterinnen und Vertreter {orgs} zum Treffen „Kick-off“ "
                "zusammen.",
        "orgs": ("einer Organisation", "von 2 Organisationen", "von 3 Organisationen"),
    },
    "nl": {
        "venue": "Op woensdag 5 juni 2024 kwamen vertegenwoordigers van {orgs} bijeen in High Tech Factory in "
                 "Enschede voor ‘Kick-off’.",
        "online": "Op woensdag 5 juni 2024 kwamen vertegenwoordigers van {orgs} online bijeen voor ‘Kick-off’.",
        "none": "Op woensdag 5 juni 2024 kwamen vertegenwoordigers van {orgs} bijeen voor ‘Kick-off’.",
        "orgs": ("één organisatie", "2 organisaties", "3 organisaties"),
    },
}

NOBODY = {
    "en": {"venue": "The Kick-off took place on Wednesday, 5 June 2024 at High Tech Factory in Enschede.",
           "online": "The Kick-off took place online on Wednesday, 5 June 2024.",
           "none": "The Kick-off took place on Wednesday, 5 June 2024."},
    "de": {"venue": "Das Treffen „Kick-off“ fand am Mittwoch, 5. Juni 2024, am Tagungsort High Tech Factory in "
                    "Enschede statt.",
           "online": "Das Treffen „Kick-off“ fand am Mittwoch, 5. Juni 2024, online statt.",
           "none": "Das Treffen „Kick-off“ fand am Mittwoch, 5. Juni 2024, statt."},
    "nl": {"venue": "‘Kick-off’ vond plaats op woensdag 5 juni 2024 in High Tech Factory in Enschede.",
           "online": "‘Kick-off’ vond op woensdag 5 juni 2024 online plaats.",
           "none": "‘Kick-off’ vond plaats op woensdag 5 juni 2024."},
}

REPRESENTED = {
    "en": ("Represented was IHK Nord Westfalen.", "Represented were IHK Nord Westfalen and Oost NL.",
           "Represented were IHK Nord Westfalen, Oost NL, and WFG Borken."),
    "de": ("Vertreten war IHK Nord Westfalen.", "Vertreten waren IHK Nord Westfalen und Oost NL.",
           "Vertreten waren IHK Nord Westfalen, Oost NL und WFG Borken."),
    "nl": ("Vertegenwoordigd was IHK Nord Westfalen.", "Vertegenwoordigd waren IHK Nord Westfalen en Oost NL.",
           "Vertegenwoordigd waren IHK Nord Westfalen, Oost NL en WFG Borken."),
}

TITLES = {"venue": "Kick-off in Enschede", "online": "Looking back: Kick-off", "none": "Looking back: Kick-off"}
TITLES_DE_NL = {"de": "Rückblick: Kick-off", "nl": "Terugblik: Kick-off"}


def _place_meeting(place: str):
    venue = factories.make_venue(name="High Tech Factory", city="Enschede") if place == "venue" else None
    return factories.make_meeting(title="Kick-off", venue=venue, status="held",
                                  online_url="https://meet.example.org/k" if place == "online" else None,
                                  starts_at=datetime(2024, 6, 5, 8, 0, tzinfo=timezone.utc))


@pytest.mark.parametrize("count", [0, 1, 2, 3])
@pytest.mark.parametrize("place", ["venue", "online", "none"])
@pytest.mark.parametrize("language", ["en", "de", "nl"])
def test_lead_and_organisations_read_right(app, language, place, count):
    meeting = _place_meeting(place)
    for name in ORGANISATIONS[:count]:
        factories.make_participant(meeting, email=f"{name.split()[0].lower()}@example.org", name="Someone",
                                   organisation_name=name, status="accepted", attended=True)
    with app.test_request_context():
        draft = draft_followup(meeting, language)
    lead, *rest, contact = draft.body.rstrip("\n").split("\n\n")
    assert f"(http://meetings.test/contact?lang={language})" in contact
    if count:
        table = LEADS[language]
        assert lead == table[place].format(orgs=table["orgs"][count - 1])
        assert rest[0] == REPRESENTED[language][count - 1]
    else:
        assert lead == NOBODY[language][place]
        assert rest == []
    expected_title = TITLES[place] if place == "venue" or language == "en" else TITLES_DE_NL[language]
    assert draft.title == expected_title


@pytest.mark.parametrize("language,sentences", [
    ("en", ("On the agenda was Welcome.", "On the agenda were Welcome and AI.",
            "On the agenda were Welcome, AI, and Remanufacturing.",
            "Topic of the meeting: AI.", "Topics of the meeting: AI and Remanufacturing.",
            "The meeting took one decision:", "Next steps: Programme (Oost NL).")),
    ("de", ("Auf der Tagesordnung stand Welcome.", "Auf der Tagesordnung standen Welcome und AI.",
            "Auf der Tagesordnung standen Welcome, AI und Remanufacturing.",
            "Thema des Treffens: AI.", "Themen des Treffens: AI und Remanufacturing.",
            "Beim Treffen wurde ein Beschluss gefasst:", "Nächste Schritte: Programme (Oost NL).")),
    ("nl", ("Op de agenda stond Welcome.", "Op de agenda stonden Welcome en AI.",
            "Op de agenda stonden Welcome, AI en Remanufacturing.",
            "Thema van de bijeenkomst: AI.", "Thema’s van de bijeenkomst: AI en Remanufacturing.",
            "Er werd één besluit genomen:", "Volgende stappen: Programme (Oost NL).")),
])
def test_agenda_topics_decisions_and_steps_read_right(app, language, sentences):
    one, two, many, topic, topics, decision, step = sentences
    ai = factories.make_topic(name="AI")
    meeting = _place_meeting("venue")
    meeting.topics = [ai]
    factories.make_agenda_item(meeting, title="Welcome")
    assert one in draft_body(app, meeting, language) and topic in draft_body(app, meeting, language)
    factories.make_agenda_item(meeting, title="AI")
    assert two in draft_body(app, meeting, language)
    factories.make_agenda_item(meeting, title="Remanufacturing")
    meeting.topics = [ai, factories.make_topic(name="Remanufacturing")]
    save_minutes(meeting, {}, "One decision.", None, None)
    oost = factories.make_organisation(name="Oost NL")
    add_action_item(meeting, "Programme", factories.make_contact(organisation=oost).id, None)
    db.session.commit()
    body = draft_body(app, meeting, language)
    for sentence in (many, topics, decision, step):
        assert sentence in body


def test_draft_with_a_fixed_next_date(app):
    held = make_held_meeting()
    record_minutes(held, next_on=date(2025, 6, 26), next_note="before the summer holidays")
    body = draft_body(app, held.meeting)
    assert "The group plans to meet again on 26 June 2025." in body
    assert "before the summer" not in body


def test_draft_of_a_meeting_with_little_recorded_leaves_the_sentences_out(app):
    meeting = factories.make_meeting(title="Online exchange", venue=None, online_url="https://meet.example.org/x",
                                     starts_at=factories.future(-3), status="held")
    with app.test_request_context():
        draft = draft_followup(meeting, "en")
    assert draft.title == "Looking back: Online exchange"
    assert draft.body.startswith("The Online exchange took place online on ")
    for absent in ("Represented", "decision", "Next steps", "meet again", "discussion", "agenda", "partner"):
        assert absent not in draft.body


def test_recorded_text_cannot_inject_markdown_or_html(app):
    held = make_held_meeting(title="Core *Team* <script>alert(1)</script> [x](javascript:alert(1))")
    db.session.add(Decision(meeting_id=held.meeting.id, text="**Bold** <img src=x onerror=alert(1)>"))
    db.session.commit()
    body = draft_body(app, held.meeting)
    assert r"Core \*Team\* \<script\>alert(1)\</script\> \[x\](javascript:alert(1))" in body
    assert r"- \*\*Bold\*\* \<img src=x onerror=alert(1)\>" in body


# --- the button on the minutes page ------------------------------------------------

def draft_url(held):
    return f"/manage/meetings/{held.meeting.id}/record/draft"


def minutes_url(held):
    return f"/manage/meetings/{held.meeting.id}/record/minutes"


def test_draft_button_stores_a_draft_and_opens_the_editor(organiser_client, held):
    response = post_form(organiser_client, draft_url(held), {"language": "en"}, form_url=minutes_url(held))
    post = db.session.scalar(select(Post))
    assert response.status_code == 302 and response.headers["Location"] == f"/manage/posts/{post.id}"
    assert (post.status, post.meeting_id, post.language, post.slug) == \
        ("draft", held.meeting.id, "en", "core-team-kick-off-meeting-in-enschede")
    assert post.body == EXPECTED_EN
    html = text_of(organiser_client.get(response.headers["Location"]))
    assert "Core Team kick-off meeting in Enschede" in html and "Draft" in html
    # A draft is not public.
    assert organiser_client.get(f"/blog/{post.slug}").status_code == 404


def draft_again(client, held, **data):
    return post_form(client, draft_url(held), {"language": "de", **data}, form_url=minutes_url(held))


def posts():
    db.session.expire_all()
    return list(db.session.scalars(select(Post).order_by(Post.id)))


def test_drafting_again_asks_instead_of_making_a_copy(organiser_client, held):
    first = draft_again(organiser_client, held)
    assert first.status_code == 302
    [post] = posts()
    response = draft_again(organiser_client, held)
    html = text_of(response)
    assert response.status_code == 200 and len(posts()) == 1
    assert 'This meeting already has a post in <span lang="de">Deutsch</span>' in html
    assert f'href="/manage/posts/{post.id}">Open the draft</a>' in html
    assert f'name="replace" value="{post.id}"' in html and "Replace it with a new draft from the record" in html
    # Asking for a separate draft beside a draft still makes no copy.
    assert draft_again(organiser_client, held, separate="1").status_code == 200 and len(posts()) == 1


def test_replacing_writes_the_draft_again_in_place(organiser_client, held):
    draft_again(organiser_client, held)
    [post] = posts()
    post.title, post.body = "Edited", "Edited text."
    db.session.commit()
    held.bas.organisation.is_partner = False
    db.session.commit()
    response = draft_again(organiser_client, held, replace=str(post.id))
    assert response.status_code == 302 and response.headers["Location"] == f"/manage/posts/{post.id}"
    [again] = posts()
    assert (again.id, again.slug, again.language, again.status) == (post.id, post.slug, "de", "draft")
    assert again.title == "Core Team kick-off meeting in Enschede"
    # Written from the record as it is now: Saxion is no longer marked as a partner.
    assert again.body.endswith("Partner des Clusters sind IHK Nord Westfalen, University of Twente und WFG Borken.\n\n"
                               "Für weitere Informationen [kontaktieren Sie uns](http://meetings.test/contact?lang=de).\n")
    assert again.body.split("\n\n")[:-2] == EXPECTED_DE.split("\n\n")[:-2]
    assert "written again from the record" in text_of(organiser_client.get(response.headers["Location"]))


def test_another_language_is_a_post_of_its_own(organiser_client, held):
    draft_again(organiser_client, held)
    assert draft_again(organiser_client, held, language="nl").status_code == 302
    assert [(p.language, p.meeting_id) for p in posts()] == [("de", held.meeting.id), ("nl", held.meeting.id)]
    assert len({p.slug for p in posts()}) == 2


def test_beside_a_published_post_a_separate_draft_is_made_only_when_asked(organiser_client, held):
    draft_again(organiser_client, held)
    [published] = posts()
    publish_post(published)
    db.session.commit()
    question = text_of(draft_again(organiser_client, held))
    assert len(posts()) == 1 and "Write a separate new draft" in question and 'name="replace"' not in question
    assert f'href="/manage/posts/{published.id}">Open the post</a>' in question
    assert draft_again(organiser_client, held, separate="1").status_code == 302
    first, second = posts()
    assert (first.status, second.status) == ("published", "draft") and first.slug != second.slug


@pytest.mark.parametrize("which", ["published", "other meeting", "other language", "unknown"])
def test_replacing_only_a_draft_of_this_meeting_in_this_language(organiser_client, held, which):
    draft_again(organiser_client, held)
    [post] = posts()
    if which == "published":
        publish_post(post)
        target = post
    elif which == "other meeting":
        target = make_post("Elsewhere", status="draft", meeting=factories.make_meeting(status="held"), language="de")
    elif which == "other language":
        target = make_post("Dutch", status="draft", meeting=held.meeting, language="nl")
    else:
        target = None
    db.session.commit()
    before = [(p.id, p.title, p.body, p.status) for p in posts()]
    response = draft_again(organiser_client, held, replace=str(target.id if target else 9999))
    assert response.status_code == 409
    assert "That draft is no longer a draft of this meeting in this language." in text_of(response)
    assert [(p.id, p.title, p.body, p.status) for p in posts()] == before


def test_replacing_a_draft_that_is_gone_says_so(organiser_client, held):
    response = draft_again(organiser_client, held, replace="9999")
    assert response.status_code == 409 and posts() == []
    html = text_of(response)
    assert "That draft is no longer a draft of this meeting in this language." in html
    assert "Draft follow-up post" in html
    assert draft_again(organiser_client, held).status_code == 302 and len(posts()) == 1


def test_minutes_page_and_posts_list_show_each_posts_language_and_meeting(organiser_client, held):
    draft_again(organiser_client, held)
    draft_again(organiser_client, held, language="nl")
    minutes = text_of(organiser_client.get(minutes_url(held)))
    assert "This meeting has these posts:" in minutes
    assert '<span lang="de">(Deutsch)</span>' in minutes and '<span lang="nl">(Nederlands)</span>' in minutes
    listing = text_of(organiser_client.get("/manage/posts/"))
    assert '<th scope="col">Language</th>' in listing
    assert listing.count('<td lang="de">Deutsch</td>') == 1 and listing.count('<td lang="nl">Nederlands</td>') == 1
    assert listing.count(f'href="/manage/meetings/{held.meeting.id}">Core Team kick-off meeting</a>') == 2


def test_draft_language_must_be_offered(organiser_client, held):
    response = post_form(organiser_client, draft_url(held), {"language": "fr"}, form_url=minutes_url(held))
    assert response.status_code == 422 and "Not a valid choice." in text_of(response)
    assert db.session.scalar(select(Post)) is None


def test_no_draft_before_the_meeting_took_place(organiser_client, app):
    held = make_held_meeting(starts_at=factories.future(2), ends_at=factories.future(2) + timedelta(hours=2),
                             status="scheduled")
    response = post_form(organiser_client, draft_url(held), {"language": "en"}, form_url=minutes_url(held))
    assert response.status_code == 409
    assert "has not taken place yet" in text_of(response)
    assert db.session.scalar(select(Post)) is None


def test_drafting_needs_an_organiser(client, held):
    response = post_form(client, draft_url(held), {"language": "en"}, form_url="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(Post)) is None
