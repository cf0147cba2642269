"""The personal manage page: see, change answers, cancel; the first waiting person moves up."""
from __future__ import annotations

from icalendar import Calendar

from meetings.extensions import db
from meetings.registration.models import RegistrationQuestion
from tests.helpers import csrf_token_from, post_form, text_of
from tests.registration.helpers import (confirm, confirm_token, form_values, outbox, person, register,
                                        register_and_confirm)


def sequence_of(ics: str) -> int:
    return int(next(iter(Calendar.from_ical(ics).walk("VEVENT")))["SEQUENCE"])


def cancel(client, token: str):
    """Cancel as a person does: the manage page's link, then the confirmation page's button."""
    page = f"/registrations/{token}/cancel"
    return post_form(client, page, {"confirm": "yes"}, form_url=page)


def fill(event, client, *emails):
    return [register_and_confirm(client, event, email=email)[1] for email in emails]


def test_manage_page_shows_the_registration_and_changes_answers(client, event):
    question = RegistrationQuestion(meeting_id=event.id, label="Which track?", kind="single_choice",
                                    choices="Robots\nAI", required=True)
    db.session.add(question)
    db.session.commit()
    register_and_confirm(client, event, **{f"q_{question.id}": "AI", "dietary": "vegan"})
    anna = person(event, "anna@example.org")
    url = f"/registrations/{anna.token}"
    html = text_of(client.get(url))
    assert "You are registered." in html and "anna@example.org" in html
    values = form_values(html, url)
    assert values["name"] == "Anna Jansen" and values["dietary"] == "vegan"
    assert values[f"q_{question.id}"] == ["AI"]
    values.update({"name": "Anna Jansen-Smit", "dietary": "", f"q_{question.id}": "Robots", "language": "de"})
    response = client.post(url, data=values)
    assert response.status_code == 303
    page = text_of(client.get(url))
    assert "Your changes are saved." in page
    # From now on the person's pages and emails speak German.
    assert '<html lang="de">' in page
    anna = person(event, "anna@example.org")
    assert (anna.name, anna.dietary, anna.language, anna.status) == ("Anna Jansen-Smit", None, "de", "registered")
    assert form_values(text_of(client.get(url)), url)[f"q_{question.id}"] == ["Robots"]


def test_bad_changes_are_refused_at_the_field(client, event):
    _, anna = register_and_confirm(client, event)
    url = f"/registrations/{anna.token}"
    values = form_values(text_of(client.get(url)), url)
    response = client.post(url, data={**values, "name": ""})
    assert response.status_code == 422
    assert 'id="name-error">Please enter your name.' in text_of(response)
    assert person(event, "anna@example.org").name == "Anna Jansen"


def test_cancelling_frees_the_seat_and_the_first_waiting_person_moves_up_with_an_email(client, event):
    a, b, c, d = fill(event, client, "a@example.org", "b@example.org", "c@example.org", "d@example.org")
    assert (c.status, c.waitlist_position, d.waitlist_position) == ("waiting", 1, 2)
    sequence = event.sequence
    response = cancel(client, a.token)
    assert response.status_code == 303
    assert "Your registration is cancelled." in text_of(client.get(response.headers["Location"]))
    assert person(event, "a@example.org").status == "cancelled"
    c, d = person(event, "c@example.org"), person(event, "d@example.org")
    assert (c.status, c.waitlist_position) == ("registered", None)
    assert (d.status, d.waitlist_position) == ("waiting", 1)
    # The canceller's calendar entry goes away...
    [gone] = outbox("registration_cancelled")
    assert gone.to_email == "a@example.org" and gone.ics_method == "CANCEL"
    assert sequence_of(gone.ics) == sequence + 1
    assert "STATUS:CANCELLED" in gone.ics
    # ...and the person who moved up is told, with the invitation attached.
    [promoted] = outbox("registration_promoted")
    assert promoted.to_email == "c@example.org" and promoted.ics_method == "REQUEST"
    assert "a place became free and you moved up" in promoted.text_body
    assert f"http://meetings.test/registrations/{c.token}" in promoted.text_body
    assert "You are registered." in text_of(client.get(f"/registrations/{c.token}"))


def test_a_waiting_person_cancelling_closes_the_gap(client, event):
    fill(event, client, "a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org")
    cancel(client, person(event, "d@example.org").token)
    assert [person(event, f"{x}@example.org").waitlist_position for x in "ce"] == [1, 2]
    [gone] = outbox("registration_cancelled")
    # Nobody moved up, and a waiting place was never in the calendar: no CANCEL.
    assert gone.ics is None and outbox("registration_promoted") == []
    assert "removed from your calendar" not in gone.text_body


def test_a_pending_registration_can_be_cancelled_without_an_email(client, event):
    register(client, event)
    token = confirm_token("anna@example.org")
    assert cancel(client, token).status_code == 303
    assert person(event, "anna@example.org").status == "cancelled"
    assert outbox("registration_cancelled") == []
    page = client.get(f"/registrations/{token}/confirm")
    assert "This registration was cancelled." in text_of(page)


