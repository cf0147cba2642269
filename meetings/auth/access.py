"""Who may see what: login loading and the organiser/admin guards."""
from __future__ import annotations

import hmac

from flask import Flask, abort, current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from meetings.auth.models import User
from meetings.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(login_id: str) -> User | None:
        # ``User.get_id``: "<id>.<session token>"; a token renewed since the session or
        # remember cookie was made no longer matches, and the visitor is anonymous.
        user_id, _, token = login_id.partition(".")
        if not user_id.isdigit() or not token:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
            return None
        return user


def start_session(user: User, remember: bool) -> None:
    """Log ``user`` in on this browser, with a CSRF token of the new session's own."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    session.pop(field, None)
    g.pop(field, None)
    login_user(user, remember=remember, fresh=True)


def has_remember_cookie() -> bool:
    """Whether this browser came with a remember-me cookie."""
    return current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies


def require_organiser() -> object | None:
    """``before_request`` for organiser blueprints: anonymous visitors go to the login."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def require_admin() -> None:
    """Abort with 403 unless the logged-in organiser is an administrator."""
    if not current_user.is_authenticated:
        abort(401)
    if not current_user.is_admin:
        abort(403)


def safe_next(default: str) -> str:
    """The ``next`` parameter if it is a local path, else ``default``."""
    target = request.values.get("next") or ""
    # Browsers drop tabs and line breaks from addresses, so "/\t/evil.example"
    # would become "//evil.example": refuse anything but visible characters.
    visible = target.isprintable() and " " not in target
    if visible and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
