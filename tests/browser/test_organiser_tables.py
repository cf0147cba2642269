"""Every organiser page with a table fits a phone (390 px) as well as a desktop: the page
never grows wider than the screen, each table scrolls in its own focusable region named
by its caption, and axe-core finds no serious or critical violation at either width."""
from __future__ import annotations

import pytest

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.inbound import services as inbound
from meetings.invitations import notifications
from tests import factories
from tests.blog.helpers import make_post
from tests.inbound.replies import mail, reply_calendar
from tests.browser.conftest import log_in, readable, serious_violations
from tests.mail.helpers import queue

pytestmark = [pytest.mark.browser, pytest.mark.single_backend]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
TOLERANCE = 2  # px: sub-pixel rounding of borders

LONG = "Fraunhofer-Institut für Produktionstechnologie und Automatisierung"


@pytest.fixture
def busy_network(app, admin_user):
    """A meeting with invitees (some present), its mails in the outbox (one failed with a long
    error), a post on it, a group, calendar replies received (one answered, one held for the
    organiser), and the rest of what the organiser pages list."""
    app.config.update(INBOUND_ADDRESS="rsvp@meetings.test")
    org = factories.make_organisation(name=LONG, country="DE")
    people = [factories.make_contact(name=f"Maximiliane Mustermann-Schulze {n}", organisation=org,
                                     email=f"maximiliane.mustermann-schulze.{n}@produktionstechnologie.example")
              for n in range(3)]
    group = factories.make_group(members=people, name="Robotics and automation working group")
    meeting = factories.make_meeting(title="Robotics in SME production: the state of the art in 2027",
                                     visibility="invitation", agenda=3)
    participants = [factories.make_participant(meeting, person, invited_at=utcnow(), sent_sequence=0,
                                               attended=n < 2) for n, person in enumerate(people)]
    notifications.send_invitations(participants, meeting)
    failed = queue(to_email="nobody.with.a.long.address@mailserver-that-refused.example")
    failed.status, failed.attempts = "failed", 3
    failed.last_error = "550 5.1.1 <nobody.with.a.long.address@mailserver-that-refused.example>: " \
                        "Recipient address rejected: User unknown in virtual mailbox table"
    make_post(title="What we learnt about robotics in SME production", meeting=meeting)
    db.session.commit()
    answered = participants[0]
    inbound.receive(mail(reply_calendar(meeting.uid, answered.email, "ACCEPTED"), sender=answered.email,
                         to=f"rsvp+{answered.reply_token}@meetings.test"), door="http")
    forwarded = "a.colleague.who.got.the.invitation.forwarded@produktionstechnologie.example"
    held = inbound.receive(mail(reply_calendar(meeting.uid, forwarded, "ACCEPTED"), sender=forwarded,
                                to=f"rsvp+{participants[1].reply_token}@meetings.test"), door="http")
    assert held.state == "held"
    return meeting, group, failed, held


def organiser_pages(meeting, group, failed, received) -> list[str]:
    m = f"/manage/meetings/{meeting.id}"
    return ["/manage/posts/", "/manage/mail/", f"/manage/mail/{failed.id}", "/manage/mail/?status=failed",
            "/manage/accounts/", "/manage/profile", "/manage/meetings/", m, f"{m}/invitees", f"{m}/responses",
            f"{m}/participants", f"{m}/participants/questions", f"{m}/record", f"{m}/record/sheet",
            "/manage/venues/", "/manage/organisations/", "/manage/contacts/", "/manage/groups/",
            f"/manage/groups/{group.id}", "/manage/meetings/topics/", "/manage/mail/received/",
            f"/manage/mail/received/{received.id}", "/manage/calendar-replies", "/manage/reports/"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_organiser_table_pages_fit_the_screen_and_pass_axe(browser, live_server, admin_user, busy_network,
                                                          axe_script, viewport):
    context = browser.new_context(viewport=viewport)
    problems: list[str] = []
    tables = 0
    try:
        page = context.new_page()
        log_in(page, live_server, admin_user)
        for path in organiser_pages(*busy_network):
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.status == 200, (path, response and response.status)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"] + TOLERANCE:
                problems.append(f"{path} is {width} px wide at {viewport['width']} px")
            # Each table sits in a keyboard-reachable region named by the table's caption.
            unnamed = page.evaluate("""() => [...document.querySelectorAll('main table')].filter(t => {
                const region = t.parentElement;
                const caption = t.querySelector('caption');
                return !(region.matches('[role=region][tabindex="0"]') && caption
                         && region.getAttribute('aria-labelledby') === caption.id && caption.textContent.trim());
              }).map(t => t.outerHTML.slice(0, 80))""")
            if unnamed:
                problems.append(f"{path}: tables outside a named, focusable region: {unnamed}")
            tables += page.locator("main table").count()
            violations = serious_violations(page, axe_script)
            if violations:
                problems.append(f"axe on {path} at {viewport['width']} px:\n{readable(violations)}")
    finally:
        context.close()
    assert tables >= 15, "the pages should show their tables"
    assert not problems, "\n".join(problems)
