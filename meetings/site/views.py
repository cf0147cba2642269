"""Home page and the language switcher."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, session, url_for

from meetings.auth.access import safe_next
from meetings.events.queries import upcoming_public_meetings

bp = Blueprint("site", __name__)


@bp.route("/")
def home():
    return render_template("site/home.html", meetings=upcoming_public_meetings(limit=6))


@bp.route("/language/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    session.permanent = True
    return redirect(safe_next(url_for("site.home")))
