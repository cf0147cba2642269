"""Organiser pages for a meeting's participants (PLACEHOLDER: being written)."""
from flask import Blueprint

from meetings.auth.access import require_organiser

bp = Blueprint("participants", __name__, url_prefix="/manage/meetings")
bp.before_request(require_organiser)
