"""The organiser's outbox pages: list, filters, detail, downloads, retry."""
from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from meetings.extensions import db
from meetings.mail.runner import background_delivery
from meetings.mail.models import FAILED, QUEUED, SENT
from tests.helpers import post_form, text_of
from tests.mail.conftest import use_mail_server
from tests.mail.helpers import calendar, fresh, queue

HTML = ("<html><body><p>Hello <b>Anna</b></p><script>parent.document.title='pwned'</script>"
        "<img src=\"https://tracker.example/pixel.gif\" alt=\"\"></body></html>")


def make_messages():
    sent = queue(to_email="sent@example.org", subject="Already out")
    failed = queue(to_email="gone@example.org", subject="Refused one")
    waiting = queue(to_email="later@example.org", subject="Waiting one", html_body=HTML, ics=calendar(),
                    kind="invitation")
    sent.status, sent.attempts = SENT, 1
    failed.status, failed.attempts, failed.last_error, failed.next_attempt_at = (
        FAILED, 1, "Recipient refused: gone@example.org: 550 No such user", None)
    db.session.commit()
    return sent, failed, waiting


@pytest.mark.parametrize("path", ["/manage/mail/", "/manage/mail/1", "/manage/mail/1/message.eml",
                                  "/manage/mail/1/invite.ics", "/manage/mail/1/body.html"])
