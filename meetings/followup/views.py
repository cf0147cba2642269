"""Organiser pages for recording a meeting: check-in, sign-in sheet, minutes, action
items, and the "Draft follow-up post" button."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from babel.dates import format_date
from flask_babel import gettext as _

from meetings.auth.access import require_organiser, safe_next
from meetings.blog.models import PostStatus
from meetings.blog.services import create_followup_post, meeting_posts, redraft_followup_post
from meetings.core.formatting import format_locale
from meetings.core.types import utcnow
from meetings.events.models import Meeting
from meetings.events.services import get_meeting
from meetings.core.views import save_or_field_error
from meetings.extensions import db
from meetings.followup import services
from meetings.followup.forms import ActionItemForm, AttendanceForm, DraftForm, WalkInForm, minutes_form
from meetings.followup.models import ActionItem
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


def _minutes_data(meeting: Meeting) -> dict:
    record = services.get_record(meeting)
    notes = services.notes_by_item(meeting)
    data = {f"note_{item_id}": body for item_id, body in notes.items()}
    if record is not None:
        data.update(decisions=record.decisions, next_meeting_on=record.next_meeting_on,
                    next_meeting_note=record.next_meeting_note)
    return data


def _minutes_page(meeting: Meeting, form=None, action_form=None, draft_form=None):
    if form is None:
        form = minutes_form(meeting.agenda_items, formdata=None, data=_minutes_data(meeting))
    if action_form is None:
        action_form = ActionItemForm(contacts=services.contact_choices(), formdata=None)
    if draft_form is None:
        draft_form = DraftForm(formdata=None, data={"language": meeting.language})
    failed = bool(form.errors or action_form.errors or draft_form.errors)
    return render_template(
        "followup/minutes.html", meeting=meeting, form=form, action_form=action_form, draft_form=draft_form,
        note_fields=[(item, form[f"note_{item.id}"]) for item in meeting.agenda_items],
        actions=services.action_items(meeting), earlier=services.earlier_open_actions(meeting),
        record=services.get_record(meeting), posts=meeting_posts(meeting),
        represented=services.represented_organisations(meeting)), (422 if failed else 200)


@bp.route("/<int:meeting_id>/record/minutes", methods=["GET", "POST"])
def minutes(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    if request.method == "GET":
        return _minutes_page(meeting)
    form = minutes_form(meeting.agenda_items)
    if not form.validate_on_submit():
        return _minutes_page(meeting, form=form)
    notes = {item.id: form[f"note_{item.id}"].data for item in meeting.agenda_items}
    services.save_minutes(meeting, notes, form.decisions.data, form.next_meeting_on.data, form.next_meeting_note.data)
    db.session.commit()
    flash(_("Minutes saved."), "success")
    return redirect(url_for("followup.minutes", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/record/actions", methods=["POST"])
def add_action(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = ActionItemForm(contacts=services.contact_choices())
    if not form.validate_on_submit():
        return _minutes_page(meeting, action_form=form)
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


def _draft_question(meeting: Meeting, form: DraftForm, existing, status: int = 200):
    """The meeting already has posts in the chosen language: open one, or write the draft again."""
    drafts = [post for post in existing if post.status == PostStatus.DRAFT]
    return render_template("followup/draft_exists.html", meeting=meeting, form=form, existing=existing,
                           draft=drafts[0] if drafts else None), status


@bp.route("/<int:meeting_id>/record/draft", methods=["POST"])
def draft(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return _minutes_page(meeting, draft_form=form)
    if meeting.starts_at > utcnow():
        # The draft tells what happened; before the meeting nothing has.
        form.language.errors.append(_("The meeting has not taken place yet: draft its post once it has."))
        page, _status = _minutes_page(meeting, draft_form=form)
        return page, 409
    existing = meeting_posts(meeting, form.language.data)
    drafts = [post for post in existing if post.status == PostStatus.DRAFT]
    if form.replace.data is not None:
        post = next((post for post in drafts if post.id == form.replace.data), None)
        if post is None:
            # Published, deleted or changed language since the question was asked.
            form.replace.errors.append(_("That draft is no longer a draft of this meeting in this language. "
                                         "Choose again."))
            return _draft_question(meeting, form, existing, 409)
        redraft_followup_post(post)
        db.session.commit()
        flash(_("The draft was written again from the record. Check and edit it before publishing."), "success")
        return redirect(url_for("blog_manage.edit", post_id=post.id))
    # Drafting twice would make identical copies: ask first. A separate draft beside
    # published posts is made only when asked for, and never beside a draft.
    if existing and (drafts or form.separate.data != "1"):
        return _draft_question(meeting, form, existing)
    post = create_followup_post(meeting, form.language.data)
    db.session.commit()
    flash(_("A draft of the follow-up post was written from the record. Check and edit it before publishing."),
          "success")
    return redirect(url_for("blog_manage.edit", post_id=post.id))
