"""``flask --app wsgi demo ...``: load the demo cluster and show its login."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from meetings.auth.services import find_user
from meetings.demo.data import DEMO_EMAIL, DEMO_PASSWORD, is_empty, load_demo
from meetings.extensions import db

demo_cli = AppGroup("demo", help="Demo data: the Advanced Manufacturing & Robotics cluster.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (and say so) when the database already holds organisations or meetings.")
def load_command(if_empty: bool) -> None:
    """Load the demo cluster: partners, contacts, the Core Team, venues, topics,
    the held kick-off meeting of 5 June 2024, the next Core Team meeting, a public
    event with registration open, and an administrator account.

    Run it on an empty database (after `flask db upgrade`).
    """
    if not is_empty():
        if if_empty:
            click.echo("The database already holds organisations or meetings; the demo data was not loaded.")
            return
        raise click.ClickException("The database already holds organisations or meetings. "
                                   "Load the demo into an empty database, or pass --if-empty to skip.")
    summary = load_demo()
    db.session.commit()
    click.echo(f"Loaded the demo cluster: {summary.organisations} organisations, {summary.contacts} contacts, "
               f"a Core Team of {summary.core_team}, {len(summary.meetings)} meetings:")
    for meeting in summary.meetings:
        click.echo(f"  {meeting.local_start:%Y-%m-%d %H:%M} {meeting.timezone}  {meeting.title} ({meeting.status})")


@demo_cli.command("login")
def login_command() -> None:
    """Print the demo organiser's login (email and password)."""
    click.echo("Demo organiser login (administrator):")
    click.echo(f"  email:    {DEMO_EMAIL}")
    click.echo(f"  password: {DEMO_PASSWORD}")
    user = find_user(DEMO_EMAIL)
    if user is None:
        click.echo("  (no such account yet: run 'flask --app wsgi demo load' first)")
    elif not user.check_password(DEMO_PASSWORD):
        click.echo("  (the account exists but its password has been changed since)")
