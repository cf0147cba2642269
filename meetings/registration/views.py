"""Registration pages: the public form and the personal confirm/manage pages (``registration``),
and the organiser's participants, questions and export (``registration_admin``); the sign-in
sheet is the follow-up's (``followup.sheet``)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from meetings.auth.access import require_organiser
from meetings.core.formatting import datetime_short
from meetings.core.spreadsheets import (CSV_TYPE, DATETIME, NUMBER, XLSX_TYPE, Column, download, write_csv,
                                        write_xlsx)
from meetings.core.views import personal_page, render_form
from meetings.events.models import Meeting, MeetingStatus
from meetings.events.languages import in_language
from meetings.events.public import get_meeting_or_404, get_visible_meeting_or_404, reader_language
from meetings.extensions import db, limiter
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus
from meetings.registration import services
from meetings.registration.forms import (ActionForm, AddForm, DetailsForm, FilterForm, QuestionForm, RegistrationForm,
                                         ResendForm, SettingsForm, kind_labels, status_labels, with_questions)
from meetings.registration.models import RegistrationQuestion
from meetings.registration.signals import invitee_removal

bp = Blueprint("registration", __name__)
admin = Blueprint("registration_admin", __name__, url_prefix="/manage/meetings")
admin.before_request(require_organiser)


def register_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def personal_link_limit() -> str:
    return current_app.config["REGISTRATION_LINK_RATE_LIMIT"]


def reason_text(code: str, meeting: Meeting | None = None) -> str:
    """Why registration (or a change to it) is not possible, as one sentence."""
    if code == "not_yet" and meeting is not None and meeting.registration_opens_at:
        return _("Registration opens on %(when)s.",
                 when=datetime_short(meeting.registration_opens_at, meeting.timezone))
    if code == "closed" and meeting is not None and meeting.registration_closes_at:
        return _("Registration closed on %(when)s.",
                 when=datetime_short(meeting.registration_closes_at, meeting.timezone))
    texts = {
        "not_public": _("This meeting does not take registrations."),
        MeetingStatus.CANCELLED: _("This meeting has been cancelled, so registration is closed."),
        "over": _("This meeting has started or taken place, so registration is closed."),
        "not_yet": _("Registration is not open yet."),
        "closed": _("Registration is closed."),
        "full": _("This meeting is full and has no waiting list."),
        "withdrawn": _("This registration was cancelled."),
        "already": _("This person is already on the list of participants."),
        "not_waiting": _("This person is not on the waiting list."),
        "not_registrant": _("Only registrations can be changed here."),
    }
    return texts.get(code, texts["closed"])


def _shown(meeting: Meeting):
    """The meeting as a public or personal page shows it: its texts in the page's language."""
    return in_language(meeting, reader_language())


def _status_page(meeting: Meeting, code: str, status: int, participant: Participant | None = None):
    return render_template("registration/status.html", meeting=_shown(meeting), code=code,
                           message=reason_text(code, meeting), participant=participant), status


# --- the public form -------------------------------------------------------------------

def _registration_form(meeting: Meeting, **kwargs) -> RegistrationForm:
    form = with_questions(RegistrationForm, services.questions_for(meeting.id), **kwargs)
    if not form.is_submitted():
        form.language.data = str(get_locale() or "en")
    return form


def registration_panel(meeting: Meeting) -> dict:
    """What the meeting page's registration block shows: the state, free places, a form."""
    if meeting.visibility != "public" or meeting.status == MeetingStatus.DRAFT:
        return {"state": "not_public"}
    state = services.registration_state(meeting)
    panel = {"state": state, "free": services.free_places(meeting) if meeting.capacity else None,
             "message": reason_text(state, meeting) if state != "open" else None}
    if state == "open":
        panel["form"] = _registration_form(meeting, formdata=None)
    return panel


