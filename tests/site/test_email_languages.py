"""Every email in its reader's language, as a mail server receives it: the five invitation
emails and the registration emails in English, German and Dutch, subject, body and calendar;
and a bilingual meeting's own texts in each reader's language, falling back to the main one."""
from __future__ import annotations

import re
from datetime import datetime, time, timezone
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from meetings.events.models import AgendaItem
from meetings.extensions import db
from meetings.invitations import services
from meetings.mail.delivery import deliver_due
from meetings.participants.models import Participant
from meetings.registration import notifications as registration_mail
from tests.factories import make_contact, make_meeting, make_participant
from tests.invitations.conftest import invited  # noqa: F401
from tests.invitations.helpers import vevent
from tests.mail.conftest import manual_app, smtp_server, stop_background  # noqa: F401

CATALOGS = Path(__file__).resolve().parents[2] / "meetings" / "translations"
# Placeholders, tags and sentence ends cut a message into the pieces looked for.
PIECE_BREAK = re.compile(r"%\([a-z_]+\)[sd]|<[^>]+>|(?<=[.!?:;])\s+")

# Words each kind's subject and body must show, from the catalogs.
INVITATION_WORDS = {
    "invitation": {"en": ("Invitation:", "You are invited to"), "de": ("Einladung:", "Sie sind zu"),
                   "nl": ("Uitnodiging:", "U bent uitgenodigd voor")},
    "reminder": {"en": ("Reminder:", "Answer in your calendar"),
                 "de": ("Erinnerung:", "Antworten Sie in Ihrem Kalender"),
                 "nl": ("Herinnering:", "Antwoord in uw agenda of hier:")},
    "update": {"en": ("Updated:", "has changed"), "de": ("Aktualisiert:", "Guten Tag"),
               "nl": ("Gewijzigd:", "Beste")},
    "cancellation": {"en": ("Cancelled:", "is cancelled"), "de": ("Abgesagt:", "Wann"),
                     "nl": ("Geannuleerd:", "Wanneer")},
    "removal": {"en": ("No longer invited:", "no longer on the list"), "de": ("Nicht mehr eingeladen:", "Wann"),
                "nl": ("Niet langer uitgenodigd:", "Wanneer")},
}
ANSWER_LINE = {"en": "Your answer:", "de": "Ihre Antwort:", "nl": "Uw antwoord:"}
AGENDA_HEADING = {"en": "Agenda:", "de": "Tagesordnung:", "nl": "Agenda:"}
EMAILS = {"juergen@example.de": "de", "annelies@example.nl": "nl", "sam@example.org": "en"}


@cache
def english_pieces(language: str) -> tuple[str, ...]:
    """Pieces of English sentences (four words or more, cut at placeholders, tags and sentence
    ends) of every message the catalog of ``language`` translates differently: none may be
    left in its emails."""
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    pieces = set()
    for message in catalog:
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        for english in ids:
            if english in strings:
                continue
            for piece in PIECE_BREAK.split(english):
                piece = piece.strip(" .,:;()")
                if len(piece.split()) >= 4:
                    pieces.add(piece)
    return tuple(sorted(pieces))


def parts(message) -> tuple[str, str, str, str]:
    """Subject, text body, HTML body and the iMIP calendar part of a received email."""
    text = html = ics = ""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/plain" and not text:
            text = part.get_content()
        elif kind == "text/html" and not html:
            html = part.get_content()
        elif kind == "text/calendar" and not ics:
            ics = part.get_payload(decode=True).decode("utf-8")
    return str(message["Subject"]), text, html, ics


def description_of(ics: str) -> str:
    return str(vevent(ics)[1]["DESCRIPTION"])


def assert_in_language(language: str, subject: str, text: str, html: str, words=()) -> None:
    for word in words:
        assert word in subject + "\n" + text, (language, word, subject, text)
    if language == "en":
        return
    for piece in english_pieces(language):
        for where, body in (("subject", subject), ("text", text), ("html", html)):
            assert piece not in body, (language, where, piece)


def received_by_address(smtp_server, count: int, start: int = 0) -> dict:
    deliver_due()
    messages = smtp_server.recorder.wait_for(start + count)[start:]
    assert len(messages) == count
    return {r.rcpt_tos[0]: r.message for r in messages}


