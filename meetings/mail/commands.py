"""``flask --app wsgi mail ...``: deliver the outbox and see its state from the shell."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from meetings.extensions import db
from meetings.mail.delivery import NoMailServer, deliver_due
from meetings.mail.models import FAILED, QUEUED, OutboxMessage
from meetings.mail.outbox import delivery_mode, next_attempt, retry_now, status_counts

mail_cli = AppGroup("mail", help="Deliver the outbox and show its state.")


def _server() -> str:
    config = current_app.config
    return f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"


@mail_cli.command("send")
@click.option("--all", "include_not_due", is_flag=True,
              help="Also send queued messages whose next retry is still in the future.")
@click.option("--batch-size", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="Messages sent over one SMTP connection.")
def send_command(include_not_due: bool, batch_size: int) -> None:
    """Deliver every queued message that is due, in batches over one SMTP connection each.

    Uses MAIL_SERVER, MAIL_PORT and the other MAIL_* settings. Messages the server
    refuses for now wait for their next attempt; a permanently refused recipient
    fails that message alone. Exits with status 1 when no mail server is configured
    or it could not be reached. Messages an interrupted run left claimed for longer
    than MAIL_CLAIM_TIMEOUT go back to the queue first and are sent too.
    """
    try:
        report = deliver_due(batch_size=batch_size, include_not_due=include_not_due)
    except NoMailServer:
        waiting = status_counts()[QUEUED]
        click.echo(f"No MAIL_SERVER configured: {waiting} message(s) stay in the outbox. "
                   "Set MAIL_SERVER (and MAIL_PORT) and run this again.", err=True)
        raise SystemExit(1)
    click.echo(f"Sent {report.sent}, to retry later {report.retrying}, failed {report.failed} "
               f"(over {report.connections} connection(s) to {_server()}).")
    if report.requeued:
        click.echo(f"{report.requeued} message(s) left claimed by an interrupted run were queued again "
                   "(and sent with this run, when due).")
    for message_id, error in sorted(report.errors.items()):
        click.echo(f"  message {message_id}: {error}")
    if report.connection_error:
        click.echo(f"The mail server could not be used: {report.connection_error}", err=True)
        raise SystemExit(1)


@mail_cli.command("status")
def status_command() -> None:
    """Show how many messages are queued, being sent, sent and failed, and how delivery runs."""
    counts = status_counts()
    for status, count in counts.items():
        click.echo(f"{status:>8}: {count}")
    due = next_attempt()
    if due is not None:
        click.echo(f"next attempt: {due.isoformat(timespec='seconds')}")
    mode = delivery_mode()
    if mode == "none":
        click.echo("delivery: no MAIL_SERVER configured; messages are kept in the outbox")
    elif mode == "thread":
        click.echo(f"delivery: in the web process, to {_server()}")
    else:
        click.echo(f"delivery: Celery worker ({current_app.config['CELERY_BROKER_URL'].split('@')[-1]}), "
                   f"to {_server() if current_app.config['MAIL_SERVER'] else 'no MAIL_SERVER'}")


@mail_cli.command("retry")
@click.argument("message_ids", nargs=-1, type=int)
@click.option("--failed", "all_failed", is_flag=True, help="Retry every failed message.")
def retry_command(message_ids: tuple[int, ...], all_failed: bool) -> None:
    """Queue failed (or waiting) messages for delivery now; give their ids or --failed.

    They leave with the next ``flask mail send`` or, when a server is configured,
    right away in the background.
    """
    if not message_ids and not all_failed:
        raise click.UsageError("give message ids or --failed")
    query = select(OutboxMessage)
    query = query.where(OutboxMessage.status == FAILED) if all_failed else query.where(
        OutboxMessage.id.in_(message_ids))
    messages = list(db.session.scalars(query.order_by(OutboxMessage.id)))
    retried = [message.id for message in messages if retry_now(message)]
    db.session.commit()
    missing = sorted(set(message_ids) - {message.id for message in messages})
    click.echo(f"Queued {len(retried)} message(s) for delivery now.")
    if missing:
        click.echo(f"No such message: {', '.join(map(str, missing))}", err=True)