@bp.app_context_processor
def _panel() -> dict:
    return {"registration_panel": registration_panel, "known_organisations": services.known_organisations}


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"])
def register(slug: str):
    meeting = get_visible_meeting_or_404(slug)
    state = services.registration_state(meeting)
    if state != "open":
        return _status_page(meeting, state, 409 if request.method == "POST" else 200)
    form = _registration_form(meeting)
    if form.is_submitted() and form.homepage.data:
        # Only a bot fills in the hidden field: it is told all went well and nothing is kept.
        return redirect(url_for("registration.sent", slug=meeting.slug), code=303)
    if form.validate_on_submit():
        # A known address gets the same answer as a new one; only its owner learns, by email, that it was known.
        try:
            services.register_or_tell(meeting, form.registration())
            db.session.commit()
        except (services.RegistrationError, IntegrityError) as exc:
            db.session.rollback()
            if isinstance(exc, services.RegistrationError) and exc.code != "already":
                return _status_page(meeting, exc.code, 409)
            # The same address at the same moment: the other request registered it.
            known = services.participant_by_email(meeting, form.email.data)
            if known is not None:
                services.tell_already_on_list(known)
                db.session.commit()
        return redirect(url_for("registration.sent", slug=meeting.slug), code=303)
    return render_form("registration/register.html", form, meeting=_shown(meeting),
                       free=services.free_places(meeting) if meeting.capacity else None)


@bp.route("/events/<slug>/register/sent")
def sent(slug: str):
    meeting = get_visible_meeting_or_404(slug)
    return render_template("registration/sent.html", meeting=_shown(meeting))


@bp.route("/events/<slug>/register/resend", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"])
def resend(slug: str):
    meeting = get_visible_meeting_or_404(slug)
    form = ResendForm()
    if not form.validate_on_submit():
        return render_form("registration/resend.html", form, meeting=_shown(meeting))
    services.resend_link(meeting, form.email.data)
    db.session.commit()
    flash(_("If this address is on the list, its personal link is on its way. Please check your email."), "success")
    return redirect(url_for("registration.link_sent", slug=meeting.slug), code=303)


@bp.route("/events/<slug>/register/link-sent")
def link_sent(slug: str):
    meeting = get_visible_meeting_or_404(slug)
    return render_template("registration/link_sent.html", meeting=_shown(meeting))


# --- the registrant's personal pages ---------------------------------------------------

def _registrant_or_404(token: str) -> Participant:
    participant = services.registrant_by_token(token)
    if participant is None:
        abort(404)
    # The page speaks the registrant's language unless they chose another with the switcher.
    g.page_language = participant.language
    return participant


@bp.route("/registrations/<token>/confirm", methods=["GET", "POST"])
@limiter.limit(personal_link_limit, methods=["POST"])
@personal_page
def confirm(token: str):
    participant = _registrant_or_404(token)
    meeting = participant.meeting
    form = ActionForm()
    blocked = services.confirm_blocked(meeting) if participant.status == ParticipantStatus.PENDING else None
    if blocked:
        return _status_page(meeting, blocked, 409 if request.method == "POST" else 200, participant)
    if request.method == "GET" or participant.status != ParticipantStatus.PENDING:
        if participant.status in (ParticipantStatus.REGISTERED, ParticipantStatus.WAITING) and request.method == "POST":
            return redirect(url_for("registration.manage", token=token), code=303)
        # Link checkers in mail systems open links: only the button (a POST) confirms.
        return render_template("registration/confirm.html", meeting=_shown(meeting), participant=participant, form=form,
                               status_labels=status_labels())
    if not form.validate_on_submit():
        abort(400)
    try:
        outcome = services.confirm(participant)
    except services.RegistrationError as exc:
        db.session.rollback()
        return _status_page(meeting, exc.code, 409, participant)
    db.session.commit()
    if outcome == "full":
        return _status_page(meeting, "full", 409, participant)
    if outcome == ParticipantStatus.WAITING:
        flash(_("Your address is confirmed. The meeting is full: you are on the waiting list, number %(position)d.",
                position=participant.waitlist_position), "warning")
    else:
        flash(_("Your address is confirmed and you are registered. See you there!"), "success")
    return redirect(url_for("registration.manage", token=token), code=303)


def _details_form(participant: Participant, **kwargs) -> DetailsForm:
    return with_questions(DetailsForm, services.questions_for(participant.meeting_id), **kwargs)


def _manage_page(participant: Participant, form: DetailsForm, status: int = 200):
    return render_template("registration/manage.html", participant=participant, meeting=_shown(participant.meeting),
                           form=form, action_form=ActionForm(formdata=None), status_labels=status_labels(),
                           answers=services.answers_for([participant.id]).get(participant.id, {}),
                           questions=form.questions), status


@bp.route("/registrations/<token>", methods=["GET", "POST"])
@limiter.limit(personal_link_limit, methods=["POST"])
@personal_page
def manage(token: str):
    participant = _registrant_or_404(token)
    form = _details_form(participant)
    if not form.is_submitted():
        form.fill_from(participant, services.answers_for([participant.id]).get(participant.id, {}))
    elif form.validate_on_submit():
        try:
            services.update_registration(participant, form.data_for(participant.email))
        except services.RegistrationError as exc:
            db.session.rollback()
            flash(reason_text(exc.code), "error")
            return redirect(url_for("registration.manage", token=token), code=303)
        db.session.commit()
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("registration.manage", token=token), code=303)
    return _manage_page(participant, form, 422 if form.errors else 200)