def test_english_pieces_are_found():
    # The check below has teeth: the catalogs hold many English sentences to look for.
    pieces = english_pieces("de")
    assert len(pieces) > 300 and "Please let us know whether you will come" in pieces
    assert "Accept, answer tentatively or decline in your calendar, or here" in pieces


@pytest.fixture
def sent(manual_app, smtp_server, invited):
    """The invitations went out to the German, Dutch and English invitee (three messages)."""
    meeting, people = invited
    services.send_invitations(meeting)
    db.session.commit()
    received_by_address(smtp_server, 3)
    return meeting, people


def _invitation_kind(kind: str, meeting, people, smtp_server) -> dict:
    if kind == "invitation":
        return {r.rcpt_tos[0]: r.message for r in smtp_server.recorder.wait_for(3)}
    if kind == "reminder":
        assert services.remind(meeting) == 3
    elif kind == "update":
        meeting.agenda_items[0].title = "Opening and welcome"
        db.session.flush()
        assert services.send_update(meeting, None) == 3
    elif kind == "cancellation":
        assert services.cancel_meeting(meeting, None) == 3
    else:
        for person in people:
            services.remove_invitee(person)
    db.session.commit()
    return received_by_address(smtp_server, 3, start=3)


@pytest.mark.parametrize("kind", list(INVITATION_WORDS))
def test_each_invitation_email_in_each_language(sent, smtp_server, kind):
    meeting, people = sent
    received = _invitation_kind(kind, meeting, people, smtp_server)
    assert set(received) == set(EMAILS)
    for address, language in EMAILS.items():
        message = received[address]
        subject, text, html, ics = parts(message)
        assert message["Content-Language"] == language
        assert "Core Team meeting" in subject
        assert_in_language(language, subject, text, html, INVITATION_WORDS[kind][language])
        assert f'lang="{language}"' in html
        description = description_of(ics)
        assert ANSWER_LINE[language] in description and AGENDA_HEADING[language] in description


def _registrant(meeting, language: str, **kw) -> Participant:
    names = {"de": "Jürgen Weiß", "nl": "Annelies de Vries", "en": "Sam Taylor"}
    kw.setdefault("status", "registered")
    return make_participant(meeting, email=f"{language}@example.org", name=names[language], language=language,
                            kind="registrant", **kw)


REGISTRATION_EMAILS = {
    "registration_confirm": (registration_mail.send_confirmation_request, {"status": "pending"},
                             {"en": "Please confirm your registration:", "de": "Bitte bestätigen Sie Ihre Anmeldung:",
                              "nl": "Bevestig uw aanmelding:"}),
    "registration_confirmed": (registration_mail.send_confirmed, {},
                               {"en": "You are registered:", "de": "Sie sind angemeldet:",
                                "nl": "U bent aangemeld:"}),
    "registration_waiting": (registration_mail.send_confirmed, {"status": "waiting", "waitlist_position": 2},
                             {"en": "Waiting list, number 2:", "de": "Warteliste, Platz 2:",
                              "nl": "Wachtlijst, nummer 2:"}),
    "registration_promoted": (registration_mail.send_promoted, {},
                              {"en": "A place became free:", "de": "Ein Platz ist frei geworden:",
                               "nl": "Er is een plaats vrijgekomen:"}),
    "registration_cancelled": (lambda p: registration_mail.send_cancelled(p, with_calendar=True),
                               {"status": "cancelled"},
                               {"en": "Registration cancelled:", "de": "Anmeldung storniert:",
                                "nl": "Aanmelding geannuleerd:"}),
    "registration_link": (registration_mail.send_link, {},
                          {"en": "Your link for", "de": "Ihr Link für", "nl": "Uw link voor"}),
}


@pytest.mark.parametrize("name", list(REGISTRATION_EMAILS))
def test_each_registration_email_in_each_language(manual_app, smtp_server, name):
    send, fields, subjects = REGISTRATION_EMAILS[name]
    meeting = make_meeting(title="Robotics Day", agenda=2, capacity=50)
    for language in ("en", "de", "nl"):
        send(_registrant(meeting, language, **fields))
    db.session.commit()
    received = received_by_address(smtp_server, 3)
    for language in ("en", "de", "nl"):
        message = received[f"{language}@example.org"]
        subject, text, html, ics = parts(message)
        assert message["Content-Language"] == language
        assert subject.startswith(subjects[language]) and "Robotics Day" in subject
        assert_in_language(language, subject, text, html)
        if ics:
            assert ANSWER_LINE[language] in description_of(ics)


