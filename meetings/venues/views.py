"""Organiser pages for venues."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from meetings.auth.access import require_organiser
from meetings.core.views import render_form
from meetings.extensions import db
from meetings.venues.forms import VenueForm
from meetings.venues.models import Venue
from meetings.venues.services import delete_venue, list_venues, save_venue

bp = Blueprint("venues", __name__, url_prefix="/manage/venues")
bp.before_request(require_organiser)


@bp.route("/")
def index():
    return render_template("venues/index.html", venues=list_venues())


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = VenueForm()
    if not form.is_submitted():
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        venue = save_venue(None, form.data)
        db.session.commit()
        flash(_("Venue “%(name)s” created.", name=venue.name), "success")
        return redirect(url_for("venues.index"))
    return render_form("venues/form.html", form, venue=None)


@bp.route("/<int:venue_id>", methods=["GET", "POST"])
def edit(venue_id: int):
    venue = db.get_or_404(Venue, venue_id)
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        save_venue(venue, form.data)
        db.session.commit()
        flash(_("Venue “%(name)s” saved.", name=venue.name), "success")
        return redirect(url_for("venues.index"))
    return render_form("venues/form.html", form, venue=venue)


@bp.route("/<int:venue_id>/delete", methods=["POST"])
def delete(venue_id: int):
    venue = db.get_or_404(Venue, venue_id)
    if not delete_venue(venue):
        flash(_("“%(name)s” is the venue of meetings and cannot be deleted.", name=venue.name), "error")
        return redirect(url_for("venues.edit", venue_id=venue.id)), 303
    db.session.commit()
    flash(_("Venue deleted."), "success")
    return redirect(url_for("venues.index"))
