"""Small helpers shared by every blueprint's views."""
from __future__ import annotations

from functools import wraps

from flask import abort, make_response, render_template, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.exc import IntegrityError

from meetings.extensions import db

# Longer page numbers than this are nonsense, and are refused before any query.
MAX_PAGE_DIGITS = 6
# A page reached through someone's secret link: no cache keeps it (a shared computer's
# browser, a proxy), no search engine lists it.
PERSONAL_PAGE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def personal_page(view):
    """Decorate a view whose pages belong to the holder of a personal link (``PERSONAL_PAGE_HEADERS``
    on every answer it gives, redirects included)."""
    @wraps(view)
    def answer(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers.update(PERSONAL_PAGE_HEADERS)
        return response

    return answer


def render_form(template: str, form, **context):
    """Render a page holding ``form``: 422 when the form was posted with errors."""
    status = 422 if getattr(form, "errors", None) else 200
    return render_template(template, form=form, **context), status


def page_number() -> int:
    """The ``page`` query argument (default 1); 404 for anything but a plausible page number."""
    raw = request.args.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_PAGE_DIGITS:
        abort(404)
    return int(raw)


def existing_page(query, number: int, per_page: int) -> Pagination | None:
    """Page ``number`` of ``query`` (``db.paginate``: one count, one page of rows), or None for
    a page that does not exist: below 1, or beyond the last. Page 1 always exists, empty or not."""
    if number < 1:
        return None
    page = db.paginate(query, page=number, per_page=per_page, error_out=False, count=True)
    if number > max(page.pages, 1):
        return None
    return page


def save_or_field_error(save, field, message: str):
    """Run ``save`` and commit once, returning what it saved.

    If a unique constraint fires after all (two organisers saving the same name or
    address at once: the database decides), roll back, put ``message`` at ``field``
    and return None.
    """
    try:
        saved = save()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        field.errors.append(message)
        return None
    return saved
