"""The invitee's answer page (no account: the personal link is the key) and the
organiser's responses page with send, remind, update and cancel."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from meetings.auth.access import require_organiser
from meetings.calendar.builder import invitation as invitation_ics
from meetings.core.views import personal_page, render_form
from meetings.events.languages import in_language
from meetings.events.models import Meeting, MeetingStatus
from meetings.extensions import db, limiter
from meetings.invitations import services
from meetings.invitations.forms import AnswerForm, CancelForm, DeclineProposalForm, DelegateForm, UpdateForm
from meetings.invitations.notifications import delegations, rsvp_url
from meetings.mail.outbox import latest_per_participant
from meetings.participants.labels import participant_state
from meetings.participants.models import Participant, ParticipantStatus
from meetings.participants.services import participant_by_token, reply_address

rsvp = Blueprint("rsvp", __name__, url_prefix="/rsvp")
bp = Blueprint("invitations", __name__, url_prefix="/manage/meetings")
bp.before_request(require_organiser)

ERRORS = {
    MeetingStatus.DRAFT: lambda: _("Publish the meeting before sending invitations."),
    MeetingStatus.CANCELLED: lambda: _("The meeting is cancelled."),
    "past": lambda: _("The meeting is over."),
    "update_first": lambda: _("The meeting changed since the first invitations: send the update first."),
    "update_before_reminder": lambda: _("The meeting changed since the invitations were sent: send the update "
                                        "first, then remind those who have not answered."),
    "agenda_outside": lambda: _("Some agenda items lie outside the meeting's time. Fix the agenda before "
                                "sending the update."),
    "no_changes": lambda: _("Nothing changed since the invitations were sent."),
    "already_removed": lambda: _("This person is no longer invited."),
    "started": lambda: _("The meeting has started; answers can no longer be changed."),
    "removed": lambda: _("You are no longer on the list of participants of this meeting."),
    ParticipantStatus.DELEGATED: lambda: _("You have sent a colleague in your place."),
    "own_address": lambda: _("This is your own address. Please enter your colleague’s address."),
    "bad_answer": lambda: _("Please choose an answer."),
    "full": lambda: _("Sorry, every seat is taken: the meeting is full. You can still answer tentative or decline."),
    "proposal_closed": lambda: _("This proposal has been answered already, or the meeting changed since it was made."),
    "proposal_past": lambda: _("The proposed time has passed: the meeting was not moved."),
    "proposal_clash": lambda: _("Another meeting takes place at the same venue at the proposed time: the meeting "
                                "was not moved."),
    "proposal_agenda": lambda: _("At the proposed time the agenda would not fit into the meeting: the meeting was "
                                 "not moved. Move it by hand and adjust the agenda."),
    "proposal_times": lambda: _("The proposed end is not after the proposed start."),
}


def error_text(code: str) -> str:
    return ERRORS.get(code, ERRORS["bad_answer"])()


# --- the invitee's page ---------------------------------------------------------------

def _participant_or_404(token: str) -> Participant:
    participant = participant_by_token(token)
    if participant is None:
        abort(404)
    # The page speaks the invitee's language unless they chose another with the switcher.
    g.page_language = participant.language
    return participant


def _answer_page(participant: Participant, form: AnswerForm, delegate_form: DelegateForm, status: int = 200):
    return render_template("invitations/answer.html", participant=participant, meeting=participant.meeting,
                           form=form, delegate_form=delegate_form, reason=services.can_answer(participant),
                           schedule=services.schedule_for(participant.meeting), error_text=error_text), status


@rsvp.route("/<token>", methods=["GET", "POST"])
@limiter.limit("60 per minute", methods=["POST"])
@personal_page
def answer(token: str):
    participant = _participant_or_404(token)
    form = AnswerForm()
    if not form.is_submitted() and participant.status in services.ANSWERS:
        form.status.data = participant.status
        form.comment.data = participant.comment
    delegate_form = DelegateForm(formdata=None)
    if form.validate_on_submit():
        try:
            services.answer(participant, form.status.data, form.comment.data)
        except services.InvitationError as exc:
            db.session.rollback()
            flash(error_text(exc.code), "error")
            return _answer_page(participant, form, delegate_form, 409)
        db.session.commit()
        flash(_("Thank you, your answer is saved."), "success")
        return redirect(url_for("rsvp.answer", token=token))
    return _answer_page(participant, form, delegate_form, 422 if form.errors else 200)


@rsvp.route("/<token>/delegate", methods=["POST"])
@limiter.limit("20 per minute")
@personal_page
def delegate(token: str):
    participant = _participant_or_404(token)
    form = AnswerForm(formdata=None)
    delegate_form = DelegateForm()
    if delegate_form.validate_on_submit():
        colleague = services.Colleague(delegate_form.colleague_name.data, delegate_form.colleague_email.data,
                                       delegate_form.colleague_message.data)
        try:
            _delegate_once_more_if_raced(participant, colleague)
        except services.InvitationError as exc:
            db.session.rollback()
            if exc.code == "own_address":
                delegate_form.colleague_email.errors.append(error_text(exc.code))
                return _answer_page(participant, form, delegate_form, 422)
            flash(error_text(exc.code), "error")
            return _answer_page(participant, form, delegate_form, 409)
        # The name as typed, whether the address was new or known (the stored name would tell).
        flash(_("%(name)s has been invited in your place.", name=colleague.name.strip()), "success")
        return redirect(url_for("rsvp.answer", token=token))
    return _answer_page(participant, form, delegate_form, 422)


def _delegate_once_more_if_raced(participant: Participant, colleague) -> None:
    """Delegate and commit; if the colleague's address was added at that very moment (the
    unique constraint fired), roll back and do it again, which now finds the address known."""
    try:
        services.delegate(participant, colleague)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        services.delegate(participant, colleague)
        db.session.commit()


@rsvp.route("/<token>.ics")
@personal_page
def calendar_file(token: str):
    participant = _participant_or_404(token)
    meeting = in_language(participant.meeting, participant.language)
    config = current_app.config
    cancelled = meeting.status == MeetingStatus.CANCELLED or participant.status == ParticipantStatus.CANCELLED
    method = "CANCEL" if cancelled else "REQUEST"
    delegated_to, delegated_from = delegations([participant])[participant.id]
    data = invitation_ics(meeting, participant, method=method, organizer_email=config["ORGANIZER_EMAIL"],
                          organizer_name=config["ORGANIZER_NAME"], base_url=config["BASE_URL"],
                          rsvp_url=rsvp_url(participant), agenda=services.schedule_for(meeting),
                          language=participant.language, stamp=meeting.updated_at,
                          sequence=meeting.sequence, delegated_to=delegated_to, delegated_from=delegated_from,
                          reply_address=reply_address(participant))
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Type"] = f"text/calendar; charset=utf-8; method={method}"
    response.headers["Content-Disposition"] = f'attachment; filename="{meeting.slug}.ics"'
    return response


# --- the organiser's side -----------------------------------------------------------

def _meeting_or_404(meeting_id: int) -> Meeting:
    return db.get_or_404(Meeting, meeting_id)


@bp.route("/<int:meeting_id>/responses")
def responses(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    people = services.invitees(meeting)
    by_status = Counter(participant_state(p) for p in people)
    by_organisation: dict[str, Counter] = {}
    for person in people:
        name = person.organisation.name if person.organisation else (person.organisation_name or _("No organisation"))
        by_organisation.setdefault(name, Counter())[participant_state(person)] += 1
    update_pending = services.update_pending(meeting)
    return render_template(
        "invitations/responses.html", meeting=meeting, people=people, by_status=by_status,
        by_organisation=sorted(by_organisation.items()), messages=latest_per_participant(meeting.id),
        pending=services.not_yet_invited(meeting), unanswered=services.unanswered(meeting),
        update_pending=update_pending, update_form=UpdateForm(formdata=None),
        asked_again=services.answers_asked_again(meeting) if update_pending else [],
        agenda_outside=services.agenda_outside(meeting) if update_pending else [],
        blocked=services.sending_blocked(meeting), error_text=error_text, total=len(people),
        proposals=[(proposal, _decline_form(proposal, formdata=None)) for proposal in services.open_proposals(meeting)])


def _run(meeting: Meeting, action, success_message):
    try:
        count = action()
    except services.InvitationError as exc:
        db.session.rollback()
        flash(error_text(exc.code), "error")
        return redirect(url_for("invitations.responses", meeting_id=meeting.id), code=303)
    db.session.commit()
    flash(success_message(count), "success")
    return redirect(url_for("invitations.responses", meeting_id=meeting.id), code=303)


@bp.route("/<int:meeting_id>/invitations/send", methods=["POST"])
def send(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    return _run(meeting, lambda: services.send_invitations(meeting),
                lambda n: ngettext("%(num)d invitation queued.", "%(num)d invitations queued.", n) if n else _("Everyone on the list is already invited."))


@bp.route("/<int:meeting_id>/invitations/remind", methods=["POST"])
def remind(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    return _run(meeting, lambda: services.remind(meeting),
                lambda n: ngettext("%(num)d reminder queued.", "%(num)d reminders queued.", n) if n else _("Nobody to remind today."))


@bp.route("/<int:meeting_id>/invitations/update", methods=["POST"])
def update(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = UpdateForm()
    if not form.validate_on_submit():
        flash(_("The message is too long (at most 2,000 characters)."), "error")
        return redirect(url_for("invitations.responses", meeting_id=meeting.id), code=303)
    return _run(meeting, lambda: services.send_update(meeting, form.note.data),
                lambda n: ngettext("Update queued for %(num)d invitee.", "Update queued for %(num)d invitees.", n))


@bp.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
def cancel(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    if meeting.status == MeetingStatus.CANCELLED:
        flash(_("The meeting is cancelled."), "info")
        return redirect(url_for("invitations.responses", meeting_id=meeting.id), code=303)
    form = CancelForm()
    if form.validate_on_submit():
        return _run(meeting, lambda: services.cancel_meeting(meeting, form.note.data),
                    lambda n: ngettext("The meeting is cancelled; %(num)d cancellation queued.",
                                             "The meeting is cancelled; %(num)d cancellations queued.", n))
    return render_form("invitations/cancel.html", form, meeting=meeting)


def _decline_form(proposal, **kwargs) -> DeclineProposalForm:
    form = DeclineProposalForm(**kwargs)
    # Several proposals share the page: each one's field needs an id of its own.
    form.comment.id = form.comment.label.field_id = f"proposal-{proposal.id}-comment"
    return form


def _proposal_or_404(meeting: Meeting, proposal_id: int):
    proposal = services.proposal_of(meeting, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


@bp.route("/<int:meeting_id>/proposals/<int:proposal_id>/accept", methods=["POST"])
def accept_proposal(meeting_id: int, proposal_id: int):
    meeting = _meeting_or_404(meeting_id)
    proposal = _proposal_or_404(meeting, proposal_id)
    return _run(meeting, lambda: services.accept_proposal(proposal),
                lambda _moved: _("The meeting now takes place at the proposed time. Send the update so every "
                                 "calendar follows."))


@bp.route("/<int:meeting_id>/proposals/<int:proposal_id>/decline", methods=["POST"])
def decline_proposal(meeting_id: int, proposal_id: int):
    meeting = _meeting_or_404(meeting_id)
    proposal = _proposal_or_404(meeting, proposal_id)
    form = _decline_form(proposal)
    if not form.validate_on_submit():
        flash(_("The message is too long (at most 1,000 characters)."), "error")
        return redirect(url_for("invitations.responses", meeting_id=meeting.id), code=303)
    name = proposal.participant.name or proposal.participant.email
    return _run(meeting, lambda: services.decline_proposal(proposal, form.comment.data),
                lambda _none: _("The proposal is declined; %(name)s is told so.", name=name))