@bp.route("/registrations/<token>/cancel", methods=["GET", "POST"])
@limiter.limit(personal_link_limit, methods=["POST"])
@personal_page
def cancel(token: str):
    """Ask first, then cancel: only the confirmation page's button cancels the registration."""
    participant = _registrant_or_404(token)
    form = ActionForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if participant.status not in (ParticipantStatus.PENDING, ParticipantStatus.REGISTERED, ParticipantStatus.WAITING):
        flash(reason_text("withdrawn"), "info")
        return redirect(url_for("registration.manage", token=token), code=303)
    if request.form.get("confirm") != "yes":
        # A link checker opening the link, a reload or an old one-click form only asks.
        return render_template("registration/cancel.html", participant=participant,
                               meeting=_shown(participant.meeting), form=form)
    try:
        services.cancel(participant)
    except services.RegistrationError as exc:
        db.session.rollback()
        flash(reason_text(exc.code), "info")
        return redirect(url_for("registration.manage", token=token), code=303)
    db.session.commit()
    flash(_("Your registration is cancelled. Thank you for letting us know."), "success")
    return redirect(url_for("registration.manage", token=token), code=303)


# --- the organiser's side --------------------------------------------------------------

def _of_meeting_or_404(model, meeting: Meeting, ident: int):
    """A participant or question of this meeting; another meeting's is a 404 like a missing one."""
    row = db.get_or_404(model, ident)
    if row.meeting_id != meeting.id:
        abort(404)
    return row


def _person_or_404(meeting: Meeting, participant_id: int) -> Participant:
    return _of_meeting_or_404(Participant, meeting, participant_id)


def _question_or_404(meeting: Meeting, question_id: int) -> RegistrationQuestion:
    return _of_meeting_or_404(RegistrationQuestion, meeting, question_id)


def _back(meeting: Meeting):
    return redirect(url_for("registration_admin.participants", meeting_id=meeting.id), code=303)


def _fail(meeting: Meeting, code: str):
    db.session.rollback()
    flash(reason_text(code), "error")
    return _back(meeting)


