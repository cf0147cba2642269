"""Public event pages (PLACEHOLDER: being written)."""
from flask import Blueprint

bp = Blueprint("events_public", __name__, url_prefix="/events")


@bp.route("/")
def index():
    return "events"


@bp.route("/<slug>")
def detail(slug):
    return slug
