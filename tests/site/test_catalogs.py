"""The German and Dutch catalogs are complete: nothing empty or fuzzy, the same placeholders as
the English, and a fresh extraction of the code and templates finds no message they lack."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "meetings" / "translations"
LANGUAGES = ("de", "nl")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")

pytestmark = pytest.mark.single_backend


def catalog(language: str):
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def texts(value) -> list[str]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    missing = [message.id for message in catalog(language)
               if message.id and (message.fuzzy or not all(texts(message.string)))]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    wrong = []
    for message in catalog(language):
        if not message.id:
            continue
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in texts(message.id)))
        # A plural form may leave out the count ("alle Partner"), never any other value.
        needed = wanted - {"%(num)d"} if isinstance(message.id, tuple) else wanted
        for translated in texts(message.string):
            found = set(PLACEHOLDER.findall(translated))
            if not needed <= found <= wanted:
                wrong.append((message.id, translated))
    assert wrong == []


def test_a_fresh_extraction_finds_no_message_the_catalogs_lack(tmp_path):
    """Every text marked for translation in the code and templates is in both catalogs."""
    output = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                    "-k", "ngettext:1,2", "-k", "lazy_ngettext:1,2", "-o", str(output), "--no-location",
                    "--omit-header", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(output, "rb") as handle:
        extracted = {message.id if isinstance(message.id, str) else message.id[0]
                     for message in read_po(handle) if message.id}
    assert len(extracted) > 500  # the extraction really read the code and templates
    for language in LANGUAGES:
        known = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog(language)}
        assert sorted(extracted - known) == [], language