@admin.route("/<int:meeting_id>/participants")
def participants(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    filter_form = FilterForm(request.args)
    filters = services.ParticipantFilter()
    if filter_form.validate():
        filters = services.ParticipantFilter(status=filter_form.status.data or None, kind=filter_form.kind.data or None,
                                             organisation=filter_form.organisation.data or None)
    people = services.list_participants(meeting, filters)
    questions = services.questions_for(meeting.id)
    counts = services.status_counts(meeting)
    return render_template("registration/participants.html", meeting=meeting, people=people, questions=questions,
                           answers=services.answers_for(p.id for p in people), counts=counts,
                           taken=counts[ParticipantStatus.REGISTERED] + counts[ParticipantStatus.ACCEPTED],
                           filter_form=filter_form,
                           settings_form=SettingsForm(formdata=None, obj=meeting), action_form=ActionForm(formdata=None),
                           status_labels=status_labels(), kind_labels=kind_labels())


@admin.route("/<int:meeting_id>/participants/settings", methods=["POST"])
def settings(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_waitlist(meeting, form.waitlist_enabled.data)
    db.session.commit()
    flash(_("The waiting list is on.") if meeting.waitlist_enabled else _("The waiting list is off."), "success")
    return _back(meeting)


@admin.route("/<int:meeting_id>/participants/add", methods=["GET", "POST"])
def add(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    form = with_questions(AddForm, services.questions_for(meeting.id))
    if form.validate_on_submit():
        try:
            person, outcome = services.add_manually(meeting, form.registration(), notify=form.notify.data)
        except services.RegistrationError as exc:
            db.session.rollback()
            target = form.email if exc.code == "already" else None
            if target is not None:
                target.errors.append(reason_text(exc.code))
            else:
                form.form_errors.append(reason_text(exc.code, meeting))
            return render_form("registration/add.html", form, meeting=meeting)
        db.session.commit()
        if outcome == ParticipantStatus.WAITING:
            flash(_("%(name)s is on the waiting list, number %(position)d.", name=person.name,
                    position=person.waitlist_position), "warning")
        else:
            flash(_("%(name)s is registered.", name=person.name), "success")
        return _back(meeting)
    return render_form("registration/add.html", form, meeting=meeting)


@admin.route("/<int:meeting_id>/participants/<int:participant_id>/seat", methods=["POST"])
def seat(meeting_id: int, participant_id: int):
    meeting = get_meeting_or_404(meeting_id)
    person = _person_or_404(meeting, participant_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.give_seat(person)
    except services.RegistrationError as exc:
        return _fail(meeting, exc.code)
    db.session.commit()
    flash(_("%(name)s moved up from the waiting list and is registered.", name=person.name or "—"), "success")
    return _back(meeting)


@admin.route("/<int:meeting_id>/participants/<int:participant_id>/up", methods=["POST"])
def up(meeting_id: int, participant_id: int):
    meeting = get_meeting_or_404(meeting_id)
    person = _person_or_404(meeting, participant_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if services.move_up(person):
        db.session.commit()
        flash(_("%(name)s is now number %(position)d on the waiting list.", name=person.name or "—",
                position=person.waitlist_position), "success")
    else:
        db.session.rollback()
    return _back(meeting)


@admin.route("/<int:meeting_id>/participants/<int:participant_id>/remove", methods=["POST"])
def remove(meeting_id: int, participant_id: int):
    meeting = get_meeting_or_404(meeting_id)
    person = _person_or_404(meeting, participant_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = person.name or person.email or "—"
    try:
        if person.kind == ParticipantKind.REGISTRANT:
            services.remove(person)
        else:
            if not all(removed for _, removed in invitee_removal.send(person)):
                return _fail(meeting, "withdrawn")
            services.after_seat_freed(meeting)
    except services.RegistrationError as exc:
        return _fail(meeting, exc.code)
    db.session.commit()
    flash(_("%(name)s is no longer on the list.", name=name), "success")
    return _back(meeting)


@admin.route("/<int:meeting_id>/participants/<int:participant_id>/erase", methods=["POST"])
def erase(meeting_id: int, participant_id: int):
    meeting = get_meeting_or_404(meeting_id)
    person = _person_or_404(meeting, participant_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if person.erased_at is None:
        services.erase(person)
        db.session.commit()
    flash(_("The personal data of this registration is erased; it still counts in the numbers."), "success")
    return _back(meeting)


def _export_columns(meeting: Meeting, questions: list[RegistrationQuestion]) -> list[Column]:
    zone = meeting.timezone
    return [Column(_("Name"), width=24), Column(_("Email"), width=30), Column(_("Organisation"), width=28),
            Column(_("Country"), width=8), Column(_("Language"), width=9), Column(_("Kind"), width=12),
            Column(_("Status"), width=16), Column(_("Waiting list number"), NUMBER, width=10),
            Column(_("Dietary needs"), width=24), Column(_("Accessibility needs"), width=24),
            Column(_("On the list since (%(zone)s)", zone=zone), DATETIME, width=18),
            Column(_("Confirmed or answered (%(zone)s)", zone=zone), DATETIME, width=18)] + [
        Column(question.label, width=24) for question in questions]


@admin.route("/<int:meeting_id>/participants.<any(csv, xlsx):extension>")
def export(meeting_id: int, extension: str):
    """Everyone on the list as a spreadsheet, .csv or .xlsx (the same columns)."""
    meeting = get_meeting_or_404(meeting_id)
    statuses, kinds = status_labels(), kind_labels()
    questions, rows = services.export_rows(meeting, lambda status: statuses.get(status, status),
                                           lambda kind: kinds.get(kind, kind))
    columns = _export_columns(meeting, questions)
    filename = f"participants-{meeting.slug}.{extension}"
    if extension == "xlsx":
        return download(write_xlsx(columns, rows, sheet_title=_("Participants")), filename, XLSX_TYPE)
    return download(write_csv(columns, rows), filename, CSV_TYPE)


@admin.route("/<int:meeting_id>/participants/questions", methods=["GET", "POST"])
def questions(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    form = QuestionForm()
    if form.validate_on_submit():
        services.save_question(meeting, None, label=form.label.data, kind=form.kind.data, choices=form.choices.data,
                               required=form.required.data)
        db.session.commit()
        flash(_("Question added."), "success")
        return redirect(url_for("registration_admin.questions", meeting_id=meeting.id), code=303)
    return render_form("registration/questions.html", form, meeting=meeting,
                       questions=services.questions_for(meeting.id), action_form=ActionForm(formdata=None))


@admin.route("/<int:meeting_id>/participants/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(meeting_id: int, question_id: int):
    meeting = get_meeting_or_404(meeting_id)
    question = _question_or_404(meeting, question_id)
    form = QuestionForm(obj=question)
    if form.validate_on_submit():
        services.save_question(meeting, question, label=form.label.data, kind=form.kind.data,
                               choices=form.choices.data, required=form.required.data)
        db.session.commit()
        flash(_("Question saved."), "success")
        return redirect(url_for("registration_admin.questions", meeting_id=meeting.id), code=303)
    return render_form("registration/question_form.html", form, meeting=meeting, question=question)


@admin.route("/<int:meeting_id>/participants/questions/<int:question_id>/delete", methods=["POST"])
def delete_question(meeting_id: int, question_id: int):
    meeting = get_meeting_or_404(meeting_id)
    question = _question_or_404(meeting, question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.delete_question(question)
    db.session.commit()
    flash(_("Question removed, with its answers."), "success")
    return redirect(url_for("registration_admin.questions", meeting_id=meeting.id), code=303)


@admin.route("/<int:meeting_id>/participants/questions/<int:question_id>/<any(up, down):direction>",
             methods=["POST"])
def move_question(meeting_id: int, question_id: int, direction: str):
    meeting = get_meeting_or_404(meeting_id)
    question = _question_or_404(meeting, question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.move_question(question, direction)
    db.session.commit()
    return redirect(url_for("registration_admin.questions", meeting_id=meeting.id), code=303)
