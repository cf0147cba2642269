"""Pages of the follow-up record that other capabilities' views also show (the minutes page with
the error of a form posted elsewhere)."""
from __future__ import annotations

from flask import render_template

from meetings.events.models import Meeting
from meetings.core.timezones import to_local
from meetings.core.types import utcnow
from meetings.followup import approval, services
from meetings.followup.forms import ActionItemForm, ApproveForm, CirculateForm, DraftForm, minutes_form


def _minutes_data(meeting: Meeting) -> dict:
    record = services.get_record(meeting)
    notes = services.notes_by_item(meeting)
    data = {f"note_{item_id}": body for item_id, body in notes.items()}
    if record is not None:
        data.update(next_meeting_on=record.next_meeting_on,
                    next_meeting_note=record.next_meeting_note)
    for item_id, text in services.decisions_text_by_item(meeting).items():
        data["decisions" if item_id is None else f"decisions_{item_id}"] = text
    return data


def approve_form(meeting: Meeting, **form_kwargs) -> ApproveForm:
    """The approval form, offering the meetings after this one."""
    if "formdata" in form_kwargs and "data" not in form_kwargs:
        form_kwargs["data"] = {"approved_on": to_local(utcnow(), meeting.timezone).date()}
    return ApproveForm(meetings=approval.later_meetings(meeting), **form_kwargs)


def minutes_page(meeting: Meeting, form=None, action_form=None, draft_form=None, approve=None,
                 status_code: int | None = None, problem: str | None = None):
    """The minutes page, with the forms given (else fresh ones), and 422 when one of them failed
    (``status_code`` and ``problem``, a message, for a step the minutes' state refused)."""
    if form is None:
        form = minutes_form(meeting.agenda_items, formdata=None, data=_minutes_data(meeting))
    if action_form is None:
        action_form = ActionItemForm(contacts=services.contact_choices(), formdata=None)
    if draft_form is None:
        draft_form = DraftForm(formdata=None, data={"language": meeting.language})
    if approve is None:
        approve = approve_form(meeting, formdata=None)
    failed = bool(form.errors or action_form.errors or draft_form.errors or approve.errors)
    return render_template(
        "followup/minutes.html", meeting=meeting, form=form, action_form=action_form, draft_form=draft_form,
        note_fields=[(item, form[f"note_{item.id}"], form[f"decisions_{item.id}"]) for item in meeting.agenda_items],
        minutes=approval.status(meeting), approve_form=approve, circulate_form=CirculateForm(formdata=None),
        recipients=approval.recipients(meeting), comments=approval.comments(meeting), problem=problem,
        actions=services.action_items(meeting), earlier=services.earlier_open_actions(meeting),
        record=services.get_record(meeting),
        represented=services.represented_organisations(meeting)), (status_code or (422 if failed else 200))
