"""Registering as a person would: the public form, the link from the email, the buttons."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from meetings.extensions import db
from meetings.mail.models import OutboxMessage
from meetings.participants.models import Participant
from tests.helpers import csrf_token_from, post_form, text_of

CONFIRM_LINK = re.compile(r"http://meetings\.test/registrations/([A-Za-z0-9_-]+)/confirm")
MANAGE_LINK = re.compile(r"http://meetings\.test/registrations/([A-Za-z0-9_-]+)(?:\s|$)", re.M)


def form_data(**overrides) -> dict:
    """What a person types into the public form; ``None`` leaves a field out."""
    data = {"name": "Anna Jansen", "email": "anna@example.org", "organisation": "", "country": "NL",
            "language": "en", "dietary": "", "accessibility": "", "consent": "y", "homepage": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def register(client, meeting, **overrides):
    """Fill in and post the registration form found on the meeting's public page."""
    return post_form(client, f"/events/{meeting.slug}/register", form_data(**overrides),
                     form_url=f"/events/{meeting.slug}")


def outbox(kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_email == to)
    return list(db.session.scalars(query))


def confirm_token(email: str) -> str:
    """The token in the confirmation link of the last opt-in email to ``email``."""
    message = outbox("registration_confirm", to=email)[-1]
    return CONFIRM_LINK.search(message.text_body).group(1)


def confirm(client, token: str):
    """Open the link from the email and press the button, as the person would."""
    page = client.get(f"/registrations/{token}/confirm")
    assert page.status_code == 200, page.status_code
    return client.post(f"/registrations/{token}/confirm", data={"csrf_token": csrf_token_from(text_of(page))})


def register_and_confirm(client, meeting, **overrides):
    response = register(client, meeting, **overrides)
    assert response.status_code == 303, text_of(response)[:3000]
    email = form_data(**overrides)["email"].lower()
    return confirm(client, confirm_token(email)), person(meeting, email)


def person(meeting, email: str) -> Participant:
    db.session.expire_all()
    return db.session.scalar(select(Participant).where(Participant.meeting_id == meeting.id,
                                                       Participant.email == email.lower()))


def button(client, url: str, page_url: str):
    """Press a one-action button (CSRF from the page that shows it)."""
    return post_form(client, url, {}, form_url=page_url)


class _FormReader(HTMLParser):
    """The fields of the forms in a page, with the values a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict]] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {}
            self.forms.append((a.get("action") or "", self._form))
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.setdefault(a["name"], []).append(a.get("value", "y"))
            elif kind not in ("submit", "button"):
                self._form[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
            self._form.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._form[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data.lstrip("\n") if not self._form[self._textarea] else data


def form_values(html: str, action_contains: str = "", with_field: str | None = None) -> dict:
    """The values of the first form whose action contains ``action_contains`` (and that has
    a field named ``with_field``), as a browser would send them."""
    reader = _FormReader()
    reader.feed(html)
    for action, values in reader.forms:
        if action_contains in action and (with_field is None or with_field in values):
            return dict(values)
    raise AssertionError(f"no form with action containing {action_contains!r} and field {with_field!r}")
