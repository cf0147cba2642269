"""Minutes that get approved: circulate to those present (mails read from the loopback
SMTP server, each in its reader's language), comment through the personal link, approve,
freeze, edit again and approve again; and every refusal on the way."""
from __future__ import annotations

import re
import time
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.followup import approval
from meetings.followup.models import MinutesComment, MinutesReader, MinutesVersion
from meetings.followup.states import MinutesState
from meetings.mail.delivery import deliver_due
from tests import factories
from tests.followup.scenario import make_held_meeting
from tests.helpers import post_form, run_together, text_of

SUBJECTS = {"katrin@ihk.example": "Protokoll zur Stellungnahme: Core Team kick-off meeting",
            "bas@saxion.example": "Notulen voor uw opmerkingen: Core Team kick-off meeting",
            "pieter@utwente.example": "Minutes for your comments: Core Team kick-off meeting"}
LINK = re.compile(r"https?://\S+/minutes/([A-Za-z0-9_-]{40,})")


@pytest.fixture
def held(app):
    return make_held_meeting()


def minutes_url(held):
    return f"/manage/meetings/{held.meeting.id}/record/minutes"


def minutes_data(held, **overrides):
    items = held.meeting.agenda_items
    data = {f"note_{items[0].id}": "", f"note_{items[1].id}": "Vision-based **inspection** is in demand.",
            f"note_{items[2].id}": "A pilot with two companies.",
            f"decisions_{items[0].id}": "", f"decisions_{items[1].id}": "- An AI working group starts.",
            f"decisions_{items[2].id}": "",
            "decisions": "Each topic gets a lead partner.\n* A public Robotics Day in the autumn.",
            "next_meeting_on": "", "next_meeting_note": "before the summer holidays"}
    data.update(overrides)
    return data


def save(client, held, **overrides):
    response = post_form(client, minutes_url(held), minutes_data(held, **overrides))
    assert response.status_code == 302, text_of(response)


def circulate(client, held):
    return post_form(client, f"{minutes_url(held)}/circulate", form_url=minutes_url(held))


def approve(client, held, **data):
    values = {"approved_on": date.today().isoformat(), "approved_at_meeting_id": "", "corrections": ""}
    values.update(data)
    return post_form(client, f"{minutes_url(held)}/approve", values, form_url=minutes_url(held))


def delivered(smtp_server, count: int) -> dict[str, object]:
    deliver_due()
    return {r.rcpt_tos[0]: r.message for r in smtp_server.recorder.wait_for(count)[-3:]}


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def comment_path(message) -> str:
    match = LINK.search(text_part(message))
    assert match, text_part(message)
    path = urlsplit(match.group(0)).path
    assert path in html_part(message)
    return path


def latest(held) -> MinutesVersion:
    db.session.expire_all()
    return db.session.scalars(select(MinutesVersion).where(MinutesVersion.meeting_id == held.meeting.id)
                              .order_by(MinutesVersion.number.desc())).first()