def test_cancelling_twice_says_it_is_already_cancelled(client, event):
    _, anna = register_and_confirm(client, event)
    url = f"/registrations/{anna.token}"
    token = csrf_token_from(text_of(client.get(url)))
    assert client.post(f"{url}/cancel", data={"csrf_token": token, "confirm": "yes"}).status_code == 303
    again = client.post(f"{url}/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert again.status_code == 303
    html = text_of(client.get(url))
    assert "This registration was cancelled." in html
    assert "Cancel my registration" not in html
    assert len(outbox("registration_cancelled")) == 1


def test_cancel_without_csrf_token_is_refused(client, event):
    _, anna = register_and_confirm(client, event)
    assert client.post(f"/registrations/{anna.token}/cancel").status_code == 400
    assert person(event, "anna@example.org").status == "registered"


def test_registering_again_after_cancelling_sends_a_request_above_the_cancel(client, event):
    _, anna = register_and_confirm(client, event)
    cancel(client, anna.token)
    [gone] = outbox("registration_cancelled")
    old_token = anna.token
    response, anna = register_and_confirm(client, event)
    assert response.status_code == 303 and anna.status == "registered" and anna.token != old_token
    assert client.get(f"/registrations/{old_token}").status_code == 404
    requests = outbox("registration_confirmed")
    assert len(requests) == 2
    assert sequence_of(requests[-1].ics) > sequence_of(gone.ics)


def test_changes_to_a_cancelled_registration_are_refused(client, event):
    _, anna = register_and_confirm(client, event)
    url = f"/registrations/{anna.token}"
    values = form_values(text_of(client.get(url)), url)
    cancel(client, anna.token)
    response = client.post(url, data={**values, "name": "Someone Else"})
    assert response.status_code == 303
    assert "This registration was cancelled." in text_of(client.get(url))
    assert person(event, "anna@example.org").name == "Anna Jansen"


def test_confirm_link_of_a_waiting_person_shows_the_position(client, event):
    fill(event, client, "a@example.org", "b@example.org")
    register(client, event, email="w@example.org")
    token = confirm_token("w@example.org")
    confirm(client, token)
    html = text_of(client.get(f"/registrations/{token}"))
    assert "You are on the waiting list, number 1." in html


def assert_personal(response) -> None:
    """What every answer of a personal page carries: kept by no cache, listed by no search engine."""
    assert response.headers["Cache-Control"] == "no-store", response.headers.get("Cache-Control")
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_personal_pages_are_kept_by_no_cache_and_listed_by_no_search_engine(client, event):
    register(client, event)
    token = confirm_token("anna@example.org")
    page = client.get(f"/registrations/{token}/confirm")
    assert page.status_code == 200
    assert_personal(page)
    confirmed = client.post(f"/registrations/{token}/confirm", data={"csrf_token": csrf_token_from(text_of(page))})
    assert confirmed.status_code == 303
    assert_personal(confirmed)
    manage = client.get(f"/registrations/{token}")
    assert manage.status_code == 200
    assert_personal(manage)
    values = form_values(text_of(manage), f"/registrations/{token}")
    refused = client.post(f"/registrations/{token}", data={**values, "name": ""})
    assert refused.status_code == 422
    assert_personal(refused)
    cancelled = cancel(client, token)
    assert cancelled.status_code == 303
    assert_personal(cancelled)
    # The public pages are for everyone, and for search engines too.
    public = client.get("/events/robotics-day")
    assert "X-Robots-Tag" not in public.headers and "no-store" not in public.headers.get("Cache-Control", "")


def test_cancelling_asks_for_confirmation_first(client, event):
    _, anna = register_and_confirm(client, event)
    url = f"/registrations/{anna.token}"
    manage = text_of(client.get(url))
    # The manage page links to the question; it holds no form that cancels at once.
    assert f'href="{url}/cancel"' in manage and f'action="{url}/cancel"' not in manage
    page = client.get(f"{url}/cancel")
    assert page.status_code == 200
    html = text_of(page)
    assert "Cancel your registration?" in html and "Yes, cancel my registration" in html
    assert "the next person on the waiting list gets it" in html
    assert person(event, "anna@example.org").status == "registered"
    # A POST without the confirmation (an old one-click form, a link checker) only asks again.
    token = csrf_token_from(html)
    asked = client.post(f"{url}/cancel", data={"csrf_token": token})
    assert asked.status_code == 200 and "Yes, cancel my registration" in text_of(asked)
    assert person(event, "anna@example.org").status == "registered"
    assert outbox("registration_cancelled") == []
    assert cancel(client, anna.token).status_code == 303
    assert person(event, "anna@example.org").status == "cancelled"


def test_the_cancel_page_of_a_cancelled_registration_sends_back(client, event):
    _, anna = register_and_confirm(client, event)
    cancel(client, anna.token)
    response = client.get(f"/registrations/{anna.token}/cancel")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/registrations/{anna.token}")
    assert "This registration was cancelled." in text_of(client.get(response.headers["Location"]))
