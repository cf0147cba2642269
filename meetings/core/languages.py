"""The languages the site is written in, by code, each named in itself."""
from __future__ import annotations

LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "nl": "Nederlands"}
