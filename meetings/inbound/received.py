"""Organiser pages for received mail, beside the outbox: every message that came in, what it
did or why not, its raw .eml, and retrying those whose applying failed."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from meetings.auth.access import require_organiser
from meetings.core.views import page_number
from meetings.extensions import db
from meetings.inbound.labels import DOOR_LABELS, STATE_LABELS, door_label, reason_label, state_label
from meetings.inbound.models import InboundMessage
from meetings.inbound.services import retry
from meetings.inbound.states import InboundState

bp = Blueprint("received", __name__, url_prefix="/manage/mail/received")
bp.before_request(require_organiser)

PER_PAGE = 50
# The part of a message's source shown on its page; the whole is in the .eml.
SOURCE_SHOWN = 64 * 1024


@bp.app_context_processor
def received_labels() -> dict:
    return {"InboundState": InboundState, "inbound_state_labels": STATE_LABELS, "inbound_door_labels": DOOR_LABELS,
            "inbound_state_label": state_label, "inbound_reason_label": reason_label,
            "inbound_door_label": door_label}


def state_counts() -> dict[str, int]:
    """How many received messages are in each state (every state named, 0 included)."""
    counts = {state.value: 0 for state in InboundState}
    rows = db.session.execute(select(InboundMessage.state, func.count()).group_by(InboundMessage.state))
    counts.update({state: count for state, count in rows})
    return counts


@bp.route("/")
def index():
    state = request.args.get("state") or None
    if state is not None and state not in STATE_LABELS:
        abort(404)
    # The raw bytes stay in the database: a page of 50 may hold megabytes of them.
    query = (select(InboundMessage).options(defer(InboundMessage.raw))
             .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()))
    if state:
        query = query.where(InboundMessage.state == state)
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    counts = state_counts()
    return render_template("inbound/received.html", page=page, state=state, counts=counts,
                           total=sum(counts.values()), zone=current_app.config["DEFAULT_TIMEZONE"])


@bp.route("/<int:message_id>")
def detail(message_id: int):
    message = db.get_or_404(InboundMessage, message_id)
    source = message.raw[:SOURCE_SHOWN].decode("utf-8", "replace")
    return render_template("inbound/received_detail.html", message=message, source=source,
                           source_cut=len(message.raw) > SOURCE_SHOWN,
                           zone=current_app.config["DEFAULT_TIMEZONE"])


@bp.route("/<int:message_id>/message.eml")
def eml(message_id: int):
    """The message exactly as it came in."""
    message = db.get_or_404(InboundMessage, message_id)
    return Response(message.raw, content_type="message/rfc822", headers={
        "Content-Disposition": f'attachment; filename="received-{message.id}.eml"',
        "Cache-Control": "private, no-store"})


@bp.route("/<int:message_id>/retry", methods=["POST"])
def retry_message(message_id: int):
    message = db.get_or_404(InboundMessage, message_id)
    if message.state != InboundState.FAILED:
        flash(_("Only a message whose applying failed can be retried."), "error")
        return redirect(url_for("received.detail", message_id=message.id)), 303
    if retry(message):
        flash(_("The message was applied."), "success")
    else:
        flash(_("Applying the message failed again; the error is shown below."), "error")
    return redirect(url_for("received.detail", message_id=message.id))
