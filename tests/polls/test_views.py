"""The poll's pages, through the test client with real POSTs and CSRF on."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings.core.timezones import to_local
from meetings.events.models import Meeting, MeetingStatus
from meetings.extensions import db
from meetings.participants.models import Participant
from meetings.polls import services
from meetings.polls.models import Poll, PollVoter
from meetings.polls.states import PollState
from tests.factories import make_venue
from tests.helpers import get_csrf, post_form, text_of
from tests.invitations.helpers import outbox
from tests.polls.conftest import thursdays


def _rows(days, start="10:00", end="13:00"):
    data = {}
    for n, day in enumerate(days, start=1):
        data.update({f"slot_{n}_date": day.isoformat(), f"slot_{n}_start": start, f"slot_{n}_end": end})
    return data


def _new(client, meeting, data):
    return post_form(client, f"/manage/meetings/{meeting.id}/poll/new", data)


def test_organiser_creates_sends_and_sees_the_matrix(organiser_client, draft, people):
    group = people[0].groups[0]
    response = _new(organiser_client, draft, {**_rows([d.date() for d in thursdays()]), "groups": str(group.id),
                                              "note": "Bitte <b>bald</b>", "hold_dates": "y"})
    assert response.status_code == 303, text_of(response)[:3000]
    poll = db.session.scalars(select(Poll)).one()
    assert len(poll.slots) == 3 and len(poll.voters) == 3 and poll.hold_dates and not poll.show_answers
    page = f"/manage/polls/{poll.id}"
    response = post_form(organiser_client, f"{page}/send", form_url=page)
    assert response.status_code == 303
    assert len(outbox("poll_request")) == 3 and len(outbox("poll_hold")) == 9
    body = text_of(organiser_client.get(page))
    assert 'id="poll-matrix"' in body and "<svg" in body and "Remind them" in body
    assert body.count("Not answered</td>") == 9


def test_a_poll_without_holds_when_unticked(organiser_client, draft, people):
    response = _new(organiser_client, draft, {**_rows([d.date() for d in thursdays()]), "contacts": str(people[0].id)})
    assert response.status_code == 303
    assert db.session.scalars(select(Poll)).one().hold_dates is False


@pytest.mark.parametrize("rows, field, message", [
    ({"slot_1_date": "2020-06-04", "slot_1_start": "10:00", "slot_1_end": "12:00"}, "slot_1_date", "has passed"),
    ({"slot_2_date": "{d1}", "slot_2_start": "10:00", "slot_2_end": "13:00"}, "slot_2_date", "same date and time"),
    ({"slot_2_date": "{d2}", "slot_2_start": "13:00", "slot_2_end": "10:00"}, "slot_2_end", "end must be after"),
    ({"slot_2_date": "{spring}", "slot_2_start": "02:30", "slot_2_end": "04:00"}, "slot_2_start", "does not exist"),
    ({"slot_2_date": "{autumn}", "slot_2_start": "02:30", "slot_2_end": "04:00"}, "slot_2_start", "occurs twice"),
    ({"slot_2_date": "{d2}", "slot_2_start": "", "slot_2_end": "12:00"}, "slot_2_start", "Please enter a time"),
])
def test_bad_slots_are_refused_at_the_field(organiser_client, draft, people, rows, field, message):
    days = [d.date() for d in thursdays()]
    year = days[0].year
    values = {"d1": days[0].isoformat(), "d2": days[1].isoformat(), "spring": f"{year}-03-{_last_sunday(year, 3)}",
              "autumn": f"{year}-10-{_last_sunday(year, 10)}"}
    data = {**_rows(days[:1]), "slot_3_date": days[2].isoformat(), "slot_3_start": "10:00", "slot_3_end": "13:00",
            "contacts": str(people[0].id)}
    data.update({k: v.format(**values) for k, v in rows.items()})
    response = _new(organiser_client, draft, data)
    assert response.status_code == 422
    body = text_of(response)
    error = re.search(rf'id="{field}-error">([^<]*)<', body)
    assert error and message in error.group(1), body[:200]
    assert db.session.scalars(select(Poll)).first() is None


def _last_sunday(year, month):
    from datetime import date
    day = date(year, month + 1, 1) - timedelta(days=1)
    return (day - timedelta(days=(day.weekday() + 1) % 7)).day


def test_one_slot_or_none_is_refused(organiser_client, draft, people):
    response = _new(organiser_client, draft, {**_rows([thursdays()[0].date()]), "contacts": str(people[0].id)})
    assert response.status_code == 422 and "between 2 and 15" in text_of(response)


def test_nobody_chosen_is_refused(organiser_client, draft):
    response = _new(organiser_client, draft, _rows([d.date() for d in thursdays()]))
    assert response.status_code == 422 and "Choose at least one contact" in text_of(response)


def test_organiser_pages_need_login(client, poll):
    assert client.get(f"/manage/polls/{poll.id}").status_code in (302, 401)


def test_missing_csrf_is_refused(organiser_client, poll):
    response = organiser_client.post(f"/manage/polls/{poll.id}/send", data={})
    assert response.status_code == 400
    assert poll.sent_at is None


def _vote_data(poll, *answers, comment=""):
    return {**{f"slot_{s.id}": a for s, a in zip(poll.slots, answers)}, "comment": comment}


def test_voter_answers_in_their_language_and_changes_it(client, poll):
    services.send_poll(poll)
    db.session.commit()
    voter = next(v for v in poll.voters if v.language == "de")
    url = f"/poll/{voter.token}"
    page = client.get(url)
    body = text_of(page)
    assert page.status_code == 200 and "Notfalls" in body and "Meine Antworten speichern" in body
    assert page.headers["Cache-Control"] == "no-store"
    response = post_form(client, url, _vote_data(poll, "yes", "if_need_be", "no", comment="<script>x</script>"))
    assert response.status_code == 303
    response = post_form(client, url, _vote_data(poll, "no", "yes", "no", comment="Passt"))
    assert response.status_code == 303
    db.session.expire_all()
    voter = db.session.get(PollVoter, voter.id)
    assert services.answers_of(voter) == {poll.slots[0].id: "no", poll.slots[1].id: "yes", poll.slots[2].id: "no"}
    assert voter.comment == "Passt"


def test_voter_must_answer_every_slot(client, poll):
    voter = poll.voters[0]
    response = post_form(client, f"/poll/{voter.token}", _vote_data(poll, "yes"))
    assert response.status_code == 422
    assert services.answers_of(voter) == {}


def test_unknown_token_is_404(client, poll):
    assert client.get("/poll/not-a-token").status_code == 404


def test_voting_after_the_choice_is_409_and_the_page_leads_to_the_invitation(client, poll):
    services.send_poll(poll)
    db.session.commit()
    voter = poll.voters[0]
    url = f"/poll/{voter.token}"
    csrf = get_csrf(client, url)
    services.choose(poll, poll.slots[0])
    db.session.commit()
    response = client.post(url, data={**_vote_data(poll, "yes", "yes", "yes"), "csrf_token": csrf})
    assert response.status_code == 409
    assert services.answers_of(voter) == {}
    body = text_of(client.get(url))
    participant = db.session.scalars(select(Participant).where(Participant.email == voter.email)).one()
    assert f"/rsvp/{participant.token}" in body and 'id="chosen-slot"' in body


def test_choosing_twice_gives_the_second_organiser_a_409(organiser_client, poll):
    services.send_poll(poll)
    db.session.commit()
    page = f"/manage/polls/{poll.id}"
    csrf = get_csrf(organiser_client, page)
    first = organiser_client.post(f"{page}/choose/{poll.slots[1].id}", data={"csrf_token": csrf})
    assert first.status_code == 303
    second = organiser_client.post(f"{page}/choose/{poll.slots[0].id}", data={"csrf_token": csrf})
    assert second.status_code == 409 and "a date has been chosen" in text_of(second)
    db.session.expire_all()
    meeting = db.session.get(Meeting, poll.meeting_id)
    assert meeting.starts_at == poll.slots[1].starts_at and meeting.status == MeetingStatus.SCHEDULED
    assert len(outbox("invitation")) == 3


def test_remind_from_the_page_shows_when(organiser_client, poll):
    services.send_poll(poll)
    db.session.commit()
    page = f"/manage/polls/{poll.id}"
    response = post_form(organiser_client, f"{page}/remind", form_url=page)
    assert response.status_code == 303
    assert len(outbox("poll_reminder")) == 3
    assert text_of(organiser_client.get(page)).count("(reminded ") == 3


def test_cancel_asks_first_then_tells_everyone(organiser_client, poll):
    services.send_poll(poll)
    db.session.commit()
    url = f"/manage/polls/{poll.id}/cancel"
    assert post_form(organiser_client, url, {}).status_code == 422
    assert post_form(organiser_client, url, {"confirm": "y", "note": "Sorry"}).status_code == 303
    assert db.session.get(Poll, poll.id).state == PollState.CANCELLED
    assert len(outbox("poll_cancelled")) == 3


def test_new_meeting_with_date_to_be_found(organiser_client, app):
    venue = make_venue(name="Mechatronic Institute Bocholt", timezone="Europe/Berlin")
    response = post_form(organiser_client, "/manage/polls/new-meeting",
                         {"title": "Summer meeting", "venue_id": str(venue.id)})
    assert response.status_code == 303
    meeting = db.session.scalars(select(Meeting)).one()
    assert meeting.status == MeetingStatus.DRAFT and meeting.timezone == "Europe/Berlin"
    assert response.headers["Location"].endswith(f"/manage/meetings/{meeting.id}/poll/new")
    assert organiser_client.get(response.headers["Location"]).status_code == 200


def test_slots_are_shown_in_the_meetings_zone(client, poll):
    voter = poll.voters[0]
    body = text_of(client.get(f"/poll/{voter.token}"))
    local = to_local(poll.slots[0].starts_at, "Europe/Berlin")
    assert local.strftime("%H:%M") == "10:00" and "10:00" in body and "Europe/Berlin" in body
