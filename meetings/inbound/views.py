"""The organiser's side of calendar replies: held replies accepted or ignored from the
responses page, and the page that says how replies are read."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from meetings.auth.access import require_organiser
from meetings.core.markdown import render_markdown
from meetings.events.services import get_meeting
from meetings.extensions import db
from meetings.inbound import services
from meetings.inbound.labels import reason_label
from meetings.inbound.states import Reason

bp = Blueprint("inbound", __name__, url_prefix="/manage")
bp.before_request(require_organiser)

# The README section that sets up the reply mailbox (its heading's anchor is calendar-replies).
README_SECTION = "Calendar replies"

ERRORS = {
    "not_held": lambda: _("This answer was handled already."),
    "no_address": lambda: _("The answer names no address to add."),
    "no_participant": lambda: _("The person this answer is from is no longer on the list."),
}


@bp.app_template_global()
def calendar_replies(meeting) -> dict:
    """What the responses page shows of calendar replies: whether they are read, and those held."""
    reading = bool(current_app.config["INBOUND_ADDRESS"])
    held = services.held_messages(meeting) if reading and meeting.id else []
    return {"reading": reading, "held_replies": [(message, services.sender_of(message)) for message in held],
            "reason_label": reason_label, "not_a_participant": Reason.NOT_A_PARTICIPANT}


def _meeting_or_404(meeting_id: int):
    meeting = get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _handle(meeting_id: int, message_id: int, action, done: str):
    meeting = _meeting_or_404(meeting_id)
    message = services.held_message(meeting, message_id)
    if message is None:
        abort(404)
    try:
        action(message)
    except services.InboundError as exc:
        db.session.rollback()
        flash(ERRORS[exc.code](), "error")
        return redirect(url_for("invitations.responses", meeting_id=meeting.id), code=303)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("invitations.responses", meeting_id=meeting.id), code=303)


@bp.route("/meetings/<int:meeting_id>/replies/<int:message_id>/accept", methods=["POST"])
def accept(meeting_id: int, message_id: int):
    return _handle(meeting_id, message_id, services.accept_held, _("The answer from the calendar app was applied."))


@bp.route("/meetings/<int:meeting_id>/replies/<int:message_id>/ignore", methods=["POST"])
def ignore(meeting_id: int, message_id: int):
    return _handle(meeting_id, message_id, services.ignore_held, _("The answer was set aside."))


def readme_section(title: str) -> str | None:
    """The README's section under the heading ``title`` (any level), up to the next heading of
    that level or above; None when the README or the section is missing."""
    try:
        text = (Path(current_app.root_path).parent / "README.md").read_text(encoding="utf-8")
    except OSError:
        return None
    lines, level = [], None
    for line in text.splitlines():
        heading = re.match(r"(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if heading and level is not None and len(heading.group(1)) <= level:
            break
        if level is not None:
            lines.append(line)
        elif heading and heading.group(2).lower() == title.lower():
            level = len(heading.group(1))
    return "\n".join(lines).strip() if level is not None else None


@bp.route("/calendar-replies")
def setup():
    """How answers given in calendar apps reach the app: the README's section, in the app."""
    section = readme_section(README_SECTION)
    return render_template("inbound/setup.html", section=render_markdown(section) if section else None,
                           title=README_SECTION, reading=bool(current_app.config["INBOUND_ADDRESS"]))
