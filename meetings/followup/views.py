"""Organiser pages for recording a meeting: check-in, sign-in sheet, minutes, action
items, and the "Draft follow-up post" button."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meetings.auth.access import require_organiser, safe_next
from meetings.core.formatting import format_locale
from meetings.events.models import Meeting
from meetings.events.services import get_meeting
from meetings.core.views import save_or_field_error
from meetings.extensions import db
from meetings.followup import approval, services
from meetings.followup.forms import ActionItemForm, AttendanceForm, CirculateForm, WalkInForm, minutes_form
from meetings.core.timezones import to_local
from meetings.followup.labels import minutes_state_label
from meetings.followup.models import ActionItem
from meetings.followup.states import MinutesState
from meetings.followup.pages import approve_form, minutes_page
from meetings.participants.services import list_organisations
from meetings.site.templating import country_name

bp = Blueprint("followup", __name__, url_prefix="/manage/meetings")
bp.before_request(require_organiser)


@bp.app_template_global()
def open_actions_before(meeting: Meeting):
    """Open action items of earlier meetings of the same group, for the meeting's organiser page."""
    return services.earlier_open_actions(meeting)


@bp.app_template_filter("format_day")
def format_day(day) -> str:
    """A calendar date in the reader's language: '5 Jun 2024'."""
    return format_date(day, format="medium", locale=format_locale())


@bp.app_context_processor
def minutes_labels() -> dict:
    # Templates compare the minutes' state with the enum members, never with spelled-out values.
    return {"MinutesState": MinutesState, "minutes_state_label": minutes_state_label}


@bp.app_template_filter("local_day")
def local_day(instant, zone: str):
    """The day of a UTC moment in a zone."""
    return to_local(instant, zone).date()


@bp.app_template_filter("iso_day")
def iso_day(text: str):
    """A day kept as YYYY-MM-DD (in a version of the minutes) as a date."""
    return date.fromisoformat(text)


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _country_label(code: str | None) -> str:
    if code == "OTHER":
        return _("Other country")
    return country_name(code) or _("Not recorded")


def _labels(participants) -> dict[int, str]:
    labels = {}
    for p in participants:
        organisation = services.organisation_of(p)
        name = p.name or p.email or "?"
        labels[p.id] = f"{name} ({organisation})" if organisation else name
    return labels


def _attendance_page(meeting: Meeting, attendance_form=None, walk_in_form=None):
    participants = services.checkin_list(meeting)
    if attendance_form is None:
        attendance_form = AttendanceForm(participants=participants, labels=_labels(participants), formdata=None,
                                         data={"present": [p.id for p in participants if p.attended]})
    if walk_in_form is None:
        walk_in_form = WalkInForm(organisations=list_organisations(), formdata=None)
    by_organisation, by_country = services.attendance_counts(meeting)
    by_country = [replace(bar, label=_country_label(bar.label)) for bar in by_country]
    failed = bool(attendance_form.errors or walk_in_form.errors)
    return render_template("followup/attendance.html", meeting=meeting, participants=participants,
                           form=attendance_form, walk_in_form=walk_in_form, by_organisation=by_organisation,
                           by_country=by_country, present=sum(p.attended for p in participants)), \
        (422 if failed else 200)


@bp.route("/<int:meeting_id>/record")
def attendance(meeting_id: int):
    return _attendance_page(_meeting_or_404(meeting_id))


