"""The outbox pages in Chromium: no serious axe violation, and the message's own HTML
runs no script inside its sandboxed frame."""
from __future__ import annotations

import pytest

from meetings.extensions import db
from tests.browser.conftest import assert_accessible, log_in
from tests.mail.helpers import calendar, queue

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]

HOSTILE_HTML = ("<html><head><style>p { color: #0b5cad }</style></head><body><p id=\"greeting\">Hello Anna</p>"
                "<script>top.document.title = 'pwned'; document.body.dataset.ran = 'yes';</script>"
                "<img src=\"x\" onerror=\"top.document.title = 'pwned'\" alt=\"\"></body></html>")


@pytest.fixture
def messages(app):
    invitation = queue(html_body=HOSTILE_HTML, ics=calendar(), kind="invitation", subject="Einladung: Kernteam")
    failed = queue(to_email="gone@example.org", subject="Refused")
    failed.status, failed.attempts, failed.last_error, failed.next_attempt_at = (
        "failed", 1, "Recipient refused: gone@example.org: 550 No such user", None)
    db.session.commit()
    return invitation, failed


def test_outbox_pages_are_accessible(page, live_server, axe_script, organiser, messages):
    invitation, failed = messages
    log_in(page, live_server, organiser)
    for path in ("/manage/mail/", "/manage/mail/?status=failed", f"/manage/mail/{invitation.id}",
                 f"/manage/mail/{failed.id}"):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200
        assert_accessible(page, axe_script, path)


def test_message_html_is_shown_but_never_runs_script(page, live_server, organiser, messages):
    invitation, _ = messages
    log_in(page, live_server, organiser)
    page.goto(f"{live_server}/manage/mail/{invitation.id}")
    frame = page.frame_locator("iframe.mail-frame")
    # The styles apply (inline CSS is allowed)...
    greeting = frame.locator("#greeting")
    assert greeting.text_content() == "Hello Anna"
    assert greeting.evaluate("el => getComputedStyle(el).color") == "rgb(11, 92, 173)"
    page.wait_for_timeout(300)
    # ...the scripts do not, neither the inline one nor the event handler.
    assert page.title() != "pwned"
    assert greeting.evaluate("el => el.ownerDocument.body.dataset.ran || 'no'") == "no"
