"""Organisers write, preview, publish (now or at a set time) and take back posts, and
can tell those who attended, each in their language, through the outbox."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from meetings.blog.models import Post
from meetings.blog.services import create_followup_post
from meetings.extensions import db
from meetings.mail.models import OutboxMessage
from tests import factories
from tests.blog.helpers import held_with_minutes, make_post
from tests.helpers import post_form, text_of


def post_data(**overrides):
    data = {"title": "Robotics Day announced", "slug": "", "body": "The cluster holds a **Robotics Day**.",
            "language": "en"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("url", ["/manage/posts/", "/manage/posts/new", "/manage/posts/1"])
def test_post_pages_need_an_organiser(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_write_a_new_post(organiser_client):
    response = post_form(organiser_client, "/manage/posts/new", post_data())
    post = db.session.scalar(select(Post))
    assert response.status_code == 302 and response.headers["Location"] == f"/manage/posts/{post.id}"
    assert (post.title, post.slug, post.status, post.published_at) == \
        ("Robotics Day announced", "robotics-day-announced", "draft", None)
    listing = text_of(organiser_client.get("/manage/posts/"))
    assert "Robotics Day announced" in listing and "Draft" in listing


def test_preview_renders_the_markdown_and_saves_nothing(organiser_client):
    post = make_post("Old title", status="draft", body="old")
    url = f"/manage/posts/{post.id}"
    response = post_form(organiser_client, url, post_data(title="New title", body="A **bold** plan.", preview="1"))
    assert response.status_code == 200
    html = text_of(response)
    assert 'id="preview-title"' in html and "A <strong>bold</strong> plan." in html
    assert 'value="New title"' in html  # the form keeps what was typed
    db.session.expire_all()
    assert (db.session.get(Post, post.id).title, db.session.get(Post, post.id).body) == ("Old title", "old")


def test_edit_and_save(organiser_client):
    post = make_post("Old title", status="draft")
    response = post_form(organiser_client, f"/manage/posts/{post.id}",
                         post_data(title="New title", slug="new-address", body="New text", language="de", save="1"))
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert (post.title, post.slug, post.body, post.language) == ("New title", "new-address", "New text", "de")


@pytest.mark.parametrize("field,value,message", [
    ("title", "", "Please enter a title."),
    ("title", "x" * 201, "Field cannot be longer than 200 characters."),
    ("title", "Two\nlines", "Line breaks and control characters are not allowed here."),
    ("slug", "Not A Slug", "Use lower-case letters, digits and hyphens only."),
    ("slug", "x" * 121, "Field cannot be longer than 120 characters."),
    ("body", "", "Please write the text of the post."),
    ("body", "x" * 50001, "Field cannot be longer than 50000 characters."),
    ("language", "fr", "Not a valid choice."),
])
def test_invalid_post_is_refused_at_the_field(organiser_client, field, value, message):
    response = post_form(organiser_client, "/manage/posts/new", post_data(**{field: value}))
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html and message in html
    assert db.session.scalar(select(Post)) is None


def test_an_address_in_use_is_refused(organiser_client):
    make_post("Taken", slug="taken")
    response = post_form(organiser_client, "/manage/posts/new", post_data(slug="taken"))
    assert response.status_code == 422
    assert "Another post already uses this address." in text_of(response)
    assert db.session.scalar(select(Post).where(Post.title == "Robotics Day announced")) is None


def test_a_title_like_another_gets_a_unique_address(organiser_client):
    make_post("Robotics Day announced", slug="robotics-day-announced")
    post_form(organiser_client, "/manage/posts/new", post_data())
    assert sorted(db.session.scalars(select(Post.slug))) == ["robotics-day-announced", "robotics-day-announced-2"]


def publish_url(post):
    return f"/manage/posts/{post.id}/publish"


def test_publish_now(organiser_client, client):
    post = make_post("Fresh news", status="draft")
    response = post_form(organiser_client, publish_url(post), {"when": "now"}, form_url=f"/manage/posts/{post.id}")
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post.status == "published" and post.is_visible()
    assert (datetime.now(timezone.utc) - post.published_at) < timedelta(minutes=1)
    assert "Post published." in text_of(organiser_client.get(response.headers["Location"]))
    assert "Fresh news" in text_of(client.get("/blog/"))


def test_publishing_again_keeps_the_date(organiser_client):
    post = make_post("Old news", days_ago=10)
    first = post.published_at
    post_form(organiser_client, publish_url(post), {"when": "now"}, form_url=f"/manage/posts/{post.id}")
    db.session.expire_all()
    assert db.session.get(Post, post.id).published_at == first


def test_publish_at_a_set_time_in_the_meeting_zone(organiser_client):
    held = held_with_minutes()
    post = create_followup_post(held.meeting, "en")
    db.session.commit()
    day = (datetime.now(timezone.utc) + timedelta(days=20)).date()
    response = post_form(organiser_client, publish_url(post),
                         {"when": "later", "publish_date": day.isoformat(), "publish_time": "09:30"},
                         form_url=f"/manage/posts/{post.id}")
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post.status == "scheduled" and not post.is_visible()
    local = post.published_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (local.date(), local.hour, local.minute) == (day, 9, 30)
    # Not public until then; once the time has come, it is (no scheduler needed).
    assert organiser_client.get(f"/blog/{post.slug}").status_code == 404
    post.published_at = post.publish_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()
    assert organiser_client.get(f"/blog/{post.slug}").status_code == 200


@pytest.mark.parametrize("data,field,message", [
    ({"when": "later", "publish_date": "", "publish_time": "09:00"}, "publish_date", "Please enter the date to publish on."),
    ({"when": "later", "publish_date": "2031-05-01", "publish_time": ""}, "publish_time", "Please enter the time to publish at."),
    ({"when": "later", "publish_date": "1 May", "publish_time": "09:00"}, "publish_date", "Not a valid date value."),
    ({"when": "later", "publish_date": "2031-03-30", "publish_time": "02:30"}, "publish_time", "daylight saving"),
    ({"when": "sometime"}, "when", "Not a valid choice."),
])
def test_invalid_publishing_is_refused(organiser_client, data, field, message):
    post = make_post("Waiting", status="draft")
    response = post_form(organiser_client, publish_url(post), data, form_url=f"/manage/posts/{post.id}")
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html and message in html
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "draft"


def test_take_off_the_blog_and_delete(organiser_client, client):
    post = make_post("Withdrawn")
    assert client.get("/blog/withdrawn").status_code == 200
    post_form(organiser_client, f"/manage/posts/{post.id}/unpublish", form_url=f"/manage/posts/{post.id}")
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "draft"
    assert client.get("/blog/withdrawn").status_code == 404
    delete_url = f"/manage/posts/{post.id}/delete"
    post_form(organiser_client, delete_url, {"confirm": "yes"}, form_url=delete_url)
    db.session.expire_all()
    assert db.session.get(Post, post.id) is None


def test_deleting_asks_for_confirmation_first(organiser_client, client):
    meeting = factories.make_meeting(title="Kick-off", status="held")
    post = make_post("Going soon", meeting=meeting)
    delete_url = f"/manage/posts/{post.id}/delete"
    # The editor offers a link to the question, not a button that deletes.
    editor = text_of(organiser_client.get(f"/manage/posts/{post.id}"))
    assert f'<a class="button button-danger" href="{delete_url}">Delete this post</a>' in editor
    assert f'action="{delete_url}"' not in editor
    question = organiser_client.get(delete_url)
    html = text_of(question)
    assert question.status_code == 200 and "Delete the post “Going soon”?" in html
    assert "The post is on the blog now" in html and "Follow-up of Kick-off" in html
    assert f'action="{delete_url}"' in html and 'name="confirm"' in html and 'name="csrf_token"' in html
    assert f'href="/manage/posts/{post.id}">Keep the post</a>' in html
    # A bare one-click post (without the confirmation page's answer) only shows the question.
    response = post_form(organiser_client, delete_url, form_url=f"/manage/posts/{post.id}")
    assert response.status_code == 200 and "Delete the post “Going soon”?" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Post, post.id) is not None and client.get("/blog/going-soon").status_code == 200
    response = post_form(organiser_client, delete_url, {"confirm": "yes"})
    assert response.status_code == 302 and response.headers["Location"] == "/manage/posts/"
    db.session.expire_all()
    assert db.session.get(Post, post.id) is None and client.get("/blog/going-soon").status_code == 404


def test_deleting_needs_an_organiser_and_a_token(app, organiser_client):
    post = make_post("Kept")
    delete_url = f"/manage/posts/{post.id}/delete"
    anonymous = app.test_client()
    assert anonymous.get(delete_url).status_code == 302
    assert post_form(anonymous, delete_url, {"confirm": "yes"}, form_url="/login").status_code == 302
    assert organiser_client.post(delete_url, data={"confirm": "yes"}).status_code == 400
    assert organiser_client.get("/manage/posts/9999/delete").status_code == 404
    db.session.expire_all()
    assert db.session.get(Post, post.id) is not None


def test_unknown_post_is_404(organiser_client):
    assert organiser_client.get("/manage/posts/9999").status_code == 404
    response = post_form(organiser_client, "/manage/posts/9999/publish", {"when": "now"}, form_url="/manage/posts/")
    assert response.status_code == 404


# --- telling those who attended ------------------------------------------------------

def outbox():
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.to_email)))


def test_publish_and_notify_attendees_each_in_their_language(organiser_client):
    held = held_with_minutes()
    walk_in = factories.make_participant(held.meeting, kind="walk_in", name="Wim Walk-in",
                                         email="wim@example.org", language="nl", attended=True)
    factories.make_participant(held.meeting, kind="walk_in", name="No Address", email=None, attended=True)
    post = create_followup_post(held.meeting, "en")
    db.session.commit()
    response = post_form(organiser_client, publish_url(post), {"when": "now", "notify": "y"},
                         form_url=f"/manage/posts/{post.id}")
    assert response.status_code == 302
    assert "4 emails are in the outbox." in text_of(organiser_client.get(response.headers["Location"]))
    messages = outbox()
    # Those present with an address; Olaf stayed away, one walk-in gave none.
    assert [(m.to_email, m.language) for m in messages] == [
        ("bas@saxion.example", "nl"), ("katrin@ihk.example", "de"), ("pieter@utwente.example", "en"),
        (walk_in.email, "nl")]
    link = f"http://meetings.test/blog/{post.slug}"
    for message in messages:
        assert message.kind == "post_published" and message.status == "queued"
        assert link in message.text_body and f'href="{link}"' in message.html_body
    dutch, german, english = messages[0], messages[1], messages[2]
    assert german.subject == f"Nachbericht zu Core Team kick-off meeting: {post.title}"
    assert "Vielen Dank für Ihre Teilnahme" in german.text_body and "Beitrag lesen" in german.html_body
    assert dutch.subject == f"Verslag van Core Team kick-off meeting: {post.title}"
    assert "Hartelijk dank voor uw deelname" in dutch.text_body
    assert english.subject == f"Read about Core Team kick-off meeting: {post.title}"
    assert english.text_body.startswith("Dear Pieter Jansen,")
    # Publishing again and asking again sends nothing twice.
    post_form(organiser_client, publish_url(post), {"when": "now", "notify": "y"}, form_url=f"/manage/posts/{post.id}")
    assert len(outbox()) == 4


def test_without_notify_no_email(organiser_client):
    held = held_with_minutes()
    post = create_followup_post(held.meeting, "en")
    db.session.commit()
    post_form(organiser_client, publish_url(post), {"when": "now"}, form_url=f"/manage/posts/{post.id}")
    assert outbox() == []


def test_emails_of_a_scheduled_post_wait_for_it_and_are_held_back_if_it_is_withdrawn(organiser_client):
    held = held_with_minutes()
    post = create_followup_post(held.meeting, "en")
    db.session.commit()
    day = (datetime.now(timezone.utc) + timedelta(days=5)).date()
    post_form(organiser_client, publish_url(post),
              {"when": "later", "publish_date": day.isoformat(), "publish_time": "08:00", "notify": "y"},
              form_url=f"/manage/posts/{post.id}")
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    messages = outbox()
    assert len(messages) == 3 and all(m.next_attempt_at == post.published_at for m in messages)
    # Moved to a later day: the emails move with it.
    later = day + timedelta(days=2)
    post_form(organiser_client, publish_url(post), {"when": "later", "publish_date": later.isoformat(),
                                                    "publish_time": "08:00"}, form_url=f"/manage/posts/{post.id}")
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert all(m.next_attempt_at == post.published_at for m in outbox())
    # Taken back before it appeared: the emails are held back, visibly.
    post_form(organiser_client, f"/manage/posts/{post.id}/unpublish", form_url=f"/manage/posts/{post.id}")
    db.session.expire_all()
    assert {(m.status, m.next_attempt_at) for m in outbox()} == {("failed", None)}
    assert all("taken off the blog" in m.last_error for m in outbox())
    # Published now and notified again: the same emails go, no duplicates.
    post_form(organiser_client, publish_url(post), {"when": "now", "notify": "y"}, form_url=f"/manage/posts/{post.id}")
    db.session.expire_all()
    assert len(outbox()) == 3 and {m.status for m in outbox()} == {"queued"}
    assert all(m.next_attempt_at <= datetime.now(timezone.utc) for m in outbox())