def test_login_required(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_post_needs_login(client):
    assert client.post("/manage/mail/1/retry").status_code in (302, 400)


def test_list_shows_every_message_with_its_state(organiser_client):
    sent, failed, waiting = make_messages()
    html = text_of(organiser_client.get("/manage/mail/"))
    for message in (sent, failed, waiting):
        assert message.subject in html
        assert message.to_email in html
    assert "550 No such user" in html
    assert '<progress id="mail-progress" class="mail-progress" max="3" value="1">' in html
    assert "1 of 3 messages sent" in html
    assert "invitation" in html


def test_filter_by_state(organiser_client):
    make_messages()
    html = text_of(organiser_client.get("/manage/mail/?status=failed"))
    assert "Refused one" in html
    assert "Already out" not in html and "Waiting one" not in html
    assert organiser_client.get("/manage/mail/?status=bogus").status_code == 404


def test_notice_without_mail_server(organiser_client):
    html = text_of(organiser_client.get("/manage/mail/"))
    assert "messages are kept here until a mail server is configured" in html
    assert "Send all queued now" not in html


def test_detail_shows_text_sandboxed_html_and_downloads(organiser_client):
    _, _, waiting = make_messages()
    html = text_of(organiser_client.get(f"/manage/mail/{waiting.id}"))
    assert "Hello Anna," in html and "see you on Thursday." in html
    assert f'<iframe class="mail-frame" sandbox src="/manage/mail/{waiting.id}/body.html"' in html
    assert "&lt;script&gt;parent.document.title" in html  # source shown escaped
    assert "<script>parent" not in html
    assert f'href="/manage/mail/{waiting.id}/invite.ics"' in html
    assert f'href="/manage/mail/{waiting.id}/message.eml"' in html
    assert "Retry now" in html


def test_html_body_is_served_under_a_strict_policy(organiser_client):
    _, _, waiting = make_messages()
    response = organiser_client.get(f"/manage/mail/{waiting.id}/body.html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "style-src 'unsafe-inline'" in csp and "sandbox" in csp
    assert "script-src" not in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_html_body_missing_is_404(organiser_client):
    sent, _, _ = make_messages()
    assert organiser_client.get(f"/manage/mail/{sent.id}/body.html").status_code == 404
    assert organiser_client.get(f"/manage/mail/{sent.id}/invite.ics").status_code == 404


def test_ics_download(organiser_client):
    _, _, waiting = make_messages()
    response = organiser_client.get(f"/manage/mail/{waiting.id}/invite.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert 'filename="invite.ics"' in response.headers["Content-Disposition"]
    assert response.get_data() == calendar().encode("utf-8")


def test_eml_download_is_the_whole_email(organiser_client):
    _, _, waiting = make_messages()
    response = organiser_client.get(f"/manage/mail/{waiting.id}/message.eml")
    assert response.status_code == 200
    assert response.mimetype == "message/rfc822"
    assert f'filename="message-{waiting.id}.eml"' in response.headers["Content-Disposition"]
    email = message_from_bytes(response.get_data(), policy=policy.default)
    assert email["To"].addresses[0].addr_spec == "later@example.org"
    assert email["Message-ID"] == waiting.message_id
    assert email.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in email.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar", "application/ics"]


def test_unknown_message_is_404(organiser_client):
    for path in ("/manage/mail/999", "/manage/mail/999/message.eml", "/manage/mail/999/invite.ics"):
        assert organiser_client.get(path).status_code == 404


def test_retry_button_queues_a_failed_message(organiser_client):
    _, failed, _ = make_messages()
    response = post_form(organiser_client, f"/manage/mail/{failed.id}/retry", form_url=f"/manage/mail/{failed.id}")
    assert response.status_code == 302
    row = fresh(failed.id)
    assert row.status == QUEUED and row.next_attempt_at is not None
    page = text_of(organiser_client.get(response.headers["Location"]))
    assert "It will be sent once a mail server is configured." in page


def test_retry_without_csrf_token_is_refused(organiser_client):
    _, failed, _ = make_messages()
    assert organiser_client.post(f"/manage/mail/{failed.id}/retry").status_code == 400
    assert fresh(failed.id).status == FAILED


def test_sent_message_cannot_be_retried(organiser_client):
    sent, _, waiting = make_messages()
    html = text_of(organiser_client.get(f"/manage/mail/{sent.id}"))
    assert "Retry now" not in html
    response = post_form(organiser_client, f"/manage/mail/{sent.id}/retry", form_url=f"/manage/mail/{waiting.id}")
    assert response.status_code == 303
    assert fresh(sent.id).status == SENT and fresh(sent.id).attempts == 1


def test_retry_now_sends_when_a_server_is_configured(app, organiser_client, smtp_server, stop_background):
    _, failed, _ = make_messages()
    use_mail_server(app, smtp_server.port, MAIL_DELIVER_AFTER_COMMIT=False)
    smtp_server.recorder.refuse.clear()
    post_form(organiser_client, f"/manage/mail/{failed.id}/retry", form_url=f"/manage/mail/{failed.id}")
    assert background_delivery(app).wait_idle()
    # The run takes everything due: the retried message and the one still waiting.
    received = smtp_server.recorder.wait_for(2)
    assert sorted(r.rcpt_tos[0] for r in received) == ["gone@example.org", "later@example.org"]
    assert fresh(failed.id).status == SENT


def test_send_all_queued_now(app, organiser_client, smtp_server, stop_background):
    use_mail_server(app, smtp_server.port, MAIL_DELIVER_AFTER_COMMIT=False)
    ids = [queue(to_email=f"p{n}@example.org").id for n in range(3)]
    db.session.commit()
    html = text_of(organiser_client.get("/manage/mail/"))
    assert "Send all queued now" in html
    assert "until a mail server is configured" not in html
    response = post_form(organiser_client, "/manage/mail/send", form_url="/manage/mail/")
    assert response.status_code == 302
    assert background_delivery(app).wait_idle()
    smtp_server.recorder.wait_for(3)
    assert {fresh(i).status for i in ids} == {SENT}
    assert "Delivery of 3 queued messages has started." in text_of(organiser_client.get("/manage/mail/"))


def test_send_all_without_server_is_refused(organiser_client):
    queue()
    db.session.commit()
    response = post_form(organiser_client, "/manage/mail/send", form_url="/manage/mail/")
    assert response.status_code == 303
    assert "until a mail server is configured" in text_of(organiser_client.get("/manage/mail/"))
