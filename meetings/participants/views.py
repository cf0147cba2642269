"""Organiser pages for a meeting's participants: choosing and removing invitees."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from meetings.auth.access import require_organiser
from meetings.core.views import render_form
from meetings.events.views import get_meeting_or_404
from meetings.extensions import db
from meetings.invitations.services import InvitationError, remove_invitee
from meetings.invitations.views import error_text
from meetings.participants.forms import ContactFilterForm, InviteForm
from meetings.participants.models import Participant
from meetings.participants.services import (contacts_for, group_sizes, groups_with_newcomers, invite_contacts,
                                            list_groups, list_invitees,
                                            list_organisations, search_contacts)

bp = Blueprint("participants", __name__, url_prefix="/manage/meetings")
bp.before_request(require_organiser)


def _filter() -> ContactFilterForm:
    form = ContactFilterForm(request.args)
    form.validate()
    return form


def _invite_form(filter_form: ContactFilterForm, **kwargs) -> InviteForm:
    text = None if filter_form.q.errors else filter_form.q.data
    return InviteForm(contacts=search_contacts(text), groups=list_groups(), organisations=list_organisations(),
                      group_sizes=group_sizes(), **kwargs)


def _render(meeting, form, filter_form):
    return render_form("participants/invitees.html", form, meeting=meeting, filter_form=filter_form,
                       invitees=list_invitees(meeting), newcomers=groups_with_newcomers(meeting))


@bp.route("/<int:meeting_id>/invitees", methods=["GET", "POST"])
def invitees(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    filter_form = _filter()
    form = _invite_form(filter_form)
    if form.validate_on_submit():
        people = contacts_for(contact_ids=form.contacts.data, groups=form.groups.data,
                              organisations=form.organisations.data)
        result = invite_contacts(meeting, people)
        db.session.commit()
        flash(_("Invitees added: %(added)d. Already on the list: %(already)d.",
                added=len(result.added), already=result.already), "success")
        return redirect(url_for("participants.invitees", meeting_id=meeting.id))
    return _render(meeting, form, filter_form)


@bp.route("/<int:meeting_id>/invitees/<int:participant_id>/remove", methods=["POST"])
def remove(meeting_id: int, participant_id: int):
    meeting = get_meeting_or_404(meeting_id)
    participant = db.get_or_404(Participant, participant_id)
    if participant.meeting_id != meeting.id or participant.kind != "invitee":
        abort(404)
    name = participant.name or participant.email
    back = request.form.get("back") == "responses"
    target = url_for("invitations.responses" if back else "participants.invitees", meeting_id=meeting.id)
    try:
        # Someone already invited is sent a cancellation; someone never invited is just taken off.
        remove_invitee(participant)
    except InvitationError as exc:
        db.session.rollback()
        flash(error_text(exc.code), "error")
        return redirect(target, code=303)
    db.session.commit()
    flash(_("%(name)s is no longer invited.", name=name), "success")
    return redirect(target)
