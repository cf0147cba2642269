"""Minutes: notes per agenda item, decisions, action items, the next meeting, and the
open actions that follow the group to its next meeting."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.followup.models import ActionItem, AgendaNote, Decision, MeetingRecord
from meetings.followup.services import add_action_item, decision_texts, same_group
from tests import factories
from tests.followup.scenario import make_held_meeting
from tests.helpers import post_form, text_of


@pytest.fixture
def held(app):
    return make_held_meeting()


def minutes_url(held):
    return f"/manage/meetings/{held.meeting.id}/record/minutes"


def minutes_data(held, **overrides):
    items = held.meeting.agenda_items
    data = {f"note_{items[0].id}": "", f"note_{items[1].id}": "Vision-based **inspection** is in demand.",
            f"note_{items[2].id}": "A pilot with two companies.",
            "decisions": "Each topic gets a lead partner.\n\n  A public Robotics Day in the autumn.  \n",
            "next_meeting_on": "", "next_meeting_note": "before the summer holidays"}
    data.update(overrides)
    return data


def test_save_minutes(organiser_client, held):
    response = post_form(organiser_client, minutes_url(held), minutes_data(held))
    assert response.status_code == 302
    record = db.session.get(MeetingRecord, held.meeting.id)
    assert decision_texts(held.meeting) == ["Each topic gets a lead partner.", "A public Robotics Day in the autumn."]
    assert (record.next_meeting_on, record.next_meeting_note) == (None, "before the summer holidays")
    notes = {n.agenda_item.title: n.body for n in db.session.scalars(select(AgendaNote))}
    assert notes == {"AI": "Vision-based **inspection** is in demand.", "Remanufacturing": "A pilot with two companies."}
    html = text_of(organiser_client.get(minutes_url(held)))
    assert "<strong>inspection</strong>" in html and "before the summer holidays" in html


def test_saving_again_updates_and_removes_notes(organiser_client, held):
    post_form(organiser_client, minutes_url(held), minutes_data(held))
    ai = held.meeting.agenda_items[1]
    post_form(organiser_client, minutes_url(held), minutes_data(held, **{f"note_{ai.id}": "",
                                                                          "next_meeting_on": "2025-06-26"}))
    db.session.expire_all()
    assert [n.agenda_item.title for n in db.session.scalars(select(AgendaNote))] == ["Remanufacturing"]
    assert db.session.get(MeetingRecord, held.meeting.id).next_meeting_on == date(2025, 6, 26)


def test_notes_for_another_meetings_item_are_ignored(organiser_client, held):
    other = factories.make_meeting(agenda=1)
    post_form(organiser_client, minutes_url(held),
              minutes_data(held, **{f"note_{other.agenda_items[0].id}": "Smuggled"}))
    assert db.session.scalar(select(func.count()).select_from(AgendaNote)
                             .where(AgendaNote.meeting_id == other.id)) == 0


@pytest.mark.parametrize("field,value,message", [
    ("next_meeting_on", "26/06/2025", "Not a valid date value."),
    ("next_meeting_note", "x" * 201, "Field cannot be longer than 200 characters."),
    ("next_meeting_note", "soon\r\nBcc: x", "Line breaks and control characters are not allowed here."),
    ("decisions", "x" * 20001, "Field cannot be longer than 20000 characters."),
])
def test_invalid_minutes_are_refused(organiser_client, held, field, value, message):
    response = post_form(organiser_client, minutes_url(held), minutes_data(held, **{field: value}))
    assert response.status_code == 422
    assert f'id="{field}-error"' in text_of(response) and message in text_of(response)
    assert db.session.get(MeetingRecord, held.meeting.id) is None


def test_minutes_stay_private(client, held):
    add_action_item(held.meeting, "Secret follow-up", held.bas.id, None)
    db.session.add(Decision(meeting_id=held.meeting.id, text="Confidential decision"))
    db.session.commit()
    public = text_of(client.get(f"/events/{held.meeting.slug}"))
    assert "Confidential decision" not in public and "Secret follow-up" not in public
    assert client.get(minutes_url(held)).status_code == 302


# --- action items ---------------------------------------------------------------

def actions_url(held):
    return f"/manage/meetings/{held.meeting.id}/record/actions"


def test_add_action_item(organiser_client, held):
    response = post_form(organiser_client, actions_url(held), {
        "what": "Overview of support programmes", "owner_id": str(held.katrin.id), "due_on": "2024-09-30"},
        form_url=minutes_url(held))
    assert response.status_code == 302
    item = db.session.scalar(select(ActionItem))
    assert (item.what, item.owner_id, item.due_on, item.status) == \
        ("Overview of support programmes", held.katrin.id, date(2024, 9, 30), "open")
    html = text_of(organiser_client.get(minutes_url(held)))
    assert "Overview of support programmes" in html and "Katrin Hoffmann" in html


@pytest.mark.parametrize("field,value,message", [
    ("what", "", "Please say what is to be done."),
    ("what", "x" * 501, "Field cannot be longer than 500 characters."),
    ("owner_id", "999999", "Please choose the owner from the contacts."),
    ("due_on", "next week", "Not a valid date value."),
])
def test_invalid_action_item_is_refused(organiser_client, held, field, value, message):
    data = {"what": "Something", "owner_id": "", "due_on": "", field: value}
    response = post_form(organiser_client, actions_url(held), data, form_url=minutes_url(held))
    assert response.status_code == 422
    assert f'id="{field}-error"' in text_of(response) and message in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(ActionItem)) == 0


def test_close_reopen_and_remove_an_action_item(organiser_client, held):
    item = add_action_item(held.meeting, "Circulate the list", held.bas.id, None)
    db.session.commit()
    base = f"{actions_url(held)}/{item.id}"
    assert post_form(organiser_client, f"{base}/done", form_url=minutes_url(held)).status_code == 302
    db.session.expire_all()
    assert db.session.get(ActionItem, item.id).status == "done"
    assert db.session.get(ActionItem, item.id).done_at is not None
    post_form(organiser_client, f"{base}/open", form_url=minutes_url(held))
    db.session.expire_all()
    assert db.session.get(ActionItem, item.id).status == "open"
    post_form(organiser_client, f"{base}/delete", form_url=minutes_url(held))
    db.session.expire_all()
    assert db.session.get(ActionItem, item.id) is None


def test_action_item_of_another_meeting_is_404(organiser_client, held):
    item = add_action_item(factories.make_meeting(), "Elsewhere", None, None)
    db.session.commit()
    response = post_form(organiser_client, f"{actions_url(held)}/{item.id}/done", form_url=minutes_url(held))
    assert response.status_code == 404


# --- the same group's next meeting ------------------------------------------------

@pytest.mark.parametrize("first,second,expected", [
    ({1, 2, 3, 4}, {1, 2, 3, 4}, True),
    ({1, 2, 3, 4}, {1, 2, 9, 10}, True),      # half of four
    ({1, 2, 3, 4}, {1, 9, 10, 11}, False),    # a quarter
    ({1, 2}, set(range(1, 60)), True),        # everyone of the smaller list
    (set(), {1, 2}, False),
])
def test_same_group_rule(first, second, expected):
    assert same_group(first, second) is expected


def next_meeting_of(held, contacts, days=300):
    nxt = factories.make_meeting(title="Core Team meeting before the summer",
                                 starts_at=held.meeting.starts_at + timedelta(days=days))
    for contact in contacts:
        factories.make_participant(nxt, contact)
    return nxt


def test_open_actions_follow_the_group_to_its_next_meeting(organiser_client, held):
    open_item = add_action_item(held.meeting, "Programme for the Robotics Day", held.bas.id, date(2024, 10, 31))
    done_item = add_action_item(held.meeting, "Already handled", held.katrin.id, None)
    done_item.status = "done"
    db.session.commit()
    nxt = next_meeting_of(held, [held.katrin, held.bas, held.pieter])
    show = f"/manage/meetings/{nxt.id}"
    html = text_of(organiser_client.get(show))
    assert "Open action items from earlier meetings" in html
    assert "Programme for the Robotics Day" in html and "Already handled" not in html
    # Closed from the next meeting's page, which the organiser returns to.
    response = post_form(organiser_client, f"/manage/meetings/{held.meeting.id}/record/actions/{open_item.id}/done",
                         {"next": f"{show}#open-actions-title"}, form_url=show)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{show}#open-actions-title")
    db.session.expire_all()
    assert db.session.get(ActionItem, open_item.id).status == "done"
    assert "Open action items from earlier meetings" not in text_of(organiser_client.get(show))


def test_open_actions_of_another_group_are_not_shown(organiser_client, held):
    add_action_item(held.meeting, "Programme for the Robotics Day", held.bas.id, None)
    db.session.commit()
    strangers = [factories.make_contact() for _ in range(4)]
    other = next_meeting_of(held, [held.katrin, *strangers])  # one in five: not the same group
    assert "Programme for the Robotics Day" not in text_of(organiser_client.get(f"/manage/meetings/{other.id}"))
    earlier = factories.make_meeting(starts_at=held.meeting.starts_at + timedelta(days=400))
    assert "Programme for the Robotics Day" not in text_of(
        organiser_client.get(f"/manage/meetings/{held.meeting.id}"))  # own items are not "earlier"
    assert earlier.id


def test_later_meetings_actions_are_not_earlier(organiser_client, held):
    later = next_meeting_of(held, [held.katrin, held.bas, held.pieter])
    add_action_item(later, "From the future", held.bas.id, None)
    db.session.commit()
    assert "From the future" not in text_of(organiser_client.get(f"/manage/meetings/{held.meeting.id}"))
    assert datetime.now(timezone.utc)
