"""The cluster meeting manager: ``create_app`` builds the Flask application."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Make the app. ``config`` replaces the settings read from the environment."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    register_config(app, config)
    register_extensions(app)
    register_i18n(app)
    register_auth(app)
    register_blueprints(app)
    register_signals()
    register_mail_content()
    register_templating(app)
    register_security(app)
    register_errors(app)
    register_api(app)
    register_commands(app)
    register_feeds(app)
    register_mail_delivery(app)
    register_mail_fetching(app)
    register_proxy(app)
    return app


def register_config(app: Flask, config: Mapping[str, Any] | None) -> None:
    from dotenv import load_dotenv

    from config import load_config

    if config is None:
        load_dotenv(ROOT / ".env")
        app.config.update(load_config(Path(app.instance_path)))
    else:
        app.config.update(config)


def register_extensions(app: Flask) -> None:
    import meetings.models  # noqa: F401  (all tables known before anything uses the metadata)
    from meetings.core.database import init_database
    from meetings.extensions import csrf, db, limiter, mail, migrate

    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)


def register_i18n(app: Flask) -> None:
    from meetings.site.i18n import init_babel

    init_babel(app)


def register_auth(app: Flask) -> None:
    from meetings.auth.access import init_login
    from meetings.auth.oidc import init_oidc

    init_login(app)
    init_oidc(app)


def register_signals() -> None:
    """Higher capabilities answer what the lower ones announce (blinker ignores a repeated connect)."""
    from meetings.events.queries import meetings_at_venue
    from meetings.events.signals import capacity_check, meeting_changed, meeting_deleting
    from meetings.invitations.services import take_off_list
    from meetings.network.signals import contact_deleting, organisation_deleting
    from meetings.participants.services import delete_all_participants, unlink_contact, unlink_organisation
    from meetings.registration.services import after_seat_freed, capacity_problem
    from meetings.registration.signals import invitee_removal
    from meetings.venues.signals import venue_in_use

    venue_in_use.connect(meetings_at_venue, weak=False)
    organisation_deleting.connect(unlink_organisation, weak=False)
    contact_deleting.connect(unlink_contact, weak=False)
    meeting_deleting.connect(delete_all_participants, weak=False)
    capacity_check.connect(capacity_problem, weak=False)
    # A larger capacity moves people up from the waiting list at once.
    meeting_changed.connect(after_seat_freed, weak=False)
    invitee_removal.connect(take_off_list, weak=False)


def register_mail_content() -> None:
    """Who writes the emails that are queued first and written at delivery (outbox.queue_later)."""
    from meetings.invitations import notifications as invitation_mail
    from meetings.mail.outbox import register_preparer
    from meetings.polls import notifications as poll_mail

    register_preparer(invitation_mail.KINDS, invitation_mail.prepare)
    register_preparer(poll_mail.KINDS, poll_mail.prepare)


def register_blueprints(app: Flask) -> None:
    from meetings.auth.oidc_views import bp as oidc_bp
    from meetings.auth.views import bp as auth_bp
    from meetings.blog.views import bp as blog_bp
    from meetings.blog.views import record_drafts as blog_drafts_bp
    from meetings.blog.views import manage as blog_manage_bp
    from meetings.calendar.views import bp as calendar_bp
    from meetings.events.public import bp as events_public_bp
    from meetings.events.views import bp as events_bp
    from meetings.followup.comments import bp as minutes_comments_bp
    from meetings.followup.register_views import bp as decisions_bp
    from meetings.followup.views import bp as followup_bp
    from meetings.inbound.views import bp as inbound_bp
    from meetings.invitations.views import bp as invitations_bp
    from meetings.invitations.views import rsvp as rsvp_bp
    from meetings.inbound.received import bp as received_bp
    from meetings.inbound.webhook import bp as inbound_webhook_bp
    from meetings.mail.views import bp as mail_bp
    from meetings.network.public import bp as network_public_bp
    from meetings.polls.views import bp as polls_bp
    from meetings.polls.views import vote_bp as poll_vote_bp
    from meetings.network.views import bp as network_bp
    from meetings.pages.views import bp as pages_bp
    from meetings.pages.views import manage as pages_manage_bp
    from meetings.invitations.invitees import bp as participants_bp
    from meetings.registration.views import admin as registration_admin_bp
    from meetings.registration.views import bp as registration_bp
    from meetings.reports.views import bp as reports_bp
    from meetings.site.views import bp as site_bp
    from meetings.venues.views import bp as venues_bp

    from meetings.core.routing import IdConverter

    app.url_map.converters["int"] = IdConverter
    for blueprint in (site_bp, auth_bp, oidc_bp, network_bp, network_public_bp, venues_bp,
                      events_bp, events_public_bp, participants_bp, mail_bp, calendar_bp,
                      invitations_bp, rsvp_bp, followup_bp, blog_bp, blog_manage_bp, blog_drafts_bp,
                      registration_bp, registration_admin_bp, reports_bp, inbound_bp, received_bp,
                      inbound_webhook_bp, minutes_comments_bp, decisions_bp, pages_bp, pages_manage_bp,
                      polls_bp, poll_vote_bp):
        app.register_blueprint(blueprint)


def register_templating(app: Flask) -> None:
    from meetings.site.templating import init_templating

    init_templating(app)


def register_security(app: Flask) -> None:
    from meetings.site.security import init_security

    init_security(app)


def register_errors(app: Flask) -> None:
    from meetings.site.errors import init_errors

    init_errors(app)


def register_api(app: Flask) -> None:
    """After the error pages: errors under /api/ answer JSON, the others keep their pages."""
    from meetings.api.views import init_api

    init_api(app)


def register_feeds(app: Flask) -> None:
    """The feeds' data version follows the app's session; their events are kept per application."""
    from meetings.calendar import cache, versions

    versions.init_app(app)
    cache.init_app(app)


def register_mail_delivery(app: Flask) -> None:
    """Last, once the app is complete: deliver after commits, and in a process that serves the app,
    now and on a timer (meetings.mail.runner)."""
    from meetings.mail.runner import init_mail

    init_mail(app)


def register_mail_fetching(app: Flask) -> None:
    """After delivery: read the reply mailbox on a timer, when one is configured (meetings.inbound.doors)."""
    from meetings.inbound.doors import init_doors

    init_doors(app)


def register_proxy(app: Flask) -> None:
    """Last, so that it is outermost: every layer sees the client's address, scheme and host."""
    from meetings.site.security import init_proxy

    init_proxy(app)


def register_commands(app: Flask) -> None:
    from meetings.auth.commands import users_cli
    from meetings.demo.commands import demo_cli
    from meetings.inbound.commands import add_commands as add_inbound_commands
    from meetings.mail.commands import mail_cli

    # The mail group holds the outbox's commands and the doors' (fetch, lmtp) beside them.
    add_inbound_commands(mail_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
