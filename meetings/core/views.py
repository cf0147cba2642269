"""Small helpers shared by every blueprint's views."""
from __future__ import annotations

from flask import render_template


def render_form(template: str, form, **context):
    """Render a page holding ``form``: 422 when the form was posted with errors."""
    status = 422 if getattr(form, "errors", None) else 200
    return render_template(template, form=form, **context), status
