"""``POST /inbound/mail``: the HTTP door, through the test client and once through gunicorn."""
from __future__ import annotations

import http.client
import io
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.inbound.models import InboundMessage
from meetings.inbound.states import InboundState
from tests.inbound.conftest import INBOUND, WEBHOOK_SECRET, crlf, reply_to
from tests.inbound.replies import mail, reply_calendar
from tests.registration.live import ROOT, _wait_until_serving, free_port


def post(client, raw: bytes, *, secret: str | None = WEBHOOK_SECRET, content_type: str = "message/rfc822",
         recipient: str | None = None, **headers):
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return client.post("/inbound/mail", data=raw, content_type=content_type, headers=headers,
                       query_string={"recipient": recipient} if recipient is not None else None)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(InboundMessage))


def test_a_reply_is_stored_applied_and_answered_202(sent, webhook, client):
    meeting, (anna, *_) = sent
    raw = crlf(mail(reply_calendar(meeting.uid, anna.email), to=reply_to(anna)))
    response = post(client, raw, recipient=reply_to(anna))
    assert response.status_code == 202, response.get_data(as_text=True)
    (message,) = db.session.scalars(select(InboundMessage))
    assert response.get_json() == {"id": message.id, "state": "applied"}
    assert response.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in response.headers
    assert (message.door, message.recipient, message.raw) == ("http", reply_to(anna), raw)
    db.session.refresh(anna)
    assert anna.status == "accepted"


def test_the_same_message_twice_gets_the_same_id_and_is_applied_once(sent, webhook, client):
    meeting, (anna, *_) = sent
    raw = mail(reply_calendar(meeting.uid, anna.email), to=reply_to(anna))
    first, again = post(client, raw), post(client, raw)
    assert first.status_code == again.status_code == 202
    assert first.get_json() == again.get_json()
    assert count() == 1


@pytest.mark.parametrize("header", [None, "Bearer wrong-secret-of-the-same-length-xxxxx", "Basic " + "x" * 20,
                                    f"Bearer {WEBHOOK_SECRET}x", f"Bearer {WEBHOOK_SECRET[:-1]}", "Bearer",
                                    f"bearer  {WEBHOOK_SECRET[:10]}\u00e9"])
def test_without_the_secret_it_is_401(webhook, client, header):
    headers = {"Authorization": header} if header else {}
    response = post(client, mail(None, subject="hello"), secret=None, **headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.get_json()["error"]
    assert count() == 0


def test_the_scheme_is_read_in_any_case(webhook, client):
    response = post(client, mail(None, subject="hello"), secret=None, Authorization=f"bearer {WEBHOOK_SECRET}")
    assert response.status_code == 202


def test_above_the_limit_it_is_413_and_nothing_is_kept(webhook, client):
    webhook.config["INBOUND_MAX_BYTES"] = 4096
    raw = mail(None, subject="Slides", body="x" * 5000)
    response = post(client, raw)
    assert response.status_code == 413
    assert response.get_json() == {"error": "the message is larger than 4096 bytes"}
    assert count() == 0
    # Up to the limit is taken, although the app's own limit for forms is lower.
    webhook.config.update(INBOUND_MAX_BYTES=8 * 1024 * 1024, MAX_CONTENT_LENGTH=1024)
    assert post(client, raw).status_code == 202


def test_a_body_without_a_length_above_the_limit_is_413(webhook, client):
    # As a server hands on a chunked request: no Content-Length, the stream ends where the body does.
    webhook.config["INBOUND_MAX_BYTES"] = 4096
    body = mail(None, subject="Slides") + b"x" * 10000
    response = client.post("/inbound/mail", input_stream=io.BytesIO(body), content_type="message/rfc822",
                           headers={"Authorization": f"Bearer {WEBHOOK_SECRET}"},
                           environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert response.status_code == 413
    assert count() == 0


def test_the_door_is_off_without_the_setting(inbound, client):
    assert inbound.config["INBOUND_WEBHOOK_SECRET"] is None
    assert post(client, mail(None)).status_code == 404
    assert count() == 0


@pytest.mark.parametrize("content_type, data, recipient, status, error", [
    ("application/json", b'{"raw": "x"}', None, 415, "the body must be one email as message/rfc822"),
    ("message/rfc822", b"   \r\n", None, 400, "the body is empty"),
    ("message/rfc822", b"Subject: x\r\n\r\nx\r\n", "not-an-address", 400,
     "recipient must be one email address (local@domain)"),
    ("message/rfc822", b"Subject: x\r\n\r\nx\r\n", "a@b.example,c@d.example", 400,
     "recipient must be one email address (local@domain)"),
    ("message/rfc822", b"Subject: x\r\n\r\nx\r\n", "a@b.example\r\nBcc: c@d.example", 400,
     "recipient must be one email address (local@domain)"),
])
def test_what_is_not_one_email_is_refused_with_the_reason(webhook, client, content_type, data, recipient, status,
                                                           error):
    response = post(client, data, content_type=content_type, recipient=recipient)
    assert (response.status_code, response.get_json()) == (status, {"error": error})
    assert count() == 0


def test_no_csrf_token_is_needed_and_other_methods_are_405(webhook, client):
    assert webhook.config["WTF_CSRF_ENABLED"] is True
    assert post(client, mail(None, subject="no token")).status_code == 202
    assert client.get("/inbound/mail").status_code == 405


def test_malformed_mail_is_stored_with_its_reason(webhook, client):
    response = post(client, b"\x00\xff this is no email\r\n")
    assert response.status_code == 202
    message = db.session.get(InboundMessage, response.get_json()["id"])
    assert message.state == InboundState.RECORDED and message.reason


def test_a_database_that_is_down_is_503_with_retry_after(webhook, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from meetings.inbound import webhook as door

    def down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(door, "take", down)
    response = post(client, mail(None))
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "send it again later" in response.get_json()["error"]


def test_through_gunicorn(sent, database_url, tmp_path):
    meeting, (anna, *_) = sent
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "gunicorn-door", "PYTHONPATH": str(ROOT),
           "MAIL_DEFAULT_SENDER": "cluster@meetings.test", "INBOUND_ADDRESS": INBOUND,
           "INBOUND_WEBHOOK_SECRET": WEBHOOK_SECRET, "INBOUND_MAX_BYTES": "65536"}
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                    "wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(port, process, log)
        raw = crlf(mail(reply_calendar(meeting.uid, anna.email, "DECLINED"), to=reply_to(anna)))
        answers = []
        # The last one is chunked, with no length said beforehand.
        for body, secret in ((raw, WEBHOOK_SECRET), (raw, WEBHOOK_SECRET), (raw, "wrong"),
                             (b"x" * 70000, WEBHOOK_SECRET), (iter([raw] + [b"x" * 1000] * 70), WEBHOOK_SECRET)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("POST", "/inbound/mail", body=body, encode_chunked=not isinstance(body, bytes),
                               headers={"Content-Type": "message/rfc822", "Authorization": f"Bearer {secret}"})
            response = connection.getresponse()
            answers.append((response.status, json.loads(response.read())))
            connection.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    (message,) = db.session.scalars(select(InboundMessage))
    assert answers[0] == answers[1] == (202, {"id": message.id, "state": "applied"})
    assert answers[2][0] == 401 and answers[3][0] == answers[4][0] == 413
    assert message.raw == raw
    db.session.refresh(anna)
    assert anna.status == "declined"
    assert b"Traceback" not in log.read_bytes()
