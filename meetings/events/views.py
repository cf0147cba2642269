"""Organiser pages for meetings, their agenda, and topics."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from meetings.auth.access import require_organiser
from meetings.core.formatting import day_time_short, time_short
from meetings.core.views import render_form, save_or_field_error
from meetings.events.forms import AgendaItemForm, MeetingForm, TopicForm, local_time_message
from meetings.events.models import AgendaItem, Meeting, MeetingStatus, Topic
from meetings.events.public import get_meeting_or_404
from meetings.events.services import (TABS, AgendaConflict, ItemDraft, add_agenda_item, agenda_for, agenda_with,
                                      apply_order,
                                      create_topic, delete_agenda_item, delete_meeting, delete_topic,
                                      find_conflict, list_meetings, list_topics, meeting_slug_taken,
                                      moved_order, publish_meeting, rename_topic, save_meeting, shift_agenda,
                                      topic_name_taken, topic_usage, update_agenda_item, update_pending)
from meetings.events.signals import capacity_check, meeting_changed
from meetings.extensions import db
from meetings.venues.services import list_venues

bp = Blueprint("events", __name__, url_prefix="/manage/meetings")
bp.before_request(require_organiser)


def _item_or_404(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.get_or_404(AgendaItem, item_id)
    if item.meeting_id != meeting.id:
        abort(404)
    return item


# --- meetings -------------------------------------------------------------------

@bp.route("/")
def index():
    tab = request.args.get("show", "upcoming")
    if tab not in TABS:
        tab = "upcoming"
    meetings = list_meetings(tab)
    return render_template("events/manage/index.html", meetings=meetings, tab=tab, tabs=TABS)


def _meeting_form(meeting: Meeting | None = None, **kwargs) -> MeetingForm:
    form = MeetingForm(venues=list_venues(), topics=list_topics(), **kwargs)
    if meeting is None or meeting.status != MeetingStatus.CANCELLED:
        # Cancelling has one way, which asks for confirmation first and tells everyone
        # who holds the meeting in their calendar: the cancel page, not this form.
        form.status.choices = [choice for choice in form.status.choices if choice.value != MeetingStatus.CANCELLED]
    return form


def _save(form: MeetingForm, meeting: Meeting | None):
    """Save a validated form; None (with the message at the slug) if the slug is taken.

    Editing a meeting whose start moves also moves its agenda's start times, unless the
    organiser unticked that, in the same transaction.
    """
    data = form.result
    taken = _("Another meeting already uses this address. Choose another one.")
    if data["slug"] and meeting_slug_taken(data["slug"], exclude_id=meeting.id if meeting else None):
        form.slug.errors.append(taken)
        return None
    previous = (meeting.starts_at, meeting.timezone, meeting.all_day) if meeting is not None else None

    def save() -> Meeting:
        saved = save_meeting(meeting, data)
        if previous is not None and form.move_agenda.data and saved.starts_at != previous[0]:
            shift_agenda(saved, *previous)
        return saved

    return save_or_field_error(save, form.slug, taken)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = _meeting_form()
    if not form.is_submitted():
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        meeting = _save(form, None)
        if meeting is not None:
            flash(_("Meeting “%(title)s” created.", title=meeting.title), "success")
            return redirect(url_for("events.show", meeting_id=meeting.id))
    return render_form("events/manage/form.html", form, meeting=None)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    form = _meeting_form(meeting)
    if not form.is_submitted():
        form.fill_from(meeting)
    if form.validate_on_submit():
        taken = next((taken for _, taken in capacity_check.send(meeting, capacity=form.capacity.data)
                      if taken is not None), None)
        if taken is not None:
            form.capacity.errors.append(ngettext("%(num)d person already holds a seat; the capacity cannot be lower.",
                                                 "%(num)d people already hold a seat; the capacity cannot be lower.",
                                                 taken))
            return render_form("events/manage/form.html", form, meeting=meeting)
        if _save(form, meeting) is not None:
            # A larger capacity moves people up from the waiting list at once.
            if any(changed for _, changed in meeting_changed.send(meeting)):
                db.session.commit()
            flash(_("Meeting “%(title)s” saved.", title=meeting.title), "success")
            if any(slot.problem for slot in agenda_for(meeting)):
                flash(_("Some agenda items now fall outside the meeting's time. Please adjust them."), "warning")
            return redirect(url_for("events.show", meeting_id=meeting.id))
    return render_form("events/manage/form.html", form, meeting=meeting)


def _render_meeting(meeting: Meeting, item_form: AgendaItemForm | None = None, status: int | None = None,
                    agenda_error: str | None = None):
    item_form = item_form or AgendaItemForm(formdata=None, meeting=meeting)
    page = render_template("events/manage/show.html", meeting=meeting, slots=agenda_for(meeting),
                           item_form=item_form, agenda_error=agenda_error, update_pending=update_pending(meeting))
    return page, status or (422 if item_form.errors else 200)


@bp.route("/<int:meeting_id>")
def show(meeting_id: int):
    return _render_meeting(get_meeting_or_404(meeting_id))


@bp.route("/<int:meeting_id>/publish", methods=["POST"])
def publish(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    if not publish_meeting(meeting):
        flash(_("Only a draft can be published; this meeting is already out of draft."), "error")
        return redirect(url_for("events.show", meeting_id=meeting.id), 303)
    db.session.commit()
    flash(_("“%(title)s” is published and scheduled.", title=meeting.title), "success")
    return redirect(url_for("events.show", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/delete", methods=["GET", "POST"])
def delete(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    if meeting.status != MeetingStatus.DRAFT:
        return render_template("events/manage/delete.html", meeting=meeting, refused=True), 409
    if request.method == "POST":
        title = meeting.title
        delete_meeting(meeting)
        db.session.commit()
        flash(_("Draft “%(title)s” deleted.", title=title), "success")
        return redirect(url_for("events.index", show="drafts"))
    return render_template("events/manage/delete.html", meeting=meeting, refused=False)


# --- agenda ---------------------------------------------------------------------

def conflict_message(meeting: Meeting, conflict: AgendaConflict) -> str:
    """The words for an agenda item that would fall outside the meeting."""
    slot, zone = conflict.slot, meeting.timezone
    # Over several days a time alone does not say when: name the day too ('9 Dec 18:00').
    moment = day_time_short if meeting.spans_days else time_short
    values = {"start": moment(slot.starts_at, zone), "end": moment(slot.ends_at, zone),
              "meeting_start": moment(meeting.starts_at, zone), "meeting_end": moment(meeting.ends_at, zone),
              "title": slot.entry.title}
    if slot.problem in ("nonexistent", "ambiguous"):
        if conflict.other:
            return _("Then “%(title)s” would fall on a time that does not exist or occurs twice in %(zone)s.",
                     title=slot.entry.title, zone=zone)
        return local_time_message(slot.problem, zone)
    if conflict.other:
        if slot.problem == "before_start":
            return _("Then “%(title)s” would start at %(start)s, before the meeting starts at %(meeting_start)s.",
                     **values)
        return _("Then “%(title)s” would end at %(end)s, after the meeting ends at %(meeting_end)s.", **values)
    if slot.problem == "before_start":
        return _("This item would start at %(start)s, before the meeting starts at %(meeting_start)s.", **values)
    if slot.has_end:
        return _("This item would end at %(end)s, after the meeting ends at %(meeting_end)s.", **values)
    return _("This item would start at %(start)s, after the meeting ends at %(meeting_end)s.", **values)


def _draft_from(form: AgendaItemForm, item_id: int | None = None) -> ItemDraft:
    return ItemDraft(title=form.title.data, start_time=form.start_time.data,
                     duration_minutes=form.duration_minutes.data, id=item_id, day=form.day_data)


def _refuse_conflict(meeting, form, before, after, draft) -> bool:
    conflict = find_conflict(meeting, before, after, draft)
    if conflict is None:
        return False
    getattr(form, conflict.field).errors.append(conflict_message(meeting, conflict))
    return True


@bp.route("/<int:meeting_id>/agenda/", methods=["POST"])
def add_item(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    form = AgendaItemForm(meeting=meeting)
    if form.validate_on_submit():
        items = list(meeting.agenda_items)
        draft = _draft_from(form)
        if not _refuse_conflict(meeting, form, items, agenda_with(meeting, items, draft), draft):
            item = add_agenda_item(meeting, {**form.data, "translations": form.translations(meeting.language)})
            db.session.commit()
            flash(_("Agenda item “%(title)s” added.", title=item.title), "success")
            return redirect(url_for("events.show", meeting_id=meeting.id, _anchor="agenda"))
    return _render_meeting(meeting, form)


@bp.route("/<int:meeting_id>/agenda/<int:item_id>", methods=["GET", "POST"])
def edit_item(meeting_id: int, item_id: int):
    meeting = get_meeting_or_404(meeting_id)
    item = _item_or_404(meeting, item_id)
    form = AgendaItemForm(obj=item, meeting=meeting)
    if not form.is_submitted():
        form.fill_translations(item)
    if form.validate_on_submit():
        items = list(meeting.agenda_items)
        draft = _draft_from(form, item.id)
        after = agenda_with(meeting, items, draft, replacing=item)
        if not _refuse_conflict(meeting, form, items, after, draft):
            update_agenda_item(item, {**form.data, "translations": form.translations(meeting.language)})
            db.session.commit()
            flash(_("Agenda item “%(title)s” saved.", title=item.title), "success")
            return redirect(url_for("events.show", meeting_id=meeting.id, _anchor="agenda"))
    return render_form("events/manage/agenda_item.html", form, meeting=meeting, item=item)


@bp.route("/<int:meeting_id>/agenda/<int:item_id>/delete", methods=["POST"])
def delete_item(meeting_id: int, item_id: int):
    meeting = get_meeting_or_404(meeting_id)
    item = _item_or_404(meeting, item_id)
    delete_agenda_item(meeting, item)
    db.session.commit()
    flash(_("Agenda item “%(title)s” removed.", title=item.title), "success")
    return redirect(url_for("events.show", meeting_id=meeting.id, _anchor="agenda"))


@bp.route("/<int:meeting_id>/agenda/<int:item_id>/<any(up, down):direction>", methods=["POST"])
def move_item(meeting_id: int, item_id: int, direction: str):
    meeting = get_meeting_or_404(meeting_id)
    item = _item_or_404(meeting, item_id)
    before = list(meeting.agenda_items)
    after = moved_order(meeting, item, direction)
    conflict = find_conflict(meeting, before, after, None)
    if conflict is not None:
        message = _("This move is not possible: “%(title)s” would then fall outside the meeting's time.",
                    title=conflict.slot.entry.title)
        return _render_meeting(meeting, status=409, agenda_error=message)
    apply_order(meeting, after)
    db.session.commit()
    return redirect(url_for("events.show", meeting_id=meeting.id, _anchor=f"item-{item.id}"))


# --- topics ---------------------------------------------------------------------

@bp.route("/topics/", methods=["GET", "POST"])
def topics():
    form = TopicForm()
    if form.validate_on_submit():
        if topic_name_taken(form.name.data):
            form.name.errors.append(_("A topic with this name already exists."))
        else:
            topic = save_or_field_error(lambda: create_topic(form.name.data), form.name,
                                        _("A topic with this name already exists."))
            if topic is not None:
                flash(_("Topic “%(name)s” added.", name=topic.name), "success")
                return redirect(url_for("events.topics"))
    return render_form("events/manage/topics.html", form, topics=list_topics(), usage=topic_usage())


@bp.route("/topics/<int:topic_id>", methods=["GET", "POST"])
def edit_topic(topic_id: int):
    topic = db.get_or_404(Topic, topic_id)
    form = TopicForm(obj=topic)
    if form.validate_on_submit():
        if topic_name_taken(form.name.data, exclude_id=topic.id):
            form.name.errors.append(_("A topic with this name already exists."))
        elif save_or_field_error(lambda: rename_topic(topic, form.name.data), form.name,
                                 _("A topic with this name already exists.")) is not None:
            flash(_("Topic renamed to “%(name)s”.", name=topic.name), "success")
            return redirect(url_for("events.topics"))
    return render_form("events/manage/topic.html", form, topic=topic, usage=topic_usage().get(topic.id, 0))


@bp.route("/topics/<int:topic_id>/delete", methods=["POST"])
def remove_topic(topic_id: int):
    topic = db.get_or_404(Topic, topic_id)
    name = topic.name
    delete_topic(topic)
    db.session.commit()
    flash(_("Topic “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("events.topics"))