# --- a bilingual meeting ---------------------------------------------------------------

def _bilingual(meeting) -> None:
    """German texts for the title, the description and the first agenda item; none in Dutch."""
    meeting.translations = {"de": {"title": "Kernteam-Treffen", "description": "Ein Treffen des Clusters."}}
    items = list(db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                    .order_by(AgendaItem.position)))
    items[0].translations = {"de": {"title": "Begrüßung"}}
    db.session.commit()


def test_each_registrant_reads_a_bilingual_meeting_in_their_language(manual_app, smtp_server):
    meeting = make_meeting(title="Core Team meeting", description="A meeting of the cluster.", agenda=2,
                           capacity=50)
    _bilingual(meeting)
    for language in ("de", "nl"):
        registration_mail.send_confirmed(_registrant(meeting, language))
    db.session.commit()
    received = received_by_address(smtp_server, 2)

    subject, text, html, ics = parts(received["de@example.org"])
    assert subject == "Sie sind angemeldet: Kernteam-Treffen"
    for body in (text, html):
        assert "Kernteam-Treffen" in body and "Ein Treffen des Clusters." in body and "Begrüßung" in body
        # The second item has no German title: its main one stands in.
        assert "Item 2" in body and "Core Team meeting" not in body and "Item 1" not in body
    event = vevent(ics)[1]
    assert str(event["SUMMARY"]) == "Kernteam-Treffen"
    description = str(event["DESCRIPTION"])
    assert description.startswith("Ein Treffen des Clusters.")
    assert "Tagesordnung:" in description and "Begrüßung" in description and "Item 2" in description

    subject, text, html, ics = parts(received["nl@example.org"])
    assert subject == "U bent aangemeld: Core Team meeting"
    assert "Core Team meeting" in text and "Item 1" in text and "Kernteam" not in text + html
    assert str(vevent(ics)[1]["SUMMARY"]) == "Core Team meeting"


def _invite_a_german_and_a_dutch_contact(meeting, smtp_server) -> dict:
    for name, email, language in (("Jürgen Weiß", "juergen@example.de", "de"),
                                  ("Annelies de Vries", "annelies@example.nl", "nl")):
        make_participant(meeting, make_contact(name=name, email=email, language=language))
    services.send_invitations(meeting)
    db.session.commit()
    return received_by_address(smtp_server, 2)


def test_german_and_dutch_invitees_each_read_their_language(manual_app, smtp_server):
    year = datetime.now(timezone.utc).year + 1
    meeting = make_meeting(title="Core Team meeting", visibility="invitation", agenda=2,
                           starts_at=datetime(year, 7, 2, 8, 0, tzinfo=timezone.utc),
                           ends_at=datetime(year, 7, 2, 13, 0, tzinfo=timezone.utc))
    meeting.agenda_items[1].start_time = time(11, 0)
    received = _invite_a_german_and_a_dutch_contact(meeting, smtp_server)
    for address, language in (("juergen@example.de", "de"), ("annelies@example.nl", "nl")):
        subject, text, html, ics = parts(received[address])
        assert_in_language(language, subject, text, html, INVITATION_WORDS["invitation"][language])
        description = description_of(ics)
        assert AGENDA_HEADING[language] in description and ANSWER_LINE[language] in description
        other = "nl" if language == "de" else "de"
        assert ANSWER_LINE[other] not in description


def test_bilingual_invitation_titles_in_each_invitees_language(manual_app, smtp_server):
    meeting = make_meeting(title="Core Team meeting", visibility="invitation", agenda=2)
    _bilingual(meeting)
    received = _invite_a_german_and_a_dutch_contact(meeting, smtp_server)

    subject, text, html, ics = parts(received["juergen@example.de"])
    assert subject == "Einladung: Kernteam-Treffen"
    assert "Begrüßung" in text and "Item 2" in text and "Item 1" not in text
    event = vevent(ics)[1]
    assert str(event["SUMMARY"]) == "Kernteam-Treffen"
    assert "Begrüßung" in str(event["DESCRIPTION"]) and "Tagesordnung:" in str(event["DESCRIPTION"])

    subject, text, html, ics = parts(received["annelies@example.nl"])
    assert subject == "Uitnodiging: Core Team meeting"
    assert "Item 1" in text and "Begrüßung" not in text
    assert str(vevent(ics)[1]["SUMMARY"]) == "Core Team meeting"
