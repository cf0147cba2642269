"""Organiser accounts."""
from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


ISSUER_LENGTH = 300
SUBJECT_LENGTH = 255  # OpenID Connect Core 2: "sub" is at most 255 ASCII characters


class LinkedIdentity(db.Model):
    """An account at an OpenID Connect provider (issuer and subject) that signs in as ``user``."""
    __tablename__ = "linked_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_linked_identities_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(ISSUER_LENGTH))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    # What the provider said last, for the administrators' list; never used to find the account.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(backref="identities")


class SignInDomain(db.Model):
    """People of this provider whose verified email is at ``domain`` may sign in; a new one
    becomes an organiser (not an administrator)."""
    __tablename__ = "sign_in_domains"
    __table_args__ = (UniqueConstraint("issuer", "domain", name="uq_sign_in_domains_issuer_domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(ISSUER_LENGTH))
    domain: Mapped[str] = mapped_column(String(253))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
