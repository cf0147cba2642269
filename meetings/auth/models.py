"""Organiser accounts."""
from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from meetings.core.types import UTCDateTime, utcnow
from meetings.extensions import db

_hasher = PasswordHasher()

SESSION_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the id that sessions and remember-me cookies carry (``get_id``): a new
    # value ends every session and every remember cookie of the account at once.
    session_token: Mapped[str] = mapped_column(String(SESSION_TOKEN_LENGTH), default=new_session_token)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    def end_sessions(self) -> None:
        """Make every session and remember cookie of this account stop working."""
        self.session_token = new_session_token()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
