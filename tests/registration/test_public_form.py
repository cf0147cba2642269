"""The public registration form: fields, validation, questions, honeypot, closed and duplicate pages."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import config
from meetings import create_app
from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.participants.models import Participant
from meetings.registration.models import RegistrationAnswer, RegistrationQuestion
from tests.factories import make_meeting, make_organisation, make_participant
from tests.helpers import csrf_token_from, post_form, text_of
from tests.registration.helpers import (CONFIRM_LINK, MANAGE_LINK, form_data, outbox, person, register,
                                        register_and_confirm)


def participant_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Participant))


def add_question(meeting, label, kind="short_text", choices=None, required=False, position=0):
    question = RegistrationQuestion(meeting_id=meeting.id, label=label, kind=kind, choices=choices,
                                    required=required, position=position)
    db.session.add(question)
    db.session.commit()
    return question


# --- the form ---------------------------------------------------------------------

def test_public_page_shows_the_form_with_labelled_fields_and_free_places(client, event):
    html = text_of(client.get("/events/robotics-day"))
    assert 'action="/events/robotics-day/register"' in html
    for label in ("Name", "Email", "Organisation", "Country", "Preferred language", "Dietary needs (optional)",
                  "Accessibility needs (optional)",
                  "I agree that my registration is stored and used as the privacy statement says."):
        assert f">{label}</label>" in html, label
    assert 'href="/privacy"' in html
    assert "2 places free" in html


def test_privacy_statement_says_what_is_kept_why_and_how_long(client):
    html = text_of(client.get("/privacy"))
    assert "only to organise the meeting" in html
    assert "deleted 12 months after the meeting" in html


def test_registering_records_a_pending_registration_and_sends_the_confirmation_link(client, event):
    response = register(client, event, name="Anna Jansen", email="Anna@Example.org", dietary="vegetarian",
                        accessibility="step-free access", language="nl")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/events/robotics-day/register/sent")
    page = text_of(client.get(response.headers["Location"]))
    assert "We have sent an email about your registration for Robotics Day to the address you gave." in page
    anna = person(event, "anna@example.org")
    assert anna.status == "pending" and anna.kind == "registrant"
    assert (anna.name, anna.country, anna.language, anna.dietary, anna.accessibility) == (
        "Anna Jansen", "NL", "nl", "vegetarian", "step-free access")
    assert anna.consented_at is not None and anna.confirmed_at is None and anna.waitlist_position is None
    [message] = outbox("registration_confirm")
    assert message.to_email == "anna@example.org" and message.ics is None
    assert message.language == "nl"
    assert CONFIRM_LINK.search(message.text_body).group(1) == anna.token
    assert anna.token in message.html_body
    # A pending registration holds no seat.
    assert "2 places free" in text_of(client.get("/events/robotics-day"))


def test_known_organisation_is_matched_and_free_text_kept(client, event):
    ihk = make_organisation(name="IHK Nord Westfalen", short_name="IHK NW", country="DE")
    html = text_of(client.get("/events/robotics-day"))
    assert '<option value="IHK Nord Westfalen">' in html
    assert register(client, event, email="jo@example.de", organisation="ihk nord westfalen",
                    country="DE").status_code == 303
    assert register(client, event, email="kim@example.de", organisation="ihk nw", country="DE").status_code == 303
    assert register(client, event, email="max@example.de", organisation="Robo GmbH", country="DE").status_code == 303
    assert person(event, "jo@example.de").organisation_id == ihk.id
    assert person(event, "kim@example.de").organisation_id == ihk.id
    max_ = person(event, "max@example.de")
    assert max_.organisation_id is None and max_.organisation_name == "Robo GmbH"


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": ""}, "name", "Please enter your name."),
    ({"name": "x" * 201}, "name", "Field cannot be longer than 200 characters."),
    ({"name": "Anna\r\nBcc: x@example.org"}, "name", "Line breaks and control characters are not allowed here."),
    ({"email": ""}, "email", "Please enter an email address."),
    ({"email": "anna at example"}, "email", "Please enter a valid email address, such as name@example.org."),
    ({"email": "a" * 250 + "@example.org"}, "email", "Field cannot be longer than 254 characters."),
    ({"organisation": "o" * 201}, "organisation", "Field cannot be longer than 200 characters."),
    ({"country": ""}, "country", "Please choose a country."),
    ({"country": "XX"}, "country", "Not a valid choice."),
    ({"language": "fr"}, "language", "Not a valid choice."),
    ({"dietary": "d" * 501}, "dietary", "Field cannot be longer than 500 characters."),
    ({"accessibility": "a" * 501}, "accessibility", "Field cannot be longer than 500 characters."),
    ({"accessibility": "bad\x00byte"}, "accessibility", "Control characters are not allowed here."),
    ({"consent": None}, "consent", "Please agree to the privacy statement to register."),
])
def test_bad_input_is_refused_at_the_field_and_nothing_is_saved(client, event, overrides, field, message):
    response = register(client, event, **overrides)
    assert response.status_code == 422
    html = text_of(response)
    assert f'<p class="error" id="{field}-error">{message}' in html
    assert f'aria-describedby="{field}-error"' in html or f'{field}-help {field}-error' in html
    assert participant_count() == 0
    assert outbox() == []


def test_form_keeps_what_was_typed_after_an_error(client, event):
    html = text_of(register(client, event, name="Anna <b>Jansen</b>", email="bad"))
    assert 'value="Anna &lt;b&gt;Jansen&lt;/b&gt;"' in html


def test_the_honeypot_field_keeps_bots_out_silently(client, event):
    response = register(client, event, homepage="https://spam.example")
    assert response.status_code == 303 and response.headers["Location"].endswith("/register/sent")
    assert participant_count() == 0
    assert outbox() == []


def test_post_without_csrf_token_is_refused(client, event):
    response = client.post("/events/robotics-day/register", data=form_data())
    assert response.status_code == 400
    assert participant_count() == 0


def test_the_register_page_works_without_the_meeting_page(client, event):
    page = client.get("/events/robotics-day/register")
    assert page.status_code == 200
    html = text_of(page)
    assert "Register for Robotics Day" in html
    response = client.post("/events/robotics-day/register", data={**form_data(), "csrf_token": csrf_token_from(html)})
    assert response.status_code == 303


# --- the organiser's questions ----------------------------------------------------

@pytest.fixture
def questions(event):
    return {
        "size": add_question(event, "Company size", position=1),
        "why": add_question(event, "What do you hope to learn?", kind="long_text", position=2),
        "track": add_question(event, "Which track?", kind="single_choice", choices="Robots\nAI\nData",
                              required=True, position=3),
        "topics": add_question(event, "Which demos interest you?", kind="multi_choice",
                               choices="Welding cell\nCobot\nAGV", required=True, position=4),
        "lunch": add_question(event, "Do you join the lunch?", kind="yes_no", required=True, position=5),
    }


def test_questions_appear_in_order_with_their_choices(client, event, questions):
    html = text_of(client.get("/events/robotics-day"))
    labels = ["Company size", "What do you hope to learn?", "Which track?", "Which demos interest you?",
              "Do you join the lunch?"]
    positions = [html.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "<legend>Which track? <span" in html
    for choice in ("Robots", "AI", "Data", "Welding cell", "Cobot", "AGV", "Yes", "No"):
        assert f">{choice}</label>" in html


def test_answers_to_every_kind_of_question_are_saved(client, event, questions):
    q = questions
    response = register(client, event, **{
        f"q_{q['size'].id}": "250", f"q_{q['why'].id}": "Line one\nLine two", f"q_{q['track'].id}": "AI",
        f"q_{q['topics'].id}": ["Cobot", "AGV"], f"q_{q['lunch'].id}": "yes"})
    assert response.status_code == 303, text_of(response)[:2000]
    anna = person(event, "anna@example.org")
    given = {a.question_id: a.value for a in db.session.scalars(
        select(RegistrationAnswer).where(RegistrationAnswer.participant_id == anna.id))}
    assert given == {q["size"].id: "250", q["why"].id: "Line one\nLine two", q["track"].id: "AI",
                     q["topics"].id: "Cobot\nAGV", q["lunch"].id: "yes"}


@pytest.mark.parametrize("key, value, message", [
    ("track", None, "Please answer this question."),
    ("track", "Biology", "Please choose from the list."),
    ("topics", None, "Please choose at least one."),
    ("topics", ["Cobot", "Teleporter"], "Please choose from the list."),
    ("lunch", None, "Please answer this question."),
    ("lunch", "maybe", "Please choose from the list."),
    ("size", "s" * 501, "Field cannot be longer than 500 characters."),
    ("why", "w" * 2001, "Field cannot be longer than 2000 characters."),
])
def test_question_answers_are_checked(client, event, questions, key, value, message):
    answers = {"track": "AI", "topics": ["Cobot"], "lunch": "no", "size": "", "why": ""}
    answers[key] = value
    data = {f"q_{questions[k].id}": v for k, v in answers.items() if v is not None}
    response = register(client, event, **data)
    assert response.status_code == 422
    assert f'id="q_{questions[key].id}-error">{message}' in text_of(response)
    assert participant_count() == 0


# --- when registration is not possible --------------------------------------------

@pytest.mark.parametrize("overrides, message", [
    ({"registration_opens_at": utcnow() + timedelta(days=2)}, "Registration opens on"),
    ({"registration_opens_at": utcnow() - timedelta(days=5), "registration_closes_at": utcnow() - timedelta(days=1)},
     "Registration closed on"),
    ({"status": "cancelled"}, "This meeting has been cancelled, so registration is closed."),
    ({"capacity": 1, "waitlist_enabled": False, "_taken": 1}, "This meeting is full and has no waiting list."),
])
def test_closed_cancelled_and_full_meetings_get_a_clear_page(client, app, overrides, message):
    overrides = dict(overrides)  # the parameters are shared by both backends' runs
    taken = overrides.pop("_taken", 0)
    meeting = make_meeting(slug="demo-afternoon", **overrides)
    for _ in range(taken):
        make_participant(meeting, kind="registrant", status="registered")
    page = text_of(client.get("/events/demo-afternoon"))
    assert message in page and 'action="/events/demo-afternoon/register"' not in page
    get = client.get("/events/demo-afternoon/register")
    assert get.status_code == 200 and message in text_of(get)
    token = csrf_token_from(text_of(client.get("/login")))
    response = client.post("/events/demo-afternoon/register", data={**form_data(), "csrf_token": token})
    assert response.status_code == 409
    assert message in text_of(response)
    assert participant_count() == taken


def test_full_meeting_with_a_waiting_list_still_takes_registrations(client, app):
    meeting = make_meeting(slug="full", capacity=1)
    make_participant(meeting, kind="registrant", status="registered")
    html = text_of(client.get("/events/full"))
    assert "No places free at the moment." in html
    assert "you join the waiting list" in html
    assert register(client, meeting).status_code == 303


def test_past_and_invitation_only_meetings_take_no_registrations(client, app):
    make_meeting(slug="past", starts_at=utcnow() - timedelta(days=3), ends_at=utcnow() - timedelta(days=3, hours=-2),
                 status="held")
    make_meeting(slug="closed-circle", visibility="invitation")
    assert 'id="register"' not in text_of(client.get("/events/past"))
    assert client.get("/events/past/register").status_code == 200
    assert "has started or taken place" in text_of(client.get("/events/past/register"))
    assert client.get("/events/closed-circle/register").status_code == 404


def test_public_page_never_shows_who_registered(client, event):
    register_and_confirm(client, event, name="Zora Secretname", email="zora@example.org")
    html = text_of(client.get("/events/robotics-day"))
    assert "Zora" not in html and "zora@example.org" not in html
    assert "1 place free" in html


# --- the same address twice: the page tells nobody who is on the list -----------------

def answer_seen(client, response) -> tuple[int, str, str]:
    """What the visitor sees after posting the form: the status, where it leads, and that page."""
    location = response.headers.get("Location", "")
    page = text_of(client.get(location)) if location else text_of(response)
    return response.status_code, location, page


def test_a_known_address_gets_the_same_answer_as_a_new_one_and_its_owner_an_email(client, event):
    assert register(client, event, language="nl").status_code == 303
    anna = person(event, "anna@example.org")
    known = answer_seen(client, register(client, event, email=" ANNA@example.org ", name="Anna Again", language="de"))
    new = answer_seen(client, register(client, event, email="nina@example.org", name="Nina New"))
    assert known == new
    assert known[0] == 303 and known[1].endswith("/events/robotics-day/register/sent")
    assert "already" not in known[2]
    # Nothing changed for Anna, and nobody was added twice.
    assert participant_count() == 2
    again = person(event, "anna@example.org")
    assert (again.name, again.token, again.language, again.status) == ("Anna Jansen", anna.token, "nl", "pending")
    # Anna learns of it by email, in her own language, with the link she needs now: to confirm.
    [told] = outbox("registration_already")
    assert (told.to_email, told.language, told.participant_id, told.ics) == ("anna@example.org", "nl", anna.id, None)
    assert told.subject == "U staat al op de lijst: Robotics Day"
    assert CONFIRM_LINK.search(told.text_body).group(1) == anna.token
    assert f"/registrations/{anna.token}/confirm" in told.html_body
    assert len(outbox("registration_confirm", to="anna@example.org")) == 1


def test_a_confirmed_registrant_is_sent_their_personal_page(client, event):
    register_and_confirm(client, event, name="Anna Jansen")
    anna = person(event, "anna@example.org")
    response = register(client, event, name="Someone Else")
    assert response.status_code == 303 and response.headers["Location"].endswith("/register/sent")
    [told] = outbox("registration_already")
    assert told.subject == "You are already on the list: Robotics Day"
    assert "Someone, probably you, has just registered this address for Robotics Day." in told.text_body
    assert MANAGE_LINK.search(told.text_body).group(1) == anna.token
    assert "Dear Anna Jansen," in told.text_body and "Someone Else" not in told.text_body
    assert person(event, "anna@example.org").status == "registered"


def test_an_invitee_is_sent_their_answer_page_and_not_registered(client, event):
    ina = make_participant(event, email="inv@example.org", name="Ina Invitee", status="accepted", language="de")
    response = register(client, event, email="inv@example.org")
    assert response.status_code == 303 and response.headers["Location"].endswith("/register/sent")
    assert participant_count() == 1
    [told] = outbox("registration_already")
    assert told.to_email == "inv@example.org" and told.language == "de"
    assert f"http://meetings.test/rsvp/{ina.token}" in told.text_body
    assert "Sie stehen bereits auf der Teilnehmerliste. Auf Ihrer persönlichen Seite" in told.text_body


def test_resend_form_sends_the_link_to_a_known_address(client, event):
    assert register(client, event).status_code == 303
    page = client.get("/events/robotics-day/register/resend")
    assert page.status_code == 200 and 'for="email"' in text_of(page)
    assert 'href="/events/robotics-day/register/resend"' in text_of(client.get("/events/robotics-day/register/sent"))
    response = post_form(client, "/events/robotics-day/register/resend", {"email": "anna@example.org"})
    assert response.status_code == 303
    assert "its personal link is on its way" in text_of(client.get(response.headers["Location"]))
    [link] = outbox("registration_link")
    # Still pending: the link is the confirmation link.
    assert CONFIRM_LINK.search(link.text_body).group(1) == person(event, "anna@example.org").token


def test_resend_to_an_unknown_address_says_the_same_and_sends_nothing(client, event):
    response = post_form(client, "/events/robotics-day/register/resend", {"email": "nobody@example.org"},
                         form_url="/events/robotics-day")
    assert response.status_code == 303
    assert "its personal link is on its way" in text_of(client.get(response.headers["Location"]))
    assert outbox() == []


# --- abuse ------------------------------------------------------------------------

def test_registration_posts_are_rate_limited_per_address(client, event):
    token = csrf_token_from(text_of(client.get("/events/robotics-day")))
    codes = [client.post("/events/robotics-day/register",
                         data={**form_data(email=f"p{i}@example.org"), "csrf_token": token}).status_code
             for i in range(11)]
    assert codes == [303] * 10 + [429]
    refused = client.post("/events/robotics-day/register", data={**form_data(), "csrf_token": token})
    assert "Too many requests in a short time" in text_of(refused)
    # Another address is not held back by the first one.
    other = client.post("/events/robotics-day/register", environ_base={"REMOTE_ADDR": "192.0.2.7"},
                        data={**form_data(email="other@example.org"), "csrf_token": token})
    assert other.status_code == 303
    # Reading the page is not limited.
    assert client.get("/events/robotics-day").status_code == 200


def test_the_limit_comes_from_the_settings(client, app, event):
    app.config["REGISTRATION_RATE_LIMIT"] = "2 per minute"
    token = csrf_token_from(text_of(client.get("/events/robotics-day")))
    codes = [client.post("/events/robotics-day/register",
                         data={**form_data(email=f"p{i}@example.org"), "csrf_token": token}).status_code
             for i in range(3)]
    assert codes == [303, 303, 429]


REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
def test_with_redis_configured_the_counts_live_in_redis(_schema, tmp_path, backend):
    """With RATELIMIT_STORAGE_URI on Redis the counts are kept there, where every worker
    process sees them (memory storage would give each worker its own allowance)."""
    import redis

    worker = create_app(config.testing_config(tmp_path, _schema, RATELIMIT_STORAGE_URI=REDIS_URL,
                                              REGISTRATION_RATE_LIMIT="3 per hour"))
    connection = redis.Redis.from_url(REDIS_URL)
    before = set(connection.scan_iter("*register*"))
    try:
        with worker.app_context():
            make_meeting(slug="shared-limit")
            client = worker.test_client()
            token = csrf_token_from(text_of(client.get("/events/shared-limit")))
            codes = [client.post("/events/shared-limit/register",
                                 data={**form_data(email=f"r{i}@example.org"), "csrf_token": token}).status_code
                     for i in range(4)]
            assert codes == [303, 303, 303, 429]
            keys = set(connection.scan_iter("*register*")) - before
            assert keys and all(b"3/1/hour" in key for key in keys), keys
    finally:
        for key in set(connection.scan_iter("*register*")) - before:
            connection.delete(key)
        connection.close()
        with worker.app_context():
            db.session.remove()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            db.engine.dispose()