def test_circulate_comment_approve_and_approve_again(manual_app, smtp_server, organiser_client, client, held):
    save(organiser_client, held)
    assert latest(held).state == MinutesState.DRAFT
    assert "Circulate the minutes" in text_of(organiser_client.get(minutes_url(held)))

    response = circulate(organiser_client, held)
    assert response.status_code == 302
    assert "sent to 3 people for comments" in text_of(organiser_client.get(minutes_url(held)))
    received = delivered(smtp_server, 3)
    # Olaf was not present: only those recorded present get the minutes.
    assert {address: str(m["Subject"]) for address, m in received.items()} == SUBJECTS
    german = text_part(received["katrin@ihk.example"])
    assert german.startswith("Guten Tag Katrin Hoffmann,") and "Hier ist das Protokoll" in german
    assert "Hier zijn de notulen" in text_part(received["bas@saxion.example"])
    assert "Each topic gets a lead partner." in german and "An AI working group starts. (AI)" in german
    assert "<strong>inspection</strong>" in html_part(received["pieter@utwente.example"])
    paths = {address: comment_path(m) for address, m in received.items()}
    assert len(set(paths.values())) == 3
    version = latest(held)
    assert (version.number, version.state) == (1, MinutesState.CIRCULATED)
    assert version.content["decisions"][2] == {"item": "AI", "text": "An AI working group starts."}

    # Bas comments without an account, in his language.
    page = client.get(paths["bas@saxion.example"])
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Each topic gets a lead partner." in text_of(page) and 'lang="nl"' in text_of(page)
    response = post_form(client, paths["bas@saxion.example"], {"body": "Add <b>Oost NL</b> to the pilot."})
    assert response.status_code == 302
    organiser_page = text_of(organiser_client.get(minutes_url(held)))
    assert "Bas Smit" in organiser_page and "Add &lt;b&gt;Oost NL&lt;/b&gt; to the pilot." in organiser_page

    # Approved with a correction at the next meeting.
    nxt = factories.make_meeting(title="Core Team before the summer",
                                 starts_at=held.meeting.starts_at + timedelta(days=30))
    db.session.commit()
    response = approve(organiser_client, held, approved_at_meeting_id=str(nxt.id),
                       corrections="Oost NL joins the pilot.")
    assert response.status_code == 302
    version = latest(held)
    assert (version.state, version.approved_on, version.approved_at_meeting_id, version.corrections) == \
        (MinutesState.APPROVED, date.today(), nxt.id, "Oost NL joins the pilot.")
    assert version.approved_by_id is not None
    html = text_of(organiser_client.get(minutes_url(held)))
    assert "Approved version 1" in html and "at Core Team before the summer" in html
    assert "unapproved-changes" not in html

    # Comments after approval are refused, with a clear message.
    response = post_form(client, paths["katrin@ihk.example"], {"body": "Zu spät?"})
    assert response.status_code == 409
    assert "Dieses Protokoll ist genehmigt: Kommentare sind nicht mehr möglich." in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(MinutesComment)) == 1

    # A later edit starts version 2; version 1 stays as it was approved.
    save(organiser_client, held, decisions="Each topic gets a lead partner.\nThe Robotics Day moves to spring.")
    assert latest(held).number == 2 and latest(held).state == MinutesState.DRAFT
    html = text_of(organiser_client.get(minutes_url(held)))
    assert 'id="unapproved-changes"' in html
    first = db.session.scalars(select(MinutesVersion).where(MinutesVersion.number == 1)).one()
    assert [d["text"] for d in first.content["decisions"]] == [
        "Each topic gets a lead partner.", "A public Robotics Day in the autumn.", "An AI working group starts."]
    assert first.state == MinutesState.APPROVED

    # Circulating the changes mails everyone again, with the same personal links.
    assert circulate(organiser_client, held).status_code == 302
    again = delivered(smtp_server, 6)
    assert "The Robotics Day moves to spring." in text_part(again["pieter@utwente.example"])
    assert {address: comment_path(m) for address, m in again.items()} == paths
    assert post_form(client, paths["katrin@ihk.example"], {"body": "Einverstanden."}).status_code == 302
    assert approve(organiser_client, held).status_code == 302
    assert latest(held).state == MinutesState.APPROVED and latest(held).number == 2
    assert "Approved version 2" in text_of(organiser_client.get(minutes_url(held)))


def test_saving_unchanged_minutes_after_approval_needs_no_new_approval(manual_app, organiser_client, held):
    save(organiser_client, held)
    circulate(organiser_client, held)
    approve(organiser_client, held)
    save(organiser_client, held)
    assert (latest(held).number, latest(held).state) == (1, MinutesState.APPROVED)
    # An edit taken back before circulating leaves no draft behind.
    save(organiser_client, held, next_meeting_note="in September")
    assert latest(held).number == 2
    save(organiser_client, held)
    assert (latest(held).number, latest(held).state) == (1, MinutesState.APPROVED)


@pytest.mark.parametrize("step,message", [
    ("nothing", "Nothing is recorded in the minutes yet."),
    ("twice", "The minutes have not changed since they were last circulated or approved."),
    ("nobody", "Nobody recorded present has an email address"),
])
def test_circulating_is_refused_when_there_is_nothing_to_send(manual_app, organiser_client, held, step, message):
    if step == "nobody":
        for participant in held.participants.values():
            participant.attended = False
        db.session.commit()
    if step != "nothing":
        save(organiser_client, held)
    if step == "twice":
        assert circulate(organiser_client, held).status_code == 302
    response = circulate(organiser_client, held)
    assert response.status_code == 409 and message in text_of(response)
    expected = {"nothing": None, "twice": MinutesState.CIRCULATED, "nobody": MinutesState.DRAFT}[step]
    assert (latest(held).state if latest(held) else None) == expected
    if step != "twice":
        assert db.session.scalar(select(func.count()).select_from(MinutesReader)) == 0


def test_approval_needs_circulation_first(manual_app, organiser_client, held):
    save(organiser_client, held)
    response = approve(organiser_client, held)
    assert response.status_code == 409 and "circulate them again" in text_of(response)
    assert latest(held).state == MinutesState.DRAFT


