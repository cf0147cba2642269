"""The page where someone the minutes were circulated to reads them and comments (no
account: the personal link is the key)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from meetings.core.views import personal_page
from meetings.extensions import db, limiter
from meetings.followup import approval
from meetings.followup.forms import CommentForm
from meetings.followup.models import MinutesReader
from meetings.followup.states import MinutesState

bp = Blueprint("minutes_comments", __name__, url_prefix="/minutes")


def _reader_or_404(token: str) -> MinutesReader:
    reader = approval.reader_by_token(token)
    if reader is None:
        abort(404)
    # The page speaks the reader's language unless they chose another with the switcher.
    g.page_language = reader.participant.language
    return reader


def _page(reader: MinutesReader, form: CommentForm, status: int = 200, problem: str | None = None):
    minutes = approval.status(reader.meeting)
    return render_template("followup/comment.html", reader=reader, meeting=reader.meeting, minutes=minutes,
                           version=minutes.shared, form=form, problem=problem,
                           closed=minutes.shared is not None and minutes.shared.state == MinutesState.APPROVED,
                           own_comments=approval.comments(reader.meeting, reader)), status


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@personal_page
def comment(token: str):
    reader = _reader_or_404(token)
    form = CommentForm()
    if not form.validate_on_submit():
        return _page(reader, form, 422 if form.errors else 200)
    try:
        approval.add_comment(reader, form.body.data)
    except approval.MinutesError:
        db.session.rollback()
        return _page(reader, form, 409, _("These minutes are approved: comments can no longer be added."))
    db.session.commit()
    flash(_("Thank you, your comment was passed on to the organisers."), "success")
    return redirect(url_for("minutes_comments.comment", token=token))
