"""The public Network page: partner organisations that agreed to be shown, never contact data."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from meetings.network.forms import COUNTRY_LABELS, KIND_LABELS
from meetings.network.services import public_organisations_by_country

bp = Blueprint("network_public", __name__, url_prefix="/network")

SECTION_TITLES = {"NL": _l("Netherlands"), "DE": _l("Germany"), "OTHER": _l("Other countries")}


@bp.route("/")
def index():
    return render_template("network/public.html", sections=public_organisations_by_country(),
                           section_titles=SECTION_TITLES, kind_labels=KIND_LABELS, country_labels=COUNTRY_LABELS)
