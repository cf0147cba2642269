"""Which language each request is answered in."""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user

from meetings.extensions import babel


def select_locale() -> str:
    """``?lang=`` of a GET request, else the visitor's choice (switcher, kept in the session), else the language of the
    person a personal page belongs to (``g.page_language``, set by RSVP and manage
    pages), else the organiser's profile, else the browser's Accept-Language, else English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # Mail and CLI work choose their language explicitly (force_locale).
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang") if request.method == "GET" else None
    if asked in languages:
        # An address in one language (the sitemap's alternates, an embedded list) says so itself.
        return asked
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if g.get("page_language") in languages:
        return g.page_language
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_babel(app: Flask) -> None:
    # Catalogs live in meetings/translations (Flask-Babel's default, relative to the package).
    babel.init_app(app, locale_selector=select_locale)
