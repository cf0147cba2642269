"""The LMTP door (RFC 2033): a local Postfix or Exim delivers the reply address here.

Each recipient of a delivery gets its own answer once its copy is stored: ``250``
after the commit, or ``451`` (try again later) when it could not be stored, e.g.
the database is down; the mail server keeps the message in its queue and retries,
so nothing is lost. aiosmtpd speaks the protocol; the storing runs in a worker
thread with an app context of its own, so one slow database call never stalls the
other connections.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Callable

from aiosmtpd.lmtp import LMTP
from flask import Flask

from meetings.inbound.doors import take

log = logging.getLogger(__name__)

# Lines longer than SMTP's 1000 octets occur in real mail; take them rather than refuse it.
LINE_LENGTH_LIMIT = 64 * 1024


class DeliveryHandler:
    """aiosmtpd handler: every recipient's copy goes to :func:`meetings.inbound.doors.take`."""

    def __init__(self, app: Flask):
        self.app = app

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or b""
        loop = asyncio.get_running_loop()
        replies = []
        # LMTP answers once per recipient, in the order they were given (RFC 2033 4.2).
        for recipient in envelope.rcpt_tos:
            replies.append(await loop.run_in_executor(None, self.store, raw, recipient))
        return "\r\n".join(replies)

    def store(self, raw: bytes, recipient: str) -> str:
        """Store one recipient's copy; the LMTP reply for it."""
        with self.app.app_context():
            try:
                message = take(raw, door="lmtp", recipient=recipient)
            except Exception:  # noqa: BLE001 - nothing stored: the mail server keeps it and retries
                log.exception("Could not store a message delivered over LMTP for %s", recipient)
                return f"451 4.3.0 <{recipient}> Could not be stored just now; try again later"
            return f"250 2.0.0 <{recipient}> Stored as message {message.id}"


class _Protocol(LMTP):
    line_length_limit = LINE_LENGTH_LIMIT


class LMTPServer:
    """The LMTP door on ``host``:``port`` (0: a free port), in an event loop of its own thread."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 8024):
        self.app = app
        self.host = host
        self.port = port
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def _factory(self) -> LMTP:
        hostname = self.app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        # The size limit is the door's own (too large: its header is kept), so aiosmtpd's is off.
        return _Protocol(DeliveryHandler(self.app), data_size_limit=None, enable_SMTPUTF8=True,
                         hostname=hostname or "localhost", ident="cluster meetings LMTP", loop=self.loop)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self._server = self.loop.run_until_complete(
                self.loop.create_server(self._factory, host=self.host, port=self.port, reuse_address=True))
        except BaseException as error:  # noqa: BLE001 - handed to start(), which raises it
            self._error = error
            self.loop.close()
            self._ready.set()
            return
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            self._server.close()
            # Connections still open are not waited for: their mail server will retry.
            self.loop.run_until_complete(asyncio.wait_for(self._server.wait_closed(), 5))
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()

    def start(self) -> "LMTPServer":
        """Listen; raises OSError when the address cannot be bound."""
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="lmtp-door", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            self._thread.join(5)
            raise self._error
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop listening; the deliveries being stored finish first."""
        if self.loop is not None and self._thread is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)

    def serve_until_signalled(self, on_ready: Callable[[], None] | None = None) -> None:
        """Serve until SIGTERM or SIGINT (the command's way of running)."""
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            if on_ready is not None:
                on_ready()
            stop.wait()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def __enter__(self) -> "LMTPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
