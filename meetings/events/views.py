"""Organiser pages for meetings (PLACEHOLDER: being written)."""
from flask import Blueprint

from meetings.auth.access import require_organiser

bp = Blueprint("events", __name__, url_prefix="/manage/meetings")
bp.before_request(require_organiser)


@bp.route("/")
def index():
    return "meetings"


@bp.route("/topics/")
def topics():
    return "topics"
