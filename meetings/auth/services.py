"""Organiser accounts: creation and authentication."""
from __future__ import annotations

from sqlalchemy import func, select

from meetings.auth.models import User
from meetings.core.types import utcnow
from meetings.extensions import db


class AccountError(ValueError):
    """An account cannot be created or changed as asked."""


def find_user(email: str) -> User | None:
    """The account with that email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, name: str, password: str, is_admin: bool = False, language: str = "en") -> User:
    """Add an account; raises AccountError if the email is taken. Flushes, does not commit."""
    if find_user(email):
        raise AccountError("email taken")
    user = User(email=email.strip().lower(), name=name.strip(), is_admin=is_admin, language=language)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account matching email and password, or None.

    Hashes even for unknown emails so the answer takes as long either way.
    """
    user = find_user(email)
    if user is None:
        User(password_hash="").set_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, password: str) -> None:
    """Set a new password; every session and remember cookie of the account ends with the old one."""
    user.set_password(password)
    user.end_sessions()


def change_active(user: User, active: bool) -> None:
    """Enable or disable the account; disabling ends its sessions for good, even if enabled again."""
    if user.active and not active:
        user.end_sessions()
    user.active = active


def admin_count(excluding: User | None = None) -> int:
    """How many active administrators there are, optionally not counting one."""
    query = select(func.count()).select_from(User).where(User.is_admin.is_(True), User.active.is_(True))
    if excluding is not None:
        query = query.where(User.id != excluding.id)
    return db.session.scalar(query) or 0
