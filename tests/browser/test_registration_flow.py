"""A member of the public registers in a real browser, confirms from the email's link and
cancels; the next person on the waiting list moves up and the organiser sees it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetings.extensions import db
from meetings.mail.models import OutboxMessage
from meetings.participants.models import Participant
from meetings.registration.models import RegistrationQuestion
from tests import factories
from tests.browser.conftest import assert_accessible, log_in
from tests.registration.helpers import CONFIRM_LINK, MANAGE_LINK

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]


@pytest.fixture
def robotics_day(app):
    """A public event with one seat left: someone holds the other, and a question of the organiser's."""
    factories.make_organisation(name="Saxion Mechatronics Research Group", country="NL")
    meeting = factories.make_meeting(title="Robotics Day", slug="robotics-day", capacity=2, agenda=2)
    factories.make_participant(meeting, kind="registrant", status="registered", email="first@example.org",
                               name="First Person")
    db.session.add(RegistrationQuestion(meeting_id=meeting.id, label="Which demo interests you most?",
                                        kind="single_choice", choices="Welding cell\nCobot\nAGV", required=True))
    db.session.commit()
    return meeting


def last_email(to: str, kind: str) -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_email == to, OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id.desc())).first()


def test_register_confirm_from_the_email_and_cancel(page, browser, live_server, organiser, robotics_day,
                                                    axe_script):
    page.goto(f"{live_server}/events/robotics-day")
    expect(page.get_by_text("1 place free")).to_be_visible()
    assert_accessible(page, axe_script)

    # A mistake first: the form says what is wrong, at the field, and keeps what was typed.
    page.get_by_label("Name").fill("Sanne de Boer")
    page.get_by_label("Email").fill("sanne@example")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Please enter a valid email address")).to_be_visible()
    expect(page.get_by_text("Please agree to the privacy statement to register.")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Sanne de Boer")
    assert_accessible(page, axe_script, "the form with errors")

    page.get_by_label("Email").fill("sanne@example.nl")
    page.get_by_label("Organisation").fill("Saxion Mechatronics Research Group")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Dietary needs (optional)").fill("vegetarian")
    page.get_by_label("Cobot").check()
    page.get_by_label("I agree that my registration is stored").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page, axe_script)

    # The confirmation link as the email carries it, opened in the browser.
    message = last_email("sanne@example.nl", "registration_confirm")
    link = CONFIRM_LINK.search(message.text_body).group(0).replace("http://meetings.test", live_server)
    page.goto(link)
    expect(page.get_by_role("heading", name="Confirm your registration")).to_be_visible()
    assert_accessible(page, axe_script)
    page.get_by_role("button", name="Confirm my registration").click()
    expect(page.get_by_text("Your address is confirmed and you are registered.")).to_be_visible()
    expect(page.get_by_text("You are registered.", exact=True)).to_be_visible()
    expect(page.get_by_label("Cobot")).to_be_checked()
    assert_accessible(page, axe_script, "the manage page")

    confirmed = last_email("sanne@example.nl", "registration_confirmed")
    assert confirmed.ics_method == "REQUEST"
    assert MANAGE_LINK.search(confirmed.text_body)

    # The meeting is now full: the next person gets a numbered waiting place.
    other = browser.new_context()
    other_page = other.new_page()
    other_page.goto(f"{live_server}/events/robotics-day")
    expect(other_page.get_by_text("No places free at the moment.")).to_be_visible()
    other_page.get_by_label("Name").fill("Tim Weber")
    other_page.get_by_label("Email").fill("tim@example.de")
    other_page.get_by_label("Country").select_option("DE")
    other_page.get_by_label("AGV").check()
    other_page.get_by_label("I agree that my registration is stored").check()
    other_page.get_by_role("button", name="Register").click()
    tim_link = CONFIRM_LINK.search(last_email("tim@example.de", "registration_confirm").text_body).group(0)
    other_page.goto(tim_link.replace("http://meetings.test", live_server))
    other_page.get_by_role("button", name="Confirm my registration").click()
    expect(other_page.get_by_text("You are on the waiting list, number 1.", exact=True)).to_be_visible()

    # Sanne cancels; Tim moves up at once and is told.
    page.get_by_role("link", name="Cancel my registration…").click()
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_text("Your registration is cancelled.")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel my registration…")).to_have_count(0)
    assert_accessible(page, axe_script, "after cancelling")
    assert last_email("tim@example.de", "registration_promoted").ics_method == "REQUEST"
    other_page.reload()
    expect(other_page.get_by_text("You are registered.", exact=True)).to_be_visible()
    other.close()

    organiser_context = browser.new_context()
    organiser_page = organiser_context.new_page()
    log_in(organiser_page, live_server, organiser)
    organiser_page.goto(f"{live_server}/manage/meetings/{robotics_day.id}/participants")
    expect(organiser_page.get_by_role("row", name="Tim Weber")).to_contain_text("Registered")
    expect(organiser_page.get_by_role("row", name="Sanne de Boer")).to_contain_text("Cancelled")
    expect(organiser_page.get_by_role("row", name="Sanne de Boer")).to_contain_text("Saxion Mechatronics")
    assert_accessible(organiser_page, axe_script, "the participants page")
    organiser_page.get_by_role("link", name="Sign-in sheet").click()
    expect(organiser_page.get_by_role("cell", name="Tim Weber")).to_be_visible()
    assert_accessible(organiser_page, axe_script, "the sign-in sheet")
    organiser_page.goto(f"{live_server}/manage/meetings/{robotics_day.id}/participants/add")
    assert_accessible(organiser_page, axe_script, "the add form")
    organiser_page.goto(f"{live_server}/manage/meetings/{robotics_day.id}/participants/questions")
    assert_accessible(organiser_page, axe_script, "the questions page")
    organiser_context.close()
    db.session.expire_all()
    sanne = db.session.scalar(select(Participant).where(Participant.email == "sanne@example.nl"))
    assert sanne.status == "cancelled" and sanne.organisation_id is not None
