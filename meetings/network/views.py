"""Organiser pages for the network (PLACEHOLDER: being written)."""
from flask import Blueprint

from meetings.auth.access import require_organiser

bp = Blueprint("network", __name__, url_prefix="/manage")
bp.before_request(require_organiser)


@bp.route("/organisations/")
def organisations():
    return "orgs"


@bp.route("/contacts/")
def contacts():
    return "contacts"


@bp.route("/groups/")
def groups():
    return "groups"
