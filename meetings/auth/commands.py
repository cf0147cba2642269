"""``flask --app wsgi users ...``: manage organiser accounts from the shell."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from meetings.auth.forms import MIN_PASSWORD
from meetings.auth.services import AccountError, create_user
from meetings.core.emails import InvalidEmail, checked_email
from meetings.extensions import db

users_cli = AppGroup("users", help="Manage organiser accounts.")


@users_cli.command("create")
@click.option("--email", prompt=True, help="Login email of the organiser.")
@click.option("--name", prompt=True, help="Name shown in the app.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password (at least 10 characters).")
@click.option("--admin/--no-admin", default=False, help="Administrators manage organiser accounts.")
@click.option("--language", type=click.Choice(["en", "de", "nl"]), default="en", help="Interface language.")
def create_command(email: str, name: str, password: str, admin: bool, language: str) -> None:
    """Create an organiser account."""
    try:
        address = checked_email(email)
    except InvalidEmail:
        raise click.BadParameter("not a valid email address", param_hint="--email") from None
    if not name.strip():
        raise click.BadParameter("the name must not be empty", param_hint="--name")
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"use at least {MIN_PASSWORD} characters", param_hint="--password")
    try:
        create_user(address, name, password, is_admin=admin, language=language)
    except AccountError:
        raise click.BadParameter(f"an account with {email} exists already", param_hint="--email")
    db.session.commit()
    click.echo(f"Created {'administrator' if admin else 'organiser'} {address}")