@pytest.mark.parametrize("field,value,message", [
    ("approved_on", "", "Please enter a date."),
    ("approved_on", "yesterday", "Please enter a date as YYYY-MM-DD."),
    ("approved_on", "2024-01-01", "The minutes cannot be approved before the day they were circulated."),
    ("approved_at_meeting_id", "earlier", "Please choose a later meeting from the list."),
    ("approved_at_meeting_id", "999999", "Please choose a later meeting from the list."),
    ("corrections", "x" * 20001, "Field cannot be longer than 20000 characters."),
])
def test_invalid_approval_is_refused(manual_app, organiser_client, held, field, value, message):
    save(organiser_client, held)
    circulate(organiser_client, held)
    if value == "earlier":
        value = str(factories.make_meeting(starts_at=held.meeting.starts_at - timedelta(days=30)).id)
        db.session.commit()
    response = approve(organiser_client, held, **{field: value})
    assert response.status_code == 422
    assert f'id="{field}-error"' in text_of(response) and message in text_of(response)
    assert latest(held).state == MinutesState.CIRCULATED and latest(held).approved_on is None


def test_approving_twice_is_a_conflict(manual_app, organiser_client, held):
    save(organiser_client, held)
    circulate(organiser_client, held)
    assert approve(organiser_client, held).status_code == 302
    response = approve(organiser_client, held)
    assert response.status_code == 409 and "already approved" in text_of(response)


@pytest.mark.parametrize("body,message", [
    ("", "Please write your comment."),
    ("x" * 5001, "Field cannot be longer than 5000 characters."),
])
def test_invalid_comment_is_refused(manual_app, smtp_server, organiser_client, client, held, body, message):
    save(organiser_client, held)
    circulate(organiser_client, held)
    path = comment_path(delivered(smtp_server, 3)["pieter@utwente.example"])
    response = post_form(client, path, {"body": body})
    assert response.status_code == 422
    assert 'id="body-error"' in text_of(response) and message in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(MinutesComment)) == 0


def test_an_unknown_comment_link_is_404_and_the_pages_need_a_login(client, held):
    assert client.get("/minutes/not-a-token").status_code == 404
    assert client.get("/minutes/" + "x" * 300).status_code == 404
    assert client.get(minutes_url(held)).status_code == 302
    assert client.get("/manage/decisions/").status_code == 302


def _slowly(monkeypatch, name):
    """Hold each caller of ``approval.<name>`` a moment, so that two steps overlap."""
    original = getattr(approval, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(approval, name, slow)


def _step(meeting_id, act, outcomes):
    """One organiser's step in a thread of its own: "done", or the refusal's code."""
    def job():
        try:
            act(db.session.get(Meeting, meeting_id))
            db.session.commit()
        except approval.MinutesError as refused:
            db.session.rollback()
            outcomes.append(refused.code)
        else:
            outcomes.append("done")
    return job


def test_two_organisers_circulating_at_once_send_the_minutes_once(manual_app, organiser_client, smtp_server,
                                                                   held, monkeypatch):
    save(organiser_client, held)
    _slowly(monkeypatch, "recipients")
    meeting_id = held.meeting.id
    db.session.remove()
    outcomes = []
    errors = run_together(manual_app, *[_step(meeting_id, approval.circulate, outcomes)] * 2)
    assert errors == []
    assert sorted(outcomes) == ["done", "unchanged"]
    assert db.session.scalar(select(func.count()).select_from(MinutesVersion)) == 1
    assert latest(held).state == MinutesState.CIRCULATED
    deliver_due()
    time.sleep(0.2)
    assert sorted(r.rcpt_tos[0] for r in smtp_server.recorder.wait_for(3)) == sorted(SUBJECTS)
    assert len(smtp_server.recorder.messages) == 3


def test_two_approvals_at_once_record_one(manual_app, organiser_client, held, monkeypatch):
    save(organiser_client, held)
    assert circulate(organiser_client, held).status_code == 302
    _slowly(monkeypatch, "status")
    meeting_id = held.meeting.id
    db.session.remove()
    outcomes = []
    approve_today = _step(meeting_id, lambda m: approval.approve(m, None, date.today(), None, None), outcomes)
    errors = run_together(manual_app, approve_today, approve_today)
    assert errors == []
    assert sorted(outcomes) == ["already_approved", "done"]
    assert latest(held).state == MinutesState.APPROVED
