"""Public network page (PLACEHOLDER: being written)."""
from flask import Blueprint

bp = Blueprint("network_public", __name__, url_prefix="/network")


@bp.route("/")
def index():
    return "network"
