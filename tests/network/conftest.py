"""Helpers shared by the network tests: counting rows, uploading and confirming CSV imports."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from meetings.extensions import db
from meetings.network.models import Contact, Group, Organisation
from tests.helpers import post_form

IMPORT_URL = "/manage/contacts/import"
CONFIRM_URL = "/manage/contacts/import/confirm"
PAYLOAD_RE = re.compile(r'name="payload"[^>]*value="([^"]+)"')


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> tuple[int, int, int]:
    """(contacts, organisations, groups)"""
    return count(Contact), count(Organisation), count(Group)


def upload(client, content: bytes | str, filename: str = "contacts.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return post_form(client, IMPORT_URL, {"file": (io.BytesIO(data), filename)})


def payload_of(response) -> str:
    match = PAYLOAD_RE.search(response.get_data(as_text=True))
    assert match, "no signed payload in the preview"
    return match.group(1)


def confirm(client, payload: str):
    return post_form(client, CONFIRM_URL, {"payload": payload}, form_url=IMPORT_URL)


@pytest.fixture
def importer(organiser_client):
    """Upload a CSV and confirm it, as an organiser does."""

    def run(content: bytes | str):
        preview = upload(organiser_client, content)
        assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
        return confirm(organiser_client, payload_of(preview))

    return run
