"""Organiser pages for a meeting's participants: choosing invitees, sending their
invitations, and removing them (after a confirmation)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from meetings.auth.access import require_organiser
from meetings.core.views import render_form
from meetings.events.public import get_meeting_or_404
from meetings.extensions import db
from meetings.events.services import update_pending
from meetings.invitations.services import InvitationError, remove_invitee, send_invitations, sending_blocked
from meetings.invitations.views import error_text
from meetings.participants.forms import ContactFilterForm, InviteForm
from meetings.registration.forms import ActionForm
from meetings.registration.services import after_seat_freed
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus
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
    people = list_invitees(meeting)
    return render_form("participants/invitees.html", form, meeting=meeting, filter_form=filter_form,
                       invitees=people, newcomers=groups_with_newcomers(meeting),
                       pending=[p for p in people if p.invited_at is None and p.status == ParticipantStatus.INVITED],
                       blocked=sending_blocked(meeting), update_pending=update_pending(meeting),
                       error_text=error_text)


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
        flash(_("Added to the list: %(added)d. Already on the list: %(already)d.",
                added=len(result.added), already=result.already), "success")
        if result.added:
            flash(_("Nothing has been sent yet: send the invitations when the list is ready."), "info")
        return redirect(url_for("participants.invitees", meeting_id=meeting.id))
    return _render(meeting, form, filter_form)


@bp.route("/<int:meeting_id>/invitees/send", methods=["POST"])
def send(meeting_id: int):
    """Send the invitations of everyone on the list not yet invited (the responses page's sending)."""
    meeting = get_meeting_or_404(meeting_id)
    target = url_for("participants.invitees", meeting_id=meeting.id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        count = send_invitations(meeting)
    except InvitationError as exc:
        db.session.rollback()
        flash(error_text(exc.code), "error")
        return redirect(target, code=303)
    db.session.commit()
    flash(ngettext("%(num)d invitation queued.", "%(num)d invitations queued.", count) if count
          else _("Everyone on the list is already invited."), "success")
    return redirect(target, code=303)


# Where "Remove" was chosen, so the person returns there afterwards.
_BACK = {"responses": "invitations.responses", "participants": "registration_admin.participants",
         "invitees": "participants.invitees"}


@bp.route("/<int:meeting_id>/invitees/<int:participant_id>/remove", methods=["GET", "POST"])
def remove(meeting_id: int, participant_id: int):
    """Ask first, then take the invitee off the list; only the confirmation's POST removes."""
    meeting = get_meeting_or_404(meeting_id)
    participant = db.get_or_404(Participant, participant_id)
    if participant.meeting_id != meeting.id or participant.kind != ParticipantKind.INVITEE:
        abort(404)
    name = participant.name or participant.email
    back = request.values.get("back")
    back = back if back in _BACK else "invitees"
    target = url_for(_BACK[back], meeting_id=meeting.id)
    form = ActionForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if participant.status in (ParticipantStatus.CANCELLED, ParticipantStatus.DELEGATED):
        flash(error_text("already_removed"), "info")
        return redirect(target, code=303)
    if request.form.get("confirm") != "yes":
        # Only the confirmation page's button removes; a link, a reload or an old one-click form only asks.
        return render_template("participants/remove.html", meeting=meeting, participant=participant, form=form,
                               back=back, cancel_url=target)
    try:
        # Someone already invited is sent a cancellation; someone never invited is just taken off.
        remove_invitee(participant)
        if meeting.capacity is not None:
            # An accepted invitee's seat goes to the first person waiting.
            after_seat_freed(meeting)
    except InvitationError as exc:
        db.session.rollback()
        flash(error_text(exc.code), "error")
        return redirect(target, code=303)
    db.session.commit()
    flash(_("%(name)s is no longer invited.", name=name), "success")
    return redirect(target, code=303)
