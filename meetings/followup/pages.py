"""Pages of the follow-up record that other capabilities' views also show (the minutes page with
the error of a form posted elsewhere)."""
from __future__ import annotations

from flask import render_template

from meetings.events.models import Meeting
from meetings.followup import services
from meetings.followup.forms import ActionItemForm, DraftForm, minutes_form


def _minutes_data(meeting: Meeting) -> dict:
    record = services.get_record(meeting)
    notes = services.notes_by_item(meeting)
    data = {f"note_{item_id}": body for item_id, body in notes.items()}
    if record is not None:
        data.update(decisions=record.decisions, next_meeting_on=record.next_meeting_on,
                    next_meeting_note=record.next_meeting_note)
    return data


def minutes_page(meeting: Meeting, form=None, action_form=None, draft_form=None):
    """The minutes page, with the forms given (else fresh ones), and 422 when one of them failed."""
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
        record=services.get_record(meeting),
        represented=services.represented_organisations(meeting)), (422 if failed else 200)
