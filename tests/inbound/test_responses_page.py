"""The organiser's responses page: answers from calendar apps marked, held replies applied or
ignored with a button (POST, CSRF), and a notice when answers from calendar apps are not read."""
from __future__ import annotations

from meetings.extensions import db
from meetings.inbound import services
from meetings.inbound.models import InboundMessage
from meetings.inbound.states import InboundState, Reason
from meetings.participants.models import Participant
from tests.factories import make_meeting
from tests.helpers import post_form, text_of
from tests.inbound.conftest import INBOUND, reply_to
from tests.inbound.replies import apple_reply, gmail_reply, outlook_reply


def page(client, meeting):
    response = client.get(f"/manage/meetings/{meeting.id}/responses")
    assert response.status_code == 200
    return text_of(response)


def test_without_inbound_address_the_page_says_calendar_answers_are_not_read(organiser_client):
    meeting = make_meeting()
    html = page(organiser_client, meeting)
    assert 'id="calendar-replies-off"' in html and "are not read" in html
    assert 'href="/manage/calendar-replies#calendar-replies"' in html
    setup = organiser_client.get("/manage/calendar-replies")
    assert setup.status_code == 200 and 'id="calendar-replies"' in text_of(setup)


def test_with_inbound_address_the_notice_is_gone_and_calendar_answers_are_marked(organiser_client, sent):
    meeting, (anna, ben, _) = sent
    services.receive(gmail_reply(meeting.uid, anna.email, to=reply_to(anna)), door="imap")
    html = page(organiser_client, meeting)
    assert "calendar-replies-off" not in html
    assert html.count("answered-in-calendar") == 1
    assert "in the calendar app" in html


def test_a_held_reply_is_shown_with_buttons_and_applied_on_post(organiser_client, sent):
    meeting, (anna, *_) = sent
    message = services.receive(apple_reply(meeting.uid, anna.email, "DECLINED", to=INBOUND), door="imap")
    assert message.state == InboundState.HELD
    html = page(organiser_client, meeting)
    assert 'id="held-replies"' in html and "Anna" in html
    accept = f"/manage/meetings/{meeting.id}/replies/{message.id}/accept"
    assert f'action="{accept}"' in html
    # A POST without the form's token is refused and changes nothing.
    assert organiser_client.post(accept).status_code == 400
    assert db.session.get(Participant, anna.id).status == "invited"
    response = post_form(organiser_client, accept, form_url=f"/manage/meetings/{meeting.id}/responses")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Participant, anna.id).status == "declined"
    assert db.session.get(InboundMessage, message.id).state == InboundState.APPLIED
    assert 'id="held-replies"' not in page(organiser_client, meeting)
    # A second click finds it handled.
    again = post_form(organiser_client, accept, form_url=f"/manage/meetings/{meeting.id}/responses",
                      follow_redirects=True)
    assert "handled already" in text_of(again)


def test_a_forwarded_guest_is_added_or_ignored(organiser_client, sent):
    meeting, (anna, *_) = sent
    frank = services.receive(outlook_reply(meeting.uid, "frank@example.org", to=reply_to(anna), name="Frank"),
                             door="imap")
    gina = services.receive(outlook_reply(meeting.uid, "gina@example.org", to=reply_to(anna), name="Gina"),
                            door="imap")
    html = page(organiser_client, meeting)
    assert "Add them and apply the answer" in html and "frank@example.org" in html and "gina@example.org" in html
    responses = f"/manage/meetings/{meeting.id}/responses"
    post_form(organiser_client, f"/manage/meetings/{meeting.id}/replies/{frank.id}/accept", form_url=responses)
    post_form(organiser_client, f"/manage/meetings/{meeting.id}/replies/{gina.id}/ignore", form_url=responses)
    db.session.expire_all()
    emails = {p.email: p.status for p in db.session.query(Participant).filter_by(meeting_id=meeting.id)}
    assert emails["frank@example.org"] == "accepted" and "gina@example.org" not in emails
    assert db.session.get(InboundMessage, gina.id).reason == Reason.IGNORED


def test_another_meeting_s_held_reply_is_not_found_here(organiser_client, sent):
    meeting, (anna, *_) = sent
    message = services.receive(apple_reply(meeting.uid, anna.email, to=INBOUND), door="imap")
    other = make_meeting()
    response = post_form(organiser_client, f"/manage/meetings/{other.id}/replies/{message.id}/accept",
                         form_url=f"/manage/meetings/{other.id}/responses")
    assert response.status_code == 404


def test_the_buttons_need_an_organiser(client, sent):
    meeting, (anna, *_) = sent
    message = services.receive(apple_reply(meeting.uid, anna.email, to=INBOUND), door="imap")
    response = post_form(client, f"/manage/meetings/{meeting.id}/replies/{message.id}/ignore", form_url="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(InboundMessage, message.id).state == InboundState.HELD


def test_the_setup_page_shows_the_readme_section(app, tmp_path, monkeypatch):
    from meetings.inbound import views

    readme = tmp_path / "README.md"
    readme.write_text("# Project\n\n## Calendar replies\n\nSet **INBOUND_ADDRESS**.\n\n### IMAP\n\nFetch.\n\n"
                      "## Make targets\n\nmake run\n", encoding="utf-8")
    (tmp_path / "meetings").mkdir()
    monkeypatch.setattr(app, "root_path", str(tmp_path / "meetings"))
    section = views.readme_section("Calendar replies")
    assert section == "Set **INBOUND_ADDRESS**.\n\n### IMAP\n\nFetch."
    assert views.readme_section("Nowhere") is None
