"""The pieces of the form fuzzer: a world with one of everything, every form the app
shows (found by visiting every page, logged in and out), and the bad values to post."""
from __future__ import annotations

import functools

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import String, select, text
from werkzeug.routing import BuildError

from meetings.auth.models import LinkedIdentity, SignInDomain
from meetings.blog.models import Post
from flask import current_app

from meetings.extensions import db
from meetings.inbound.models import InboundMessage
from meetings.inbound.states import InboundState, Reason
from meetings.invitations.services import record_proposal
from meetings.followup.approval import circulate, minutes_changed
from meetings.followup.models import ActionItem, MinutesReader
from meetings.followup.services import save_minutes
from meetings.mail.models import OutboxMessage
from meetings.pages.models import ContactMessage
from meetings.polls import services as poll_services
from meetings.polls.services import SlotTimes
from meetings.registration.models import RegistrationQuestion
from tests import factories
from tests.factories import future

HOST = "http://meetings.test"
TOKENS = {"invitee": "fuzz-invitee-0123456789abcdefghijklmnopqrstuvwxyz",
          "registered": "fuzz-registered-0123456789abcdefghijklmnopqrstuvwxy",
          "pending": "fuzz-pending-0123456789abcdefghijklmnopqrstuvwxyzab",
          "waiting": "fuzz-waiting-0123456789abcdefghijklmnopqrstuvwxyzab",
          "held": "fuzz-held-0123456789abcdefghijklmnopqrstuvwxyzabcde"}
FEED_TOKEN = "fuzz-feed-0123456789abcdefghijklmnopqrstuvwxyzabcdef"

# Values that broke, or could break, a form somewhere: control characters (NUL first),
# white space only, huge and odd text, impossible dates, times and zones, numbers
# beyond any column.
NUL = "\x00"
BAD_VALUES = (
    "", " ", "   \t  ", "\n", "\r\n", "\u00a0\u2003", NUL, f"abc{NUL}def", "\x01\x02\x1b[31m", "\x7f", "\x85\x9f",
    "a\rb", "line\r\nbreak", "\ud7ff\ue000\uffff", "\U0001f600\u200d\U0001f469", "Ökologie", "ÖKOLOGIE",
    "O\u0308kologie", "ß" * 130, "\u0130stanbul", "\u202eevil", "<script>alert(1)</script>", "' OR 1=1 --",
    "=cmd|' /C calc'!A0", "x" * 201, "x" * 5000, "é" * 121, "%00", "../../../../etc/passwd",
    "9999-12-31", "0001-01-01", "2024-02-30", "2031-13-01", "20310301", "24:00", "23:61", "99:99:99", "-1",
    "0", "2147483648", "99999999999999999999", "1e309", "NaN", "Europe/Atlantis", "europe/amsterdam",
    "Europe/Amsterdam ", "/etc/localtime", "z" * 5000, "@", "a@b", "name@example.org\r\nBcc: x@example.org",
    "javascript:alert(1)", "https://", "https://exa mple.org", "on", "y", "none", "up",
)
HUGE = "z" * (1 << 20)  # 1 MB in one field
LONG = "z" * 5000
BLANK = "  \t  "

# Names and addresses the seeded world holds, as they are and written another way (case
# folded, upper case, combining umlaut): a database that compares them byte for byte, or
# lowercases ASCII only (SQLite), takes them for new ones.
DUPLICATE_NAMES = ("Ökologie", "ökologie", "ÖKOLOGIE", "O\u0308kologie", "ÄRZTINNEN", "Öko-Institut", "öko-institut",
                   "robotics")
DUPLICATE_EMAILS = ("jörg@example.org", "JÖRG@EXAMPLE.ORG", "ANNA@EXAMPLE.ORG", "Reg@Example.org",
                    "ORGANISER@example.org")
NAME_FIELDS = ("name", "title", "label", "short_name", "organisation", "organisation_name", "colleague_name")