@bp.route("/<int:meeting_id>/record/attendance", methods=["POST"])
def save_attendance(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    participants = services.checkin_list(meeting)
    form = AttendanceForm(participants=participants)
    if not form.validate_on_submit():
        return _attendance_page(meeting, attendance_form=form)
    count = services.record_attendance(meeting, form.present.data or [])
    db.session.commit()
    flash(_("Attendance saved: %(count)d present.", count=count), "success")
    return redirect(url_for("followup.attendance", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/record/walk-in", methods=["POST"])
def walk_in(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = WalkInForm(organisations=list_organisations())
    if form.validate_on_submit():
        listed = _("This person is already on the list: tick them as present instead.")
        if services.email_taken(meeting, form.email.data):
            form.email.errors.append(listed)
        else:
            person = save_or_field_error(lambda: services.add_walk_in(meeting, form.data), form.email, listed)
            if person is not None:
                flash(_("%(name)s added and marked present.", name=person.name), "success")
                return redirect(url_for("followup.attendance", meeting_id=meeting.id))
    return _attendance_page(meeting, walk_in_form=form)


@bp.route("/<int:meeting_id>/record/sheet")
def sheet(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    return render_template("followup/sheet.html", meeting=meeting, participants=services.checkin_list(meeting),
                           blank_rows=range(8))


@bp.route("/<int:meeting_id>/record/minutes", methods=["GET", "POST"])
def minutes(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    if request.method == "GET":
        return minutes_page(meeting)
    form = minutes_form(meeting.agenda_items)
    if not form.validate_on_submit():
        return minutes_page(meeting, form=form)
    notes = {item.id: form[f"note_{item.id}"].data for item in meeting.agenda_items}
    decisions = {None: form.decisions.data,
                 **{item.id: form[f"decisions_{item.id}"].data for item in meeting.agenda_items}}
    services.save_minutes(meeting, notes, decisions, form.next_meeting_on.data, form.next_meeting_note.data)
    approval.minutes_changed(meeting)
    db.session.commit()
    flash(_("Minutes saved."), "success")
    return redirect(url_for("followup.minutes", meeting_id=meeting.id))


MINUTES_ERRORS = {
    "no_minutes": lambda: _("Nothing is recorded in the minutes yet."),
    "unchanged": lambda: _("The minutes have not changed since they were last circulated or approved."),
    "no_recipients": lambda: _("Nobody recorded present has an email address: record the attendance first."),
    "circulate_first": lambda: _("The minutes changed since they were circulated: circulate them again before "
                                 "recording the approval."),
    "already_approved": lambda: _("These minutes are already approved. Edit them to start a new version."),
    "before_circulation": lambda: _("The minutes cannot be approved before the day they were circulated."),
    "not_later": lambda: _("Please choose a later meeting from the list."),
}


@bp.route("/<int:meeting_id>/record/minutes/circulate", methods=["POST"])
def circulate(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    if not CirculateForm().validate_on_submit():
        abort(400)
    try:
        version, count = approval.circulate(meeting)
    except approval.MinutesError as error:
        db.session.rollback()
        return minutes_page(meeting, status_code=409, problem=MINUTES_ERRORS[error.code]())
    db.session.commit()
    flash(ngettext("Version %(number)d of the minutes was sent to %(num)d person for comments.",
                   "Version %(number)d of the minutes was sent to %(num)d people for comments.",
                   count, number=version.number), "success")
    return redirect(url_for("followup.minutes", meeting_id=meeting.id) + "#approval-title")


@bp.route("/<int:meeting_id>/record/minutes/approve", methods=["POST"])
def approve(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = approve_form(meeting)
    if not form.validate_on_submit():
        return minutes_page(meeting, approve=form)
    try:
        version = approval.approve(meeting, current_user, form.approved_on.data, form.approved_at_meeting_id.data,
                                   form.corrections.data)
    except approval.MinutesError as error:
        db.session.rollback()
        message = MINUTES_ERRORS[error.code]()
        if error.code == "before_circulation":
            form.approved_on.errors = [message]
            return minutes_page(meeting, approve=form)
        if error.code == "not_later":
            form.approved_at_meeting_id.errors = [message]
            return minutes_page(meeting, approve=form)
        return minutes_page(meeting, approve=form, status_code=409, problem=message)
    db.session.commit()
    flash(_("Version %(number)d of the minutes is approved.", number=version.number), "success")
    return redirect(url_for("followup.minutes", meeting_id=meeting.id) + "#approval-title")


@bp.route("/<int:meeting_id>/record/actions", methods=["POST"])
def add_action(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = ActionItemForm(contacts=services.contact_choices())
    if not form.validate_on_submit():
        return minutes_page(meeting, action_form=form)
    item = services.add_action_item(meeting, form.what.data, form.owner_id.data, form.due_on.data)
    db.session.commit()
    flash(_("Action item “%(what)s” added.", what=item.what), "success")
    return redirect(url_for("followup.minutes", meeting_id=meeting.id) + "#actions")


def _action_or_404(meeting_id: int, action_id: int) -> ActionItem:
    item = db.get_or_404(ActionItem, action_id)
    if item.meeting_id != meeting_id:
        abort(404)
    return item


@bp.route("/<int:meeting_id>/record/actions/<int:action_id>/<any(done, open, delete):change>", methods=["POST"])
def change_action(meeting_id: int, action_id: int, change: str):
    item = _action_or_404(meeting_id, action_id)
    if change == "delete":
        services.delete_action_item(item)
        message = _("Action item removed.")
    else:
        services.set_action_done(item, change == "done")
        message = _("Action item closed.") if change == "done" else _("Action item reopened.")
    db.session.commit()
    flash(message, "success")
    return redirect(safe_next(url_for("followup.minutes", meeting_id=meeting_id) + "#actions"))
