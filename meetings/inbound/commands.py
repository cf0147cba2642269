"""``flask --app wsgi mail fetch`` and ``mail lmtp``: the IMAP and LMTP doors from the shell.

They join the ``mail`` command group (:func:`add_commands`, called by ``create_app``),
so the outbox package needs to know nothing of them.
"""
from __future__ import annotations

import click
from click import Group
from flask import current_app
from flask.cli import with_appcontext

from meetings.inbound.doors import StorageUnavailable, fetch_mailbox
from meetings.inbound.imap import MailboxError
from meetings.inbound.lmtp import LMTPServer


@click.command("fetch")
@with_appcontext
def fetch_command() -> None:
    """Read the new messages of the reply mailbox over IMAP, store and apply each one, then move
    them to the processed folder.

    Uses the INBOUND_IMAP_* settings. A message that cannot be read is stored with the
    reason and the others go on; messages are moved away only once they are stored
    (where they cannot be moved, they are flagged \\Seen and $MeetingsProcessed instead).
    Messages received earlier whose applying failed are then tried again.
    Exits with status 1 when no mailbox is configured, or the IMAP server or the
    database could not be used; what was not stored stays in the mailbox for the next run.
    Run it every minute from cron, unless the web process or the Celery worker does
    (INBOUND_FETCH_INTERVAL).
    """
    try:
        report = fetch_mailbox()
    except MailboxError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1)
    except StorageUnavailable as error:
        click.echo(f"The database could not be used ({error}); the messages stay in the mailbox "
                   "for the next run.", err=True)
        raise SystemExit(1)
    for note in report.notes:
        click.echo(note, err=True)
    states = ", ".join(f"{count} {state}" for state, count in sorted(report.states.items()))
    line = f"Read {report.read} new message(s) from {report.folder} on {report.where}"
    click.echo(line + (f": {states}." if states else "."))
    if report.too_large:
        click.echo(f"{report.too_large} message(s) larger than INBOUND_MAX_BYTES were kept as their header.")
    if report.moved:
        click.echo(f"Moved {report.moved} to {report.target}.")
    if report.flagged:
        click.echo(f"Flagged {report.flagged} as read and processed.")
    if report.retried:
        click.echo(f"Applied {report.retried} message(s) received earlier whose applying had failed.")
    for error in report.errors:
        click.echo(f"  {error}", err=True)


@click.command("lmtp")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8024, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@with_appcontext
def lmtp_command(host: str, port: int) -> None:
    """Serve the LMTP door for a local mail server (Postfix, Exim) until stopped (Ctrl-C, SIGTERM).

    Each recipient of a delivery is answered 250 once its copy is stored and applied,
    or 451 when it could not be stored (the database is down): the mail server keeps
    the message and tries again. Listen on loopback only: LMTP has no login.
    """
    server = LMTPServer(current_app._get_current_object(), host, port)
    try:
        server.serve_until_signalled(
            on_ready=lambda: click.echo(f"LMTP door listening on {host}:{server.port}; stop with Ctrl-C.", err=True))
    except OSError as error:
        click.echo(f"Could not listen on {host}:{port}: {error.strerror or error}.", err=True)
        raise SystemExit(1)
    click.echo("LMTP door stopped.", err=True)


def add_commands(group: Group) -> None:
    """Add ``fetch`` and ``lmtp`` to the ``mail`` command group."""
    group.add_command(fetch_command)
    group.add_command(lmtp_command)
