"""The HTTP door: ``POST /inbound/mail`` with one raw email as the body, for mail services
that forward incoming mail over HTTP.

The request carries ``Authorization: Bearer <INBOUND_WEBHOOK_SECRET>`` (compared in
constant time) and ``Content-Type: message/rfc822``; an optional ``recipient`` query
argument names the envelope recipient when the service knows it. Answers:

- 202 ``{"id": ..., "state": ...}``: stored (and applied); the same message sent
  again gets the same id and is not applied twice;
- 401 without the secret or with a wrong one; 404 while the setting is empty (the
  door is off); 413 above INBOUND_MAX_BYTES; 415 for another content type; 400 for
  an empty body or a recipient that is no address; 503 when it could not be stored
  now (the service should send it again later).

No session, no CSRF token: the secret is the credential.
"""
from __future__ import annotations

import hmac
import logging

from flask import Blueprint, abort, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from meetings.extensions import csrf
from meetings.inbound.doors import take

log = logging.getLogger(__name__)

bp = Blueprint("inbound_webhook", __name__, url_prefix="/inbound")
CONTENT_TYPE = "message/rfc822"
MAX_RECIPIENT = 254


def _error(status: int, message: str, **headers: str):
    response = jsonify(error=message)
    response.status_code = status
    response.headers.update(headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _authorised(secret: str) -> bool:
    scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
    # compare_digest on bytes: its time does not depend on where the first difference is.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"),
                                                              secret.encode("utf-8"))


def _recipient() -> tuple[str | None, str | None]:
    """The ``recipient`` query argument, checked; (address, problem)."""
    given = (request.args.get("recipient") or "").strip()
    if not given:
        return None, None
    local, at, domain = given.rpartition("@")
    if (not at or not local or not domain or len(given) > MAX_RECIPIENT
            or any(char.isspace() or ord(char) < 32 or char in "<>,;\"" for char in given)):
        return None, "recipient must be one email address (local@domain)"
    return given, None


@bp.route("/mail", methods=["POST"])
@csrf.exempt
def receive_mail():
    """Store one raw email posted by a mail service; 202 with its id and state."""
    config = current_app.config
    secret = config["INBOUND_WEBHOOK_SECRET"]
    if not secret:
        abort(404)
    if not _authorised(secret):
        return _error(401, "a valid 'Authorization: Bearer <secret>' header is required",
                      **{"WWW-Authenticate": 'Bearer realm="inbound-mail"'})
    limit = int(config["INBOUND_MAX_BYTES"])
    if request.content_length is not None and request.content_length > limit:
        return _error(413, f"the message is larger than {limit} bytes")
    if request.mimetype != CONTENT_TYPE:
        return _error(415, f"the body must be one email as {CONTENT_TYPE}")
    recipient, problem = _recipient()
    if problem:
        return _error(400, problem)
    # The app's own limit is for forms; this door takes messages up to INBOUND_MAX_BYTES. A body
    # without a length (chunked) is read to one byte beyond: werkzeug stops at the limit silently.
    request.max_content_length = limit + 1
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raw = None
    if raw is None or len(raw) > limit:
        return _error(413, f"the message is larger than {limit} bytes")
    if not raw.strip():
        return _error(400, "the body is empty")
    try:
        message = take(raw, door="http", recipient=recipient)
    except Exception:  # noqa: BLE001 - nothing stored: the service should deliver it again
        log.exception("Could not store a message posted to the HTTP door")
        return _error(503, "the message could not be stored just now; send it again later",
                      **{"Retry-After": "60"})
    response = jsonify(id=message.id, state=str(message.state))
    response.status_code = 202
    response.headers["Cache-Control"] = "no-store"
    return response
