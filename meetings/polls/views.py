"""Organiser pages of a date poll (start, send, results, remind, choose, cancel) and the page
of each person asked, reached through their personal link (no account)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from meetings.auth.access import require_organiser
from meetings.core.views import personal_page, render_form
from meetings.core.timezones import to_utc
from meetings.core.types import utcnow
from meetings.events.public import get_meeting_or_404
from meetings.events.models import MeetingStatus
from meetings.events.services import save_meeting
from meetings.extensions import db, limiter
from meetings.participants.forms import ContactFilterForm
from meetings.participants.services import (contacts_for, group_sizes, list_groups, list_organisations,
                                            search_contacts)
from meetings.polls import services
from meetings.polls.forms import CancelPollForm, ChooseForm, NewMeetingForm, PollForm, vote_form_for
from meetings.polls.models import Poll, PollSlot
from meetings.polls.states import PollAnswer, PollState
from meetings.registration.forms import ActionForm
from meetings.venues.models import Venue

bp = Blueprint("polls", __name__, url_prefix="/manage")
bp.before_request(require_organiser)
vote_bp = Blueprint("poll_vote", __name__, url_prefix="/poll")

ERRORS = {
    "not_draft": lambda: _("A poll can find the date only of a meeting that is still a draft."),
    "poll_open": lambda: _("This meeting already has an open poll."),
    "slot_count": lambda: _("A poll needs between 2 and 15 dates."),
    "duplicate_slot": lambda: _("Two of the dates are the same."),
    "nobody": lambda: _("Choose at least one contact, group or organisation."),
    "already_sent": lambda: _("The poll has been sent already."),
    "not_sent": lambda: _("Send the poll first."),
    PollState.CLOSED: lambda: _("This poll is closed: a date has been chosen."),
    PollState.CANCELLED: lambda: _("This poll has been called off."),
    "bad_answer": lambda: _("Please answer for every date."),
    "bad_slot": lambda: _("This date is not one of the poll's."),
}


def error_text(code: str) -> str:
    return ERRORS.get(code, ERRORS["bad_answer"])()


def get_poll_or_404(poll_id: int) -> Poll:
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        abort(404)
    return poll


def _conflict(poll: Poll, code: str):
    """The 409 page: the poll changed under the organiser (closed or called off by someone else)."""
    return render_template("polls/conflict.html", poll=poll, meeting=poll.meeting, message=error_text(code)), 409


# --- the organiser -------------------------------------------------------------------

@bp.route("/polls/new-meeting", methods=["GET", "POST"])
def new_meeting():
    """A new draft meeting "with date to be found": title and venue, then its poll."""
    venues = list(db.session.scalars(select(Venue).order_by(Venue.name)))
    form = NewMeetingForm(venues=venues)
    if form.validate_on_submit():
        venue = form.venues[form.venue_id.data]
        # Held at noon tomorrow until the poll finds the date; a draft is shown to nobody.
        day = (utcnow() + timedelta(days=1)).date()
        starts_at = to_utc(datetime.combine(day, time(12)), venue.timezone)
        meeting = save_meeting(None, {"title": form.title.data, "language": "en", "venue_id": venue.id,
                                      "timezone": venue.timezone, "starts_at": starts_at,
                                      "ends_at": starts_at + timedelta(hours=2), "visibility": "invitation",
                                      "status": MeetingStatus.DRAFT})
        db.session.commit()
        return redirect(url_for("polls.new", meeting_id=meeting.id), code=303)
    return render_form("polls/new_meeting.html", form)


def _poll_form(meeting, filter_form=None, **kwargs) -> PollForm:
    text = None if filter_form is None or filter_form.q.errors else filter_form.q.data
    return PollForm(contacts=search_contacts(text), groups=list_groups(), organisations=list_organisations(),
                    group_sizes=group_sizes(), zone=meeting.timezone, **kwargs)


@bp.route("/meetings/<int:meeting_id>/poll/new", methods=["GET", "POST"])
def new(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    filter_form = ContactFilterForm(request.args)
    filter_form.validate()
    form = _poll_form(meeting, filter_form)
    reason = services.can_start(meeting)
    if reason == "poll_open":
        return redirect(url_for("polls.show", poll_id=services.poll_of(meeting).id))
    if reason is None and form.validate_on_submit():
        people = contacts_for(contact_ids=form.contacts.data, groups=form.groups.data,
                              organisations=form.organisations.data)
        try:
            poll = services.create_poll(meeting, form.slots, people, deadline_at=form.deadline_at,
                                        note=form.note.data, show_answers=form.show_answers.data,
                                        hold_dates=form.hold_dates.data)
        except services.PollError as exc:
            db.session.rollback()
            form.form_errors.append(error_text(exc.code))
        else:
            db.session.commit()
            flash(_("The poll is ready. Nothing has been sent yet: send it when you are ready."), "success")
            return redirect(url_for("polls.show", poll_id=poll.id), code=303)
    return render_form("polls/new.html", form, meeting=meeting, filter_form=filter_form, reason=reason,
                       error_text=error_text)


@bp.route("/polls/<int:poll_id>")
def show(poll_id: int):
    poll = get_poll_or_404(poll_id)
    results = services.results(poll)
    total = len(poll.voters) or 1
    bars = [{"label": _slot_label(r.slot), "count": r.counts[PollAnswer.YES] + r.counts[PollAnswer.IF_NEED_BE],
             "percent": 100 * (r.counts[PollAnswer.YES] + r.counts[PollAnswer.IF_NEED_BE]) / total}
            for r in results]
    return render_template("polls/show.html", poll=poll, meeting=poll.meeting, results=results, bars=bars,
                           matrix=services.matrix(poll), waiting=services.not_answered(poll),
                           form=ActionForm(), error_text=error_text)


def _slot_label(slot: PollSlot) -> str:
    from meetings.core.formatting import meeting_when
    return meeting_when(slot)


def _action(poll_id: int, act, done):
    poll = get_poll_or_404(poll_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = act(poll)
    except services.PollError as exc:
        db.session.rollback()
        if exc.code in (PollState.CLOSED, PollState.CANCELLED):
            return _conflict(poll, exc.code)
        flash(error_text(exc.code), "error")
        return redirect(url_for("polls.show", poll_id=poll.id), code=303)
    db.session.commit()
    flash(done(result), "success")
    return redirect(url_for("polls.show", poll_id=poll.id), code=303)


@bp.route("/polls/<int:poll_id>/send", methods=["POST"])
def send(poll_id: int):
    return _action(poll_id, services.send_poll,
                   lambda n: ngettext("The poll is on its way to %(num)d person.",
                                      "The poll is on its way to %(num)d people.", n))


@bp.route("/polls/<int:poll_id>/remind", methods=["POST"])
def remind(poll_id: int):
    return _action(poll_id, services.remind,
                   lambda n: ngettext("%(num)d reminder queued.", "%(num)d reminders queued.", n) if n
                   else _("Everyone who has not answered was reminded today already."))


@bp.route("/polls/<int:poll_id>/choose/<int:slot_id>", methods=["POST"])
def choose(poll_id: int, slot_id: int):
    poll = get_poll_or_404(poll_id)
    slot = db.session.get(PollSlot, slot_id)
    if slot is None or slot.poll_id != poll.id:
        abort(404)
    if not ChooseForm().validate_on_submit():
        abort(400)
    meeting_id = poll.meeting_id
    try:
        count = services.choose(poll, slot)
    except services.PollError as exc:
        db.session.rollback()
        if exc.code in (PollState.CLOSED, PollState.CANCELLED):
            return _conflict(get_poll_or_404(poll_id), exc.code)
        flash(error_text(exc.code), "error")
        return redirect(url_for("polls.show", poll_id=poll_id), code=303)
    db.session.commit()
    flash(ngettext("The date is set and %(num)d invitation is on its way.",
                   "The date is set and %(num)d invitations are on their way.", count), "success")
    return redirect(url_for("invitations.responses", meeting_id=meeting_id), code=303)


@bp.route("/polls/<int:poll_id>/cancel", methods=["GET", "POST"])
def cancel(poll_id: int):
    poll = get_poll_or_404(poll_id)
    form = CancelPollForm()
    if not poll.is_open:
        return _conflict(poll, poll.state)
    if form.validate_on_submit():
        try:
            told = services.cancel(poll, form.note.data)
        except services.PollError as exc:
            db.session.rollback()
            return _conflict(get_poll_or_404(poll_id), exc.code)
        db.session.commit()
        flash(ngettext("The poll is called off; %(num)d person is told.",
                       "The poll is called off; %(num)d people are told.", told), "success")
        return redirect(url_for("polls.show", poll_id=poll.id), code=303)
    return render_form("polls/cancel.html", form, poll=poll, meeting=poll.meeting)


# --- the person asked -----------------------------------------------------------------

def _voter_or_404(token: str):
    voter = services.voter_by_token(token)
    if voter is None:
        abort(404)
    g.page_language = voter.language
    return voter


def _vote_page(voter, form, status: int = 200):
    poll = voter.poll
    return render_template("polls/vote.html", voter=voter, poll=poll, meeting=poll.meeting, form=form,
                           results=services.results(poll) if poll.show_answers or not poll.is_open else None,
                           matrix=services.matrix(poll) if poll.show_answers else None,
                           invitation=services.invitation_of(voter), error_text=error_text), status


@vote_bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit("60 per minute", methods=["POST"])
@personal_page
def vote(token: str):
    voter = _voter_or_404(token)
    poll = voter.poll
    form = vote_form_for(poll)
    if not form.is_submitted():
        current = services.answers_of(voter)
        for slot in poll.slots:
            if slot.id in current:
                form[f"slot_{slot.id}"].data = current[slot.id]
        form.comment.data = voter.comment
    elif not poll.is_open:
        flash(error_text(poll.state), "error")
        return _vote_page(voter, form, 409)
    if form.validate_on_submit():
        answers = {slot.id: form[f"slot_{slot.id}"].data for slot in poll.slots}
        try:
            services.vote(voter, answers, form.comment.data)
        except services.PollError as exc:
            db.session.rollback()
            voter = _voter_or_404(token)
            flash(error_text(exc.code), "error")
            return _vote_page(voter, vote_form_for(voter.poll, formdata=None), 409)
        db.session.commit()
        flash(_("Thank you, your answers are saved. You can change them until the date is chosen."), "success")
        return redirect(url_for("poll_vote.vote", token=token), code=303)
    return _vote_page(voter, form, 422 if form.errors else 200)
