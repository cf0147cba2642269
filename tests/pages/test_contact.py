"""The contact form through the test client: CSRF, the trap for bots, the rate limit, the
message kept first, mailed to CONTACT_EMAIL with Reply-To the sender, an acknowledgement in
the sender's language, nothing lost while the mail server is down."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from meetings.extensions import db
from meetings.mail.delivery import deliver_due
from meetings.mail.models import OutboxMessage, OutboxStatus
from meetings.pages.models import ContactMessage
from tests.factories import PASSWORD
from tests.helpers import login, post_form, text_of
from tests.mail.conftest import closed_port, manual_app, smtp_server, stop_background, use_mail_server  # noqa: F401
from tests.mail.smtp import SMTPServer
from tests.site.test_email_languages import parts

FORM = {"name": "Jürgen Weiß", "email": "juergen@example.de", "organisation": "IHK Nord Westfalen",
        "subject": "Robotics day", "message": "Can we present our project?\nThanks.", "consent": "y"}


def send(client, language: str = "en", **changes):
    data = {**FORM, "language": language, **changes}
    return post_form(client, f"/contact?lang={language}", data, form_url=f"/contact?lang={language}")


def messages() -> list[ContactMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(ContactMessage)))


def test_the_form_has_labelled_fields_and_a_csrf_token(client):
    html = text_of(client.get("/contact"))
    for label in ("Name", "Email", "Organisation (optional)", "Subject", "Message"):
        assert f">{label}</label>" in html, label
    assert 'name="csrf_token"' in html and 'href="/privacy"' in html


def test_a_message_is_kept_and_both_emails_are_queued(client, app):
    response = send(client)
    assert response.status_code == 303 and response.headers["Location"].endswith("/contact/sent")
    [message] = messages()
    assert (message.name, message.email, message.organisation, message.language) == (
        "Jürgen Weiß", "juergen@example.de", "IHK Nord Westfalen", "en")
    queued = {m.kind: m for m in db.session.scalars(select(OutboxMessage))}
    assert queued["contact_message"].to_email == app.config["CONTACT_EMAIL"] == "cluster@meetings.test"
    assert queued["contact_message"].reply_to == "juergen@example.de"
    assert queued["contact_acknowledgement"].to_email == "juergen@example.de"


def test_without_csrf_token_nothing_is_kept(client):
    response = client.post("/contact", data=FORM)
    assert response.status_code == 400
    assert messages() == []


@pytest.mark.parametrize("field,value,error", [
    ("name", "  ", "Please enter your name."),
    ("email", "not-an-address", "Please enter a valid email address, such as name@example.org."),
    ("email", "a@example.org\r\nBcc: x@example.org", None),
    ("subject", "", "Please enter a subject."),
    ("message", " ", "Please write your message."),
    ("consent", None, "Please agree to the privacy statement to send your message."),
])
def test_bad_input_is_refused_at_the_field(client, field, value, error):
    data = dict(FORM)
    if value is None:
        del data[field]
    else:
        data[field] = value
    response = post_form(client, "/contact", data)
    assert response.status_code == 422
    if error:
        assert error in text_of(response)
    assert 'aria-invalid="true"' in text_of(response)
    assert messages() == [] and db.session.scalars(select(OutboxMessage)).all() == []


def test_a_filled_trap_field_keeps_nothing_but_looks_the_same(client):
    response = send(client, homepage="https://spam.example")
    assert response.status_code == 303 and response.headers["Location"].endswith("/contact/sent")
    assert messages() == [] and db.session.scalars(select(OutboxMessage)).all() == []


def test_contact_posts_are_rate_limited_per_address(client):
    codes = [send(client, subject=f"Question {n}").status_code for n in range(11)]
    assert codes == [303] * 10 + [429]
    assert len(messages()) == 10


def test_mail_reaches_the_configured_address_with_reply_to(manual_app, smtp_server, client):
    manual_app.config["CONTACT_EMAIL"] = "office@cluster.example"
    send(client)
    deliver_due()
    received = {r.rcpt_tos[0]: r.message for r in smtp_server.recorder.wait_for(2)}
    office = received["office@cluster.example"]
    assert office["Reply-To"] == "juergen@example.de"
    subject, text, html, _ = parts(office)
    assert subject == "Contact form: Robotics day"
    assert "Can we present our project?" in text and "IHK Nord Westfalen" in text
    ack = received["juergen@example.de"]
    assert parts(ack)[0] == "We received your message: Robotics day"


@pytest.mark.parametrize("language,subject,greeting", [
    ("de", "Wir haben Ihre Nachricht erhalten: Robotics day", "Guten Tag Jürgen Weiß,"),
    ("nl", "We hebben uw bericht ontvangen: Robotics day", "Beste Jürgen Weiß,"),
])
def test_the_acknowledgement_is_in_the_senders_language(manual_app, smtp_server, client, language, subject,
                                                         greeting):
    send(client, language)
    deliver_due()
    received = {r.rcpt_tos[0]: r.message for r in smtp_server.recorder.wait_for(2)}
    ack = received["juergen@example.de"]
    assert ack["Content-Language"] == language
    ack_subject, text, html, _ = parts(ack)
    assert ack_subject == subject and text.startswith(greeting) and f'lang="{language}"' in html


@pytest.mark.parametrize("field", ["name", "subject"])
def test_a_header_in_the_name_or_subject_is_refused(client, field):
    response = send(client, **{field: "Eve\r\nBcc: x@example.org"})
    assert response.status_code == 422
    assert messages() == [] and db.session.scalars(select(OutboxMessage)).all() == []


def test_the_page_language_is_the_preferred_one(client):
    assert '<option selected value="de">' in text_of(client.get("/contact?lang=de"))


def test_a_mail_server_that_is_down_loses_nothing(app, stop_background, closed_port, client):
    use_mail_server(app, closed_port, MAIL_DELIVER_AFTER_COMMIT=False)
    send(client)
    deliver_due()
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert len(rows) == 2 and all(row.status != OutboxStatus.SENT for row in rows)
    assert len(messages()) == 1
    server = SMTPServer(port=closed_port).start()
    try:
        deliver_due(include_not_due=True)
        assert {r.rcpt_tos[0] for r in server.recorder.wait_for(2)} == {"cluster@meetings.test", "juergen@example.de"}
    finally:
        server.stop()


def test_organisers_read_the_messages(client, organiser):
    send(client)
    login(client, organiser.email, PASSWORD)
    listing = text_of(client.get("/manage/site/messages"))
    [message] = messages()
    assert "Robotics day" in listing and f"/manage/site/messages/{message.id}" in listing
    detail = text_of(client.get(f"/manage/site/messages/{message.id}"))
    assert "Can we present our project?" in detail and "mailto:juergen@example.de" in detail
    assert client.get("/manage/site/messages/99999").status_code == 404
