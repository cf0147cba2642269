"""Identities at OpenID Connect providers: which account each signs in as, and the email
domains whose people a provider may bring in as new organisers."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from meetings.auth.models import SUBJECT_LENGTH, LinkedIdentity, SignInDomain, User
from meetings.auth.oidc import Refusal, SignInRefused
from meetings.auth.services import find_user
from meetings.core.types import utcnow
from meetings.extensions import db

_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
LANGUAGES = ("en", "de", "nl")


class IdentityError(ValueError):
    """A link or a domain cannot be added as asked."""


class AlreadyLinked(IdentityError):
    """The identity signs in as an account already."""


class AlreadyListed(IdentityError):
    """The domain is let in for this provider already."""


def find_identity(issuer: str, subject: str) -> LinkedIdentity | None:
    """The link of that provider identity, or None."""
    return db.session.scalar(select(LinkedIdentity).where(LinkedIdentity.issuer == issuer,
                                                          LinkedIdentity.subject == subject))


def link_identity(user: User, issuer: str, subject: str, email: str | None = None) -> LinkedIdentity:
    """Let the provider identity (issuer, subject) sign in as ``user``; IdentityError if it
    signs in as someone already. Flushes."""
    subject = subject.strip()
    if not subject or len(subject) > SUBJECT_LENGTH:
        raise IdentityError(subject)
    if find_identity(issuer, subject) is not None:
        raise AlreadyLinked(subject)
    identity = LinkedIdentity(user=user, issuer=issuer, subject=subject, email=email)
    db.session.add(identity)
    db.session.flush()
    return identity


def identities_of(user: User) -> list[LinkedIdentity]:
    """The provider identities that sign in as ``user``, oldest first."""
    return list(db.session.scalars(select(LinkedIdentity).where(LinkedIdentity.user_id == user.id)
                                   .order_by(LinkedIdentity.id)))


def unlink_identity(identity: LinkedIdentity) -> None:
    """Take the link away; the identity signs in no more (its open sessions end too). Flushes."""
    identity.user.end_sessions()
    db.session.delete(identity)
    db.session.flush()


def normal_domain(domain: str) -> str:
    """``domain`` lowercased without a leading ``@`` or a trailing dot; IdentityError if it is
    no domain name."""
    domain = domain.strip().lower().lstrip("@").rstrip(".")
    if not _DOMAIN.fullmatch(domain):
        raise IdentityError(domain)
    return domain


def sign_in_domains() -> list[SignInDomain]:
    """Every domain let in, by provider and name."""
    return list(db.session.scalars(select(SignInDomain).order_by(SignInDomain.issuer, SignInDomain.domain)))


def add_domain(issuer: str, domain: str) -> SignInDomain:
    """Let the provider's people with a verified email at ``domain`` in; IdentityError if it is
    no domain or listed already. Flushes."""
    domain = normal_domain(domain)
    if db.session.scalar(select(SignInDomain).where(SignInDomain.issuer == issuer,
                                                    SignInDomain.domain == domain)) is not None:
        raise AlreadyListed(domain)
    entry = SignInDomain(issuer=issuer, domain=domain)
    db.session.add(entry)
    db.session.flush()
    return entry


def remove_domain(entry: SignInDomain) -> None:
    """Nobody new comes in by this domain; accounts made by it stay. Flushes."""
    db.session.delete(entry)
    db.session.flush()


def _email_of(claims: dict[str, Any]) -> str | None:
    email = claims.get("email")
    if not isinstance(email, str) or email.count("@") != 1:
        return None
    return email.strip().lower()


def _verified(claims: dict[str, Any]) -> bool:
    # A boolean by the standard; some providers send the text "true".
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _domain_allowed(issuer: str, email: str | None) -> bool:
    if email is None:
        return False
    domain = email.rpartition("@")[2].rstrip(".")
    return db.session.scalar(select(SignInDomain.id).where(SignInDomain.issuer == issuer,
                                                           SignInDomain.domain == domain)) is not None


def _language_of(claims: dict[str, Any]) -> str:
    locale = claims.get("locale")
    language = locale.replace("_", "-").split("-")[0].lower() if isinstance(locale, str) else ""
    return language if language in LANGUAGES else "en"


def user_for_sign_in(issuer: str, claims: dict[str, Any]) -> User:
    """The account the checked id_token ``claims`` of ``issuer`` sign in as, or SignInRefused.

    A linked identity signs in as its account (unless that is disabled). An unlinked one comes
    in only with a verified email at a domain let in for this provider, and only if no account
    has that email yet (linking it is the administrators' decision): it becomes a new organiser.
    Flushes; the caller commits.
    """
    subject = claims["sub"]
    email = _email_of(claims)
    identity = find_identity(issuer, subject)
    now = utcnow()
    if identity is not None:
        if not identity.user.active:
            raise SignInRefused(Refusal.ACCOUNT_DISABLED)
        identity.last_used_at = now
        identity.email = email
        identity.user.last_login_at = now
        db.session.flush()
        return identity.user
    if not _domain_allowed(issuer, email):
        raise SignInRefused(Refusal.UNKNOWN_IDENTITY, subject)
    if not _verified(claims):
        raise SignInRefused(Refusal.UNVERIFIED_EMAIL, email)
    if find_user(email) is not None:
        raise SignInRefused(Refusal.EMAIL_TAKEN, email)
    name = claims.get("name") if isinstance(claims.get("name"), str) and claims["name"].strip() else email.split("@")[0]
    # No password: this account signs in at its provider only (an empty hash matches nothing).
    user = User(email=email, name=name.strip()[:120], password_hash="", is_admin=False,
                language=_language_of(claims), last_login_at=now)
    db.session.add(user)
    db.session.add(LinkedIdentity(user=user, issuer=issuer, subject=subject, email=email, last_used_at=now))
    db.session.flush()
    return user