def key_values(spec: "Field") -> list[tuple[str, str | list[str]]]:
    """The values that found bugs, for one field, each with the name of its class:
    a NUL inside otherwise valid text, white space only, for a choice (a zone) a 5,000
    character and a 1 MB value, for a name or an email address a case variant of one
    the world already holds."""
    if spec.multiple:
        base = (spec.value or spec.options or ["y"])[0]
    else:
        base = spec.value or (spec.options[0] if spec.options else "") or "Fuzz value"
    cut = max(1, len(base) // 2)
    values: list[tuple[str, str]] = [("nul", base[:cut] + NUL + base[cut:]), ("blank", BLANK)]
    if spec.kind in ("select", "radio") or "zone" in spec.name:
        values += [("long", LONG), ("huge", HUGE)]
    if spec.name in NAME_FIELDS:
        values += [("duplicate", name) for name in DUPLICATE_NAMES]
    if spec.kind == "email" or "email" in spec.name:
        values += [("duplicate", email) for email in DUPLICATE_EMAILS]
    if spec.multiple:
        return [(kind, [value]) for kind, value in values]
    return values


def plausible(kind: str, name: str) -> str:
    """A value a person could type into an empty field of this kind."""
    if kind == "email" or "email" in name:
        return "fuzz.person@example.org"
    if kind == "date" or name.endswith(("_date", "_on")):
        return (date.today() + timedelta(days=40)).isoformat()
    if kind == "time" or name.endswith("_time"):
        return "10:30"
    if kind == "number" or name.endswith(("_minutes", "capacity")):
        return "5"
    if kind == "url" or name.endswith(("_url", "website")):
        return "https://example.org/page"
    if name in ("slug",):
        return "fuzz-slug"
    if "password" in name or name == "confirm":
        return ""
    if name == "homepage":  # the trap for bots: people leave it empty
        return ""
    return "Fuzz value"


@dataclass
class Field:
    name: str
    kind: str                       # text, textarea, email, date, select, checkbox, radio, hidden, ...
    value: str | list[str]          # what the page holds, or a plausible value for an empty field
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    required: bool = False          # the page marks it required


@dataclass
class FormSpec:
    endpoint: str
    action: str       # path (and query) the form posts to
    page: str         # the page that shows the form (for the CSRF token)
    logged_in: bool
    fields: dict[str, Field]

    @property
    def label(self) -> str:
        return f"{self.endpoint} ({'organiser' if self.logged_in else 'public'}) {self.action}"


class _Forms(HTMLParser):
    """The POST forms of a page with their fields."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, Field]]] = []
        self._fields: dict[str, Field] | None = None
        self._textarea: str | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._fields = {}
            self.forms.append((a.get("action") or "", self._fields))
            return
        if self._fields is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "file"):
                return
            value = a.get("value") or ""
            if kind in ("checkbox", "radio"):
                spec = self._fields.setdefault(name, Field(name, kind, [] if kind == "checkbox" else "",
                                                           multiple=kind == "checkbox"))
                spec.options.append(value or "y")
                if "checked" in a:
                    if kind == "checkbox":
                        spec.value.append(value or "y")
                    else:
                        spec.value = value
                elif kind == "radio" and not spec.value:
                    spec.value = value
                return
            self._fields[name] = Field(name, kind, value or plausible(kind, name), required="required" in a)
        elif tag == "textarea":
            self._textarea = name
            self._fields[name] = Field(name, "textarea", "", required="required" in a)
        elif tag == "select":
            self._select = Field(name, "select", [] if "multiple" in a else "", multiple="multiple" in a,
                                 required="required" in a)
            self._fields[name] = self._select

    def _option(self, a):
        value = a.get("value", "")
        self._select.options.append(value)
        if "selected" in a or (not self._select.multiple and not self._select.value and value):
            if self._select.multiple:
                self._select.value.append(value)
            else:
                self._select.value = value

    def handle_data(self, data):
        if self._textarea and self._fields is not None:
            self._fields[self._textarea].value += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            spec = self._fields[self._textarea]
            # The line break after <textarea> is not part of the value (HTML drops it).
            spec.value = spec.value.strip("\r\n") or plausible("textarea", spec.name)
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._fields = None


# A provider the forms name; no form page asks it anything, so nothing needs to listen there.
FUZZ_ISSUER = "http://127.0.0.1:9/realms/partner"
FUZZ_PROVIDERS = ({"name": "partner", "issuer": FUZZ_ISSUER, "client_id": "meetings", "client_secret": "secret",
                   "label": {"en": "Partner ID"}},)


def seed() -> dict[str, list]:
    """One of everything a form works on; returns the candidate values of each URL part."""
    organiser = factories.make_user(email="organiser@example.org", name="Olga Organiser",
                                    password=factories.PASSWORD, is_admin=True)
    other_user = factories.make_user(email="colleague@example.org", name="Carl Colleague")
    organisation = factories.make_organisation(name="Universität Twente", short_name="UT")
    contact = factories.make_contact(name="Anna Jansen", email="anna@example.org", organisation=organisation,
                                     feed_token=FEED_TOKEN)
    colleague = factories.make_contact(name="Bert Bakker", email="bert@example.org")
    group = factories.make_group(name="Core Team", members=[contact, colleague])
    topic = factories.make_topic(name="Robotics", slug="robotics")
    venue = factories.make_venue(name="Fraunhofer Innovation Platform")
    meeting = factories.make_meeting(agenda=2, title="Robotics Day", slug="robotics-day", venue=venue,
                                     capacity=2, status="scheduled", visibility="public")
    meeting.topics = [topic]
    meeting.sent_fingerprint = "sent before the last change"  # so the update form shows
    for position, (kind, choices, required) in enumerate([
            ("short_text", None, True), ("long_text", None, False), ("single_choice", "Lunch\nNo lunch", True),
            ("multi_choice", "Morning\nAfternoon", False), ("yes_no", None, False)]):
        db.session.add(RegistrationQuestion(meeting=meeting, position=position, label=f"Question {kind}",
                                            kind=kind, choices=choices, required=required))
    invitee = factories.make_participant(meeting, contact, token=TOKENS["invitee"], invited_at=future(-5),
                                         sent_sequence=0)
    factories.make_participant(meeting, colleague, token="fuzz-uninvited-0123456789abcdefghijklmnopqrstuvwx")
    registered = factories.make_participant(meeting, None, email="reg@example.org", name="Rita Registered",
                                            kind="registrant", status="registered", token=TOKENS["registered"],
                                            confirmed_at=future(-2))
    pending = factories.make_participant(meeting, None, email="pending@example.org", name="Piet Pending",
                                         kind="registrant", status="pending", token=TOKENS["pending"])
    factories.make_participant(meeting, None, email="wait@example.org", name="Wim Waiting", kind="registrant",
                               status="registered", token="fuzz-seated-0123456789abcdefghijklmnopqrstuvwxyzabc",
                               confirmed_at=future(-2))
    waiting = factories.make_participant(meeting, None, email="wait2@example.org", name="Wanda Waiting",
                                         kind="registrant", status="waiting", waitlist_position=1,
                                         token=TOKENS["waiting"], confirmed_at=future(-1))
    factories.make_participant(meeting, None, email="wait3@example.org", name="Walt Waiting", kind="registrant",
                               status="waiting", waitlist_position=2, confirmed_at=future(-1),
                               token="fuzz-waiting2-0123456789abcdefghijklmnopqrstuvwxyz")
    draft_meeting = factories.make_meeting(title="Draft meeting", slug="draft-meeting", status="draft", venue=venue)
    # Date polls: one sent (answers, reminders, choosing), one not yet sent, on two drafts.
    slots = [SlotTimes(future(40), future(40) + timedelta(hours=2)), SlotTimes(future(47), future(47) + timedelta(hours=2))]
    sent_poll = poll_services.create_poll(draft_meeting, slots, [contact])
    poll_services.send_poll(sent_poll)
    # A fixed token: every fresh world must answer the same personal poll page.
    sent_poll.voters[0].token = voter_token = "fuzz-voter-0123456789abcdefghijklmnopqrstuvwxyzabc"
    unsent_poll = poll_services.create_poll(
        factories.make_meeting(title="Draft to poll", slug="draft-to-poll", status="draft", venue=venue), slots, [contact])
    no_poll_yet = factories.make_meeting(title="Draft without poll", slug="draft-without-poll", status="draft",
                                         venue=venue)
    held = factories.make_meeting(agenda=2, title="Core Team March", slug="core-team-march", status="held",
                                  starts_at=future(-20), visibility="invitation")
    attendee = factories.make_participant(held, colleague, token=TOKENS["held"], status="accepted", attended=True)
    action = ActionItem(meeting=held, what="Send the slides", owner=colleague)
    draft = Post(title="Draft post", slug="draft-post", body="Text.", status="draft")
    published = Post(title="Published post", slug="published-post", body="Text.", status="published",
                     published_at=future(-3))
    failed = OutboxMessage(kind="invitation", to_email="anna@example.org", subject="Invitation", text_body="Hi",
                           message_id="<fuzz@meetings.test>", status="failed")
    db.session.add_all([action, draft, published, failed])
    # Calendar replies are read: a reply held for the organiser (from someone not on the list),
    # one whose applying failed (to retry), and a proposal of another time, each with its buttons.
    current_app.config["INBOUND_ADDRESS"] = "rsvp@meetings.test"
    db.session.flush()
    held_reply = InboundMessage(message_id="<held@client.example>", raw=b"Subject: Accepted\r\n\r\n", size=24,
                                door="http", sender="guest@example.org", subject="Accepted: Robotics Day",
                                method="REPLY", kind="calendar", state=InboundState.HELD,
                                reason=Reason.NOT_A_PARTICIPANT, meeting_id=meeting.id, attempts=1)
    failed_reply = InboundMessage(message_id="<failed@client.example>", raw=b"Subject: Late\r\n\r\nLate.",
                                  size=26, door="lmtp", sender="anna@example.org", subject="Late", kind="plain",
                                  state=InboundState.FAILED, error="OperationalError: database is locked",
                                  attempts=1)
    db.session.add_all([held_reply, failed_reply])
    # A message sent through the contact form, for the organiser's list and detail pages.
    enquiry = ContactMessage(name="Anna Jansen", email="anna@example.org", subject="A question",
                             message="Can we present?", language="nl")
    db.session.add(enquiry)
    proposal = record_proposal(invitee, starts_at=meeting.starts_at + timedelta(hours=2),
                               ends_at=meeting.ends_at + timedelta(hours=2), comment="After lunch?",
                               sequence=meeting.sequence)
    # Names with letters outside ASCII, for the case variants of DUPLICATE_NAMES and
    # DUPLICATE_EMAILS (not URL parts: the pages visited stay the same).
    factories.make_topic(name="Ökologie", slug="okologie")
    factories.make_group(name="Ärztinnen")
    factories.make_organisation(name="Öko-Institut", short_name="ÖI")
    factories.make_contact(name="Jörg Müller", email="jörg@example.org")
    # Minutes: the held meeting's circulated (its approval form and a reader's comment
    # page show), another held meeting's a draft (its circulate button shows), and a
    # decision of a later meeting that can supersede the held meeting's.
    save_minutes(held, {}, "Slides go to everyone.", None, None)
    circulate(held)
    earlier = factories.make_meeting(agenda=1, title="Core Team January", slug="core-team-january", status="held",
                                     starts_at=future(-40), visibility="invitation")
    factories.make_participant(earlier, contact, status="accepted", attended=True)
    save_minutes(earlier, {}, "The Core Team meets four times a year.", None, None)
    minutes_changed(earlier)
    save_minutes(meeting, {}, "Registration opens in spring.", None, None)
    reader = db.session.scalar(select(MinutesReader))
    reader.token = reader_token = "fuzz-reader-0123456789abcdefghijklmnopqrstuvwxyzab"
    db.session.commit()
    # Sign-in at a provider: a linked identity and an email domain let in (FUZZ_PROVIDERS).
    identity = LinkedIdentity(user=other_user, issuer=FUZZ_ISSUER, subject="carl-at-partner")
    domain = SignInDomain(issuer=FUZZ_ISSUER, domain="partner.example")
    db.session.add_all([identity, domain])
    db.session.flush()
    return {
        "identity_id": [identity.id], "entry_id": [domain.id],
        "meeting_id": [meeting.id, held.id, draft_meeting.id, earlier.id, no_poll_yet.id], "venue_id": [venue.id], "organisation_id": [organisation.id],
        "contact_id": [contact.id], "group_id": [group.id], "user_id": [organiser.id, other_user.id],
        "topic_id": [topic.id], "post_id": [draft.id, published.id],
        "message_id": sorted({failed.id, held_reply.id, failed_reply.id}), "proposal_id": [proposal.id],
        "action_id": [action.id], "item_id": [item.id for item in meeting.agenda_items + held.agenda_items],
        "question_id": list(db.session.scalars(select(RegistrationQuestion.id))),
        "participant_id": [invitee.id, registered.id, pending.id, waiting.id, attendee.id],
        "token": [*TOKENS.values(), FEED_TOKEN, reader_token, voter_token],
        "poll_id": [sent_poll.id, unsent_poll.id], "slot_id": [slot.id for slot in sent_poll.slots], "slug": [meeting.slug, held.slug, published.slug, topic.slug],
        "direction": ["up", "down"], "change": ["done", "open"],
        "page_key": ["about", "privacy"], "language": ["de"], "contact_message_id": [enquiry.id],
    }


@functools.lru_cache(maxsize=1)
def _row_counts_query():
    # The tables do not change during a run: sorting them for every post cost seconds.
    parts = ", ".join(f'(SELECT count(*) FROM "{t.name}")' for t in db.metadata.sorted_tables)
    return text(f"SELECT {parts}")


@functools.lru_cache(maxsize=1)
def _blank_count_query():
    parts = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String)]
        if columns:
            blank = " OR ".join(f'trim("{c.name}", :ws) = \'\'' for c in columns)
            parts.append(f'(SELECT count(*) FROM "{table.name}" WHERE {blank})')
    return text(f"SELECT {', '.join(parts)}")


def row_counts() -> tuple[int, ...]:
    """The number of rows in every table, in one query."""
    return tuple(db.session.execute(_row_counts_query()).one())


def blank_count() -> int:
    """How many text values in the database are empty or white space only, in one query."""
    return sum(db.session.execute(_blank_count_query(), {"ws": " \t\r\n"}).one())


def _page_urls(app, candidates) -> list[str]:
    """Every HTML page of the app, each URL part filled with each value that fits, the
    first value of each part (the seeded world's main meeting, invitee...) first: a form
    is taken from the first page that shows it."""
    adapter = app.url_map.bind("meetings.test")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.endswith((".ics", ".atom", ".csv")):
            continue
        names = sorted(rule.arguments - set(rule.defaults or ()))
        for combo in itertools.product(*(candidates.get(n, []) for n in names)):
            try:
                urls.append(adapter.build(rule.endpoint, dict(zip(names, combo))))
            except BuildError:
                continue
    return list(dict.fromkeys(urls))


def discover(app, candidates, anonymous, organiser) -> dict[str, FormSpec]:
    """Every POST form shown on any page, by the endpoint it posts to (public forms as
    found logged out, the rest as found logged in)."""
    adapter = app.url_map.bind("meetings.test")
    found: dict[str, FormSpec] = {}
    for logged_in, client in ((False, anonymous), (True, organiser)):
        for url in _page_urls(app, candidates):
            response = client.get(url)
            if response.status_code != 200 or not response.mimetype == "text/html":
                continue
            parser = _Forms()
            parser.feed(response.get_data(as_text=True))
            for action, fields in parser.forms:
                target = urlsplit(urljoin(HOST + url, action))
                try:
                    endpoint, _args = adapter.match(target.path, method="POST")
                except Exception:
                    continue
                path = target.path + (f"?{target.query}" if target.query else "")
                if endpoint not in found and "csrf_token" in fields:
                    fields.pop("csrf_token")
                    found[endpoint] = FormSpec(endpoint, path, url, logged_in, fields)
    for endpoint, (action, page, logged_in, fields) in UNSHOWN.items():
        found.setdefault(endpoint, FormSpec(endpoint, action, page, logged_in, fields))
    return found


# Forms no GET page shows in the test setup: the import's confirmation (the answer to
# an upload), the resend form (the answer to registering an address twice) and
# "send all queued now" (shown only with a mail server); sending, reminding and the
# update, which the seeded meeting (its update pending, its agenda not yet checked)
# offers only once the update can go. Posted all the same.
UNSHOWN = {
    "invitations.send": ("/manage/meetings/1/invitations/send", "/manage/meetings/1/responses", True, {}),
    "invitations.remind": ("/manage/meetings/1/invitations/remind", "/manage/meetings/1/responses", True, {}),
    "invitations.update": ("/manage/meetings/1/invitations/update", "/manage/meetings/1/responses", True,
                           {"note": Field("note", "textarea", "The room changed.")}),
    "participants.send": ("/manage/meetings/1/invitees/send", "/manage/meetings/1/invitees", True, {}),
    "network.contacts_import_confirm": ("/manage/contacts/import/confirm", "/manage/contacts/import", True,
                                        {"payload": Field("payload", "hidden", "not-a-signed-payload")}),
    "registration.resend": ("/events/robotics-day/register/resend", "/events/robotics-day", False,
                            {"email": Field("email", "email", "reg@example.org")}),
    "mail.send_all": ("/manage/mail/send", "/manage/mail/", True, {}),
}


# POST endpoints that take no form, each with where its bad input is tested.
NOT_FORMS = {"inbound_webhook.receive_mail": "raw messages from mail services: tests/inbound/test_webhook.py"}


def post_endpoints(app) -> set[str]:
    """Every endpoint that takes a form posted from a page."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and rule.endpoint not in NOT_FORMS}


def fresh_world(app) -> dict[str, list]:
    """Empty every table and seed the world again (same ids and tokens each time)."""
    from tests.conftest import _empty_tables

    db.session.remove()
    _empty_tables(app)
    return seed()
