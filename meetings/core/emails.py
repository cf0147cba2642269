"""The one check of an email address, for forms, imports and commands alike.

An address is kept as typed but stripped and lower-cased (accounts, contacts and
participants are found by it), at most 254 characters (RFC 5321's path limit),
without control characters, and valid by email-validator's syntax rules (no DNS
lookup; international mailboxes allowed, as the mail is sent with SMTPUTF8).
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_EMAIL = 254


class InvalidEmail(ValueError):
    """The value is not an address the app can store and write to."""


def checked_email(value: str) -> str:
    """``value`` as stored (stripped, lower-case); :class:`InvalidEmail` if it is not an address."""
    address = value.strip().lower()
    if not address or len(address) > MAX_EMAIL or any(ord(c) < 32 or ord(c) == 127 for c in address):
        raise InvalidEmail(value)
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise InvalidEmail(value) from exc
    return address
