"""The organiser's side: participants list, filters, manual add, waiting list, remove, erase,
CSV export, sign-in sheet, questions, capacity."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.mail.models import OutboxMessage
from meetings.participants.models import Participant
from meetings.registration.models import RegistrationAnswer, RegistrationQuestion
from tests.factories import make_contact, make_meeting, make_organisation, make_participant
from tests.helpers import post_form, text_of
from tests.registration.helpers import form_data, form_values, outbox, person, register, register_and_confirm


def admin_url(meeting, tail: str = "") -> str:
    return f"/manage/meetings/{meeting.id}/participants{tail}"


def press(client, meeting, participant, action: str):
    return post_form(client, admin_url(meeting, f"/{participant.id}/{action}"), {}, form_url=admin_url(meeting))


@pytest.fixture
def full_event(client, event):
    """Robotics Day with 3 seats: an accepted invitee and two registrants hold them, Cleo and Dirk
    wait (1, 2), Pim has not confirmed."""
    ihk = make_organisation(name="IHK Nord Westfalen", country="DE")
    event.capacity = 3
    db.session.commit()
    make_participant(event, make_contact(name="Ina Invitee", email="ina@example.de", organisation_id=ihk.id),
                     status="accepted", country="DE")
    question = RegistrationQuestion(meeting_id=event.id, label="Which track?", kind="single_choice",
                                    choices="Robots\nAI", required=False)
    db.session.add(question)
    db.session.commit()
    register_and_confirm(client, event, name="Anna Jansen", email="anna@example.org", organisation="IHK Nord Westfalen",
                         country="DE", dietary="vegetarian", **{f"q_{question.id}": "AI"})
    register_and_confirm(client, event, name="Bob Baker", email="bob@example.org", organisation="Robo BV")
    register_and_confirm(client, event, name="Cleo Chen", email="cleo@example.org")
    register_and_confirm(client, event, name="Dirk de Vries", email="dirk@example.nl")
    register(client, event, name="Pim Pending", email="pim@example.org")
    return event, question


# --- access -----------------------------------------------------------------------

@pytest.mark.parametrize("tail", ["", "/add", "/questions", ".csv"])
def test_organiser_pages_need_a_login(client, event, tail):
    response = client.get(admin_url(event, tail))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_organiser_actions_need_a_login(client, event):
    _, anna = register_and_confirm(client, event)
    for action in ("remove", "erase", "up", "seat"):
        response = post_form(client, admin_url(event, f"/{anna.id}/{action}"), {}, form_url="/login")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert person(event, "anna@example.org").status == "registered"


def test_a_participant_of_another_meeting_is_404(organiser_client, event):
    other = make_meeting()
    stranger = make_participant(other, email="x@example.org", kind="registrant", status="registered")
    assert press(organiser_client, event, stranger, "remove").status_code == 404
    assert organiser_client.get("/manage/meetings/999999/participants").status_code == 404


# --- the list ---------------------------------------------------------------------

def test_participants_list_shows_invitees_and_registrants_with_status_and_answers(organiser_client, full_event):
    event, question = full_event
    html = text_of(organiser_client.get(admin_url(event)))
    assert "3 of 3" in html  # seats taken: the accepted invitee and two registrants
    for text in ("Ina Invitee", "Accepted", "Anna Jansen", "anna@example.org", "IHK Nord Westfalen", "Germany",
                 "vegetarian", "Which track?", "Robo BV", "Cleo Chen", "Waiting list no. 1", "Dirk de Vries", "Waiting list no. 2",
                 "Pim Pending", "Not yet confirmed"):
        assert text in html, text
    assert html.index("Anna Jansen") < html.index("Cleo Chen") < html.index("Dirk de Vries") < html.index("Pim Pending")
    assert 'href="/manage/meetings/%d/participants"' % event.id in text_of(
        organiser_client.get(f"/manage/meetings/{event.id}"))


@pytest.mark.parametrize("query, shown, hidden", [
    ("?status=waiting", ["Cleo Chen", "Dirk de Vries"], ["Anna Jansen", "Ina Invitee", "Pim Pending"]),
    ("?status=registered", ["Anna Jansen", "Bob Baker"], ["Dirk de Vries", "Ina Invitee"]),
    ("?kind=invitee", ["Ina Invitee"], ["Anna Jansen", "Bob Baker"]),
    ("?organisation=ihk", ["Anna Jansen", "Ina Invitee"], ["Bob Baker", "Cleo Chen"]),
    ("?organisation=robo", ["Bob Baker"], ["Anna Jansen"]),
    ("?organisation=%25", [], ["Anna Jansen", "Bob Baker"]),
    ("?status=nonsense", ["Anna Jansen", "Ina Invitee"], []),
])
def test_filters(organiser_client, full_event, query, shown, hidden):
    event, _ = full_event
    response = organiser_client.get(admin_url(event, query))
    assert response.status_code == 200
    html = text_of(response)
    table = html[html.index('<main'):]
    for name in shown:
        assert name in table, name
    for name in hidden:
        assert name not in table, name


# --- manual add -------------------------------------------------------------------

def add(client, meeting, **overrides):
    notify = overrides.pop("notify", "y")
    data = form_data(**overrides)
    data.pop("consent", None), data.pop("homepage", None)
    if notify:
        data["notify"] = notify
    return post_form(client, admin_url(meeting, "/add"), data)


def test_organiser_adds_someone_who_gets_a_seat_and_the_email(organiser_client, event):
    response = add(organiser_client, event, name="Walk In", email="walk@example.org")
    assert response.status_code == 303
    assert "Walk In is registered." in text_of(organiser_client.get(response.headers["Location"]))
    walk = person(event, "walk@example.org")
    assert walk.status == "registered" and walk.kind == "registrant" and walk.confirmed_at is not None
    [message] = outbox("registration_confirmed")
    assert message.to_email == "walk@example.org" and message.ics_method == "REQUEST"


def test_added_when_full_goes_to_the_waiting_list_and_can_be_added_silently(organiser_client, event):
    add(organiser_client, event, email="a@example.org")
    add(organiser_client, event, email="b@example.org")
    response = add(organiser_client, event, name="Late Comer", email="late@example.org", notify=None)
    assert "Late Comer is on the waiting list, number 1." in text_of(
        organiser_client.get(response.headers["Location"]))
    assert outbox("registration_confirmed", to="late@example.org") == []


def test_adding_an_address_already_on_the_list_is_refused_at_the_field(organiser_client, event):
    add(organiser_client, event, email="a@example.org")
    response = add(organiser_client, event, email="A@example.org")
    assert response.status_code == 422
    assert 'id="email-error">This person is already on the list of participants.' in text_of(response)


def test_adding_when_full_without_waiting_list_is_refused(organiser_client, event):
    event.waitlist_enabled = False
    db.session.commit()
    add(organiser_client, event, email="a@example.org")
    add(organiser_client, event, email="b@example.org")
    response = add(organiser_client, event, email="c@example.org")
    assert response.status_code == 422
    assert "This meeting is full and has no waiting list." in text_of(response)
    assert person(event, "c@example.org") is None


def test_add_form_checks_its_fields(organiser_client, event):
    response = add(organiser_client, event, name="", email="nope")
    assert response.status_code == 422
    html = text_of(response)
    assert 'id="name-error">Please enter your name.' in html and 'id="email-error">' in html


# --- the waiting list -------------------------------------------------------------

def test_move_up_swaps_with_the_person_before(organiser_client, event):
    for x in "abcde":
        register_and_confirm(organiser_client, event, email=f"{x}@example.org")
    e = person(event, "e@example.org")
    assert e.waitlist_position == 3
    response = press(organiser_client, event, e, "up")
    assert response.status_code == 303
    assert "is now number 2 on the waiting list" in text_of(organiser_client.get(response.headers["Location"]))
    assert [person(event, f"{x}@example.org").waitlist_position for x in "cde"] == [1, 3, 2]
    press(organiser_client, event, person(event, "e@example.org"), "up")
    assert [person(event, f"{x}@example.org").waitlist_position for x in "cde"] == [2, 3, 1]
    # Already first: nothing changes.
    press(organiser_client, event, person(event, "e@example.org"), "up")
    assert person(event, "e@example.org").waitlist_position == 1


def test_give_a_free_seat_to_a_waiting_person(organiser_client, event):
    # An invitee who declined after accepting left a seat free that nobody took yet.
    for x in "abc":
        register_and_confirm(organiser_client, event, email=f"{x}@example.org")
    a = person(event, "a@example.org")
    a.status = "declined"
    db.session.commit()
    c = person(event, "c@example.org")
    assert press(organiser_client, event, c, "seat").status_code == 303
    c = person(event, "c@example.org")
    assert c.status == "registered" and c.waitlist_position is None
    assert outbox("registration_promoted", to="c@example.org")


def test_a_seat_is_never_given_beyond_capacity(organiser_client, event):
    for x in "abc":
        register_and_confirm(organiser_client, event, email=f"{x}@example.org")
    response = press(organiser_client, event, person(event, "c@example.org"), "seat")
    assert response.status_code == 303
    assert "This meeting is full" in text_of(organiser_client.get(response.headers["Location"]))
    assert person(event, "c@example.org").status == "waiting"


def test_waiting_list_can_be_switched_off(organiser_client, event):
    response = post_form(organiser_client, admin_url(event, "/settings"), {}, form_url=admin_url(event))
    assert response.status_code == 303
    db.session.expire_all()
    assert event.waitlist_enabled is False
    post_form(organiser_client, admin_url(event, "/settings"), {"waitlist_enabled": "y"}, form_url=admin_url(event))
    db.session.expire_all()
    assert event.waitlist_enabled is True


# --- remove and erase -------------------------------------------------------------

def test_removing_a_registrant_tells_them_and_moves_the_next_one_up(organiser_client, full_event):
    event, _ = full_event
    anna = person(event, "anna@example.org")
    response = press(organiser_client, event, anna, "remove")
    assert response.status_code == 303
    assert person(event, "anna@example.org").status == "cancelled"
    assert person(event, "cleo@example.org").status == "registered"
    assert person(event, "dirk@example.nl").waitlist_position == 1
    assert outbox("registration_cancelled", to="anna@example.org")[0].ics_method == "CANCEL"
    assert outbox("registration_promoted", to="cleo@example.org")


def test_removing_an_accepted_invitee_frees_the_seat_too(organiser_client, full_event):
    event, _ = full_event
    ina = person(event, "ina@example.de")
    ina.invited_at = ina.created_at
    db.session.commit()
    assert press(organiser_client, event, ina, "remove").status_code == 303
    assert person(event, "ina@example.de").status == "cancelled"
    assert person(event, "cleo@example.org").status == "registered"


def test_the_list_removes_an_invitee_after_the_confirmation_page(organiser_client, full_event):
    event, _ = full_event
    ina = person(event, "ina@example.de")
    ina.invited_at = ina.created_at
    db.session.commit()
    remove = f"/manage/meetings/{event.id}/invitees/{ina.id}/remove"
    assert f'href="{remove}?back=participants"' in text_of(organiser_client.get(admin_url(event)))
    assert "Remove Ina Invitee from the list?" in text_of(organiser_client.get(f"{remove}?back=participants"))
    assert person(event, "ina@example.de").status == "accepted"
    response = post_form(organiser_client, remove, {"confirm": "yes", "back": "participants"}, form_url=remove)
    assert response.status_code == 303 and response.headers["Location"].endswith(admin_url(event))
    assert person(event, "ina@example.de").status == "cancelled"
    # The seat Ina held goes to the first person waiting.
    assert person(event, "cleo@example.org").status == "registered"


def test_erasing_removes_personal_data_and_keeps_the_counts(organiser_client, full_event):
    event, question = full_event
    anna = person(event, "anna@example.org")
    token, anna_id = anna.token, anna.id
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.participant_id == anna_id)) == 2
    response = press(organiser_client, event, anna, "erase")
    assert response.status_code == 303
    db.session.expire_all()
    erased = db.session.get(Participant, anna_id)
    assert erased.erased_at is not None
    assert (erased.name, erased.email, erased.organisation_id, erased.organisation_name, erased.dietary) == (
        None, None, None, None, None)
    assert erased.country == "DE" and erased.kind == "registrant" and erased.status == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(RegistrationAnswer)
                             .where(RegistrationAnswer.participant_id == anna_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.to_email == "anna@example.org")) == 0
    assert organiser_client.get(f"/registrations/{token}").status_code == 404
    # Her seat went to the first waiting person, without an email to her.
    assert person(event, "cleo@example.org").status == "registered"
    assert outbox("registration_cancelled") == []
    html = text_of(organiser_client.get(admin_url(event)))
    assert "Anna Jansen" not in html and "(erased)" in html and "vegetarian" not in html
    csv_text = organiser_client.get(admin_url(event, ".csv")).data.decode("utf-8-sig")
    assert "Anna" not in csv_text and "anna@" not in csv_text
    assert len(list(csv.reader(io.StringIO(csv_text)))) == 1 + 6


# --- export and sign-in sheet -----------------------------------------------------

def test_csv_export_opens_in_excel_with_one_column_per_question(organiser_client, full_event):
    event, question = full_event
    second = RegistrationQuestion(meeting_id=event.id, label="Demos?", kind="multi_choice",
                                  choices="Cobot\nAGV", position=2)
    db.session.add(second)
    db.session.commit()
    bob = person(event, "bob@example.org")
    db.session.add(RegistrationAnswer(participant_id=bob.id, question_id=second.id, value="Cobot\nAGV"))
    bob.name = "=HYPERLINK(\"http://evil.example\")"
    bob.organisation_name = "Müller & Söhne, Düsseldorf"
    db.session.commit()
    response = organiser_client.get(admin_url(event, ".csv"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="participants-robotics-day.csv"'
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert b"\r\n" in response.data
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:7] == ["Name", "Email", "Organisation", "Country", "Language", "Kind", "Status"]
    assert header[-2:] == ["Which track?", "Demos?"]
    assert len(rows) == 1 + 6
    by_email = {row[1]: row for row in rows[1:]}
    anna = by_email["anna@example.org"]
    assert anna[2] == "IHK Nord Westfalen" and anna[6] == "Registered" and anna[-2] == "AI"
    bobs = by_email["bob@example.org"]
    assert bobs[0] == "'=HYPERLINK(\"http://evil.example\")"  # not a formula in the spreadsheet
    assert bobs[2] == "Müller & Söhne, Düsseldorf" and bobs[-1] == "Cobot; AGV"
    assert by_email["dirk@example.nl"][6] == "Waiting list" and by_email["dirk@example.nl"][7] == "2"


def test_sign_in_sheet_lists_those_holding_a_seat(organiser_client, full_event):
    """The one sign-in sheet (the follow-up's), linked from the participants page."""
    event, _ = full_event
    assert f'href="/manage/meetings/{event.id}/record/sheet"' in text_of(organiser_client.get(admin_url(event, "")))
    response = organiser_client.get(f"/manage/meetings/{event.id}/record/sheet")
    assert response.status_code == 200
    html = text_of(response)
    assert 'class="print-sheet"' in html
    for name in ("Anna Jansen", "Bob Baker", "Ina Invitee"):
        assert name in html
    for name in ("Dirk de Vries", "Pim Pending", "anna@example.org"):
        assert name not in html
    assert html.index("Anna Jansen") < html.index("Bob Baker") < html.index("Ina Invitee")
    assert html.count('<td class="signature">') == 3 + 8


# --- capacity ---------------------------------------------------------------------

def edit_capacity(client, meeting, capacity: str):
    url = f"/manage/meetings/{meeting.id}/edit"
    values = form_values(text_of(client.get(url)), with_field="capacity")
    values["capacity"] = capacity
    return client.post(url, data=values)


def test_capacity_below_the_seats_taken_is_refused(organiser_client, full_event):
    event, _ = full_event
    response = edit_capacity(organiser_client, event, "2")
    assert response.status_code == 422
    assert "3 people already hold a seat; the capacity cannot be lower." in text_of(response)
    db.session.expire_all()
    assert event.capacity == 3


def test_a_larger_capacity_moves_people_up_at_once(organiser_client, full_event):
    event, _ = full_event
    register_and_confirm(organiser_client, event, name="Eva", email="eva@example.org")
    response = edit_capacity(organiser_client, event, "4")
    assert response.status_code == 302, text_of(response)[:3000]
    assert person(event, "cleo@example.org").status == "registered"
    assert [person(event, x).waitlist_position for x in ("dirk@example.nl", "eva@example.org")] == [1, 2]
    assert outbox("registration_promoted", to="cleo@example.org")


# --- questions --------------------------------------------------------------------

def test_organiser_adds_edits_orders_and_removes_questions(organiser_client, event):
    url = admin_url(event, "/questions")
    for label, kind, choices in (("Company size", "short_text", ""), ("Track", "single_choice", "Robots\nAI"),
                                 ("Lunch?", "yes_no", "")):
        response = post_form(organiser_client, url, {"label": label, "kind": kind, "choices": choices,
                                                     "required": "y"})
        assert response.status_code == 303
    questions = list(db.session.scalars(select(RegistrationQuestion).order_by(RegistrationQuestion.position)))
    assert [q.label for q in questions] == ["Company size", "Track", "Lunch?"]
    assert questions[1].choice_list == ["Robots", "AI"] and questions[0].choices is None
    post_form(organiser_client, f"{url}/{questions[2].id}/up", {}, form_url=url)
    db.session.expire_all()
    ordered = list(db.session.scalars(select(RegistrationQuestion).order_by(RegistrationQuestion.position)))
    assert [q.label for q in ordered] == ["Company size", "Lunch?", "Track"]
    edit = f"{url}/{questions[0].id}"
    values = form_values(text_of(organiser_client.get(edit)), with_field="label")
    assert values["label"] == "Company size"
    assert organiser_client.post(edit, data={**values, "label": "Employees", "required": []}).status_code == 303
    db.session.expire_all()
    assert db.session.get(RegistrationQuestion, questions[0].id).label == "Employees"
    assert db.session.get(RegistrationQuestion, questions[0].id).required is False
    public = text_of(organiser_client.get("/events/robotics-day"))
    assert "Employees" in public and "Track" in public
    post_form(organiser_client, f"{url}/{questions[1].id}/delete", {}, form_url=url)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RegistrationQuestion)) == 2


@pytest.mark.parametrize("data, field, message", [
    ({"label": ""}, "label", "Please enter the question."),
    ({"label": "q" * 301}, "label", "Field cannot be longer than 300 characters."),
    ({"kind": "single_choice", "choices": "Only one"}, "choices", "Enter at least two choices, one per line."),
    ({"kind": "multi_choice", "choices": "A\nA"}, "choices", "Each choice may appear only once."),
    ({"kind": "single_choice", "choices": "A\n" + "b" * 201}, "choices",
     "Each choice can have at most 200 characters."),
    ({"kind": "essay"}, "kind", "Not a valid choice."),
])
def test_question_form_checks_its_fields(organiser_client, event, data, field, message):
    payload = {"label": "Question", "kind": "short_text", "choices": "", **data}
    response = post_form(organiser_client, admin_url(event, "/questions"), payload)
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(RegistrationQuestion)) == 0
