"""Organiser pages for the outbox: every message, its state, its content, retry."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from meetings.auth.access import require_organiser
from meetings.extensions import db
from meetings.core.views import page_number
from meetings.mail.message import ATTACHMENT_NAME, message_bytes
from meetings.mail.models import FAILED, QUEUED, SENDING, SENT, STATUSES, OutboxMessage
from meetings.mail.outbox import delivery_mode, prepare, release_all_queued, retry_now, status_counts

bp = Blueprint("mail", __name__, url_prefix="/manage/mail")
bp.before_request(require_organiser)

PER_PAGE = 50
STATUS_LABELS = {QUEUED: _l("Queued"), SENDING: _l("Sending"), SENT: _l("Sent"), FAILED: _l("Failed")}
# The message's own HTML runs no script, loads nothing, and cannot navigate: styles only.
BODY_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"


@bp.app_context_processor
def mail_labels() -> dict:
    return {"mail_status_labels": STATUS_LABELS}


def _message_or_404(message_id: int) -> OutboxMessage:
    """The message, its content written first if it was queued without (so it can be read)."""
    message = db.get_or_404(OutboxMessage, message_id)
    if not message.is_prepared and message.status != SENT:
        prepare([message.id])
        db.session.commit()
    return message


@bp.route("/")
def index():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(404)
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    counts = status_counts()
    return render_template("mail/index.html", page=page, status=status, counts=counts,
                           total=sum(counts.values()), mode=delivery_mode(),
                           zone=current_app.config["DEFAULT_TIMEZONE"])


@bp.route("/<int:message_id>")
def detail(message_id: int):
    message = _message_or_404(message_id)
    return render_template("mail/detail.html", message=message, mode=delivery_mode(),
                           zone=current_app.config["DEFAULT_TIMEZONE"])


@bp.route("/<int:message_id>/body.html")
def html_body(message_id: int):
    """The message's HTML as the recipient sees it, for the sandboxed frame on the detail page."""
    message = _message_or_404(message_id)
    if not message.html_body:
        abort(404)
    response = Response(message.html_body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = BODY_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:message_id>/invite.ics")
def ics(message_id: int):
    message = _message_or_404(message_id)
    if not message.ics:
        abort(404)
    content_type = "text/calendar; charset=utf-8"
    if message.ics_method:
        content_type += f"; method={message.ics_method}"
    return Response(message.ics.encode("utf-8"), content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{ATTACHMENT_NAME}"', "Cache-Control": "private, no-store"})


@bp.route("/<int:message_id>/message.eml")
def eml(message_id: int):
    """The whole email as it goes (or went) over SMTP."""
    message = _message_or_404(message_id)
    if not message.is_prepared:
        abort(404)
    data = message_bytes(message, sender=current_app.config["MAIL_DEFAULT_SENDER"],
                         date=message.sent_at or message.created_at)
    return Response(data, content_type="message/rfc822", headers={
        "Content-Disposition": f'attachment; filename="message-{message.id}.eml"',
        "Cache-Control": "private, no-store"})


@bp.route("/<int:message_id>/retry", methods=["POST"])
def retry(message_id: int):
    message = _message_or_404(message_id)
    if not retry_now(message):
        flash(_("This message has been sent already or is being sent; it is not sent again."), "error")
        return redirect(url_for("mail.detail", message_id=message.id)), 303
    db.session.commit()
    if delivery_mode() == "none":
        flash(_("The message is queued. It will be sent once a mail server is configured."), "info")
    else:
        flash(_("The message is queued for delivery now."), "success")
    return redirect(url_for("mail.detail", message_id=message.id))


@bp.route("/send", methods=["POST"])
def send_all():
    if delivery_mode() == "none":
        flash(_("No mail server is configured: messages are kept here until a mail server is configured."),
              "error")
        return redirect(url_for("mail.index")), 303
    count = release_all_queued()
    db.session.commit()
    flash(ngettext("Delivery of %(num)d queued message has started.",
                   "Delivery of %(num)d queued messages has started.", count), "success")
    return redirect(url_for("mail.index"))
