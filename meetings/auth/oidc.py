"""Signing in at an OpenID Connect provider (Authlib's Flask client).

Each provider of ``OIDC_PROVIDERS`` is found by discovery at its issuer's
``/.well-known/openid-configuration``; the sign-in is the authorization code flow with
PKCE (S256), a state and a nonce kept in the session, and an id_token whose signature
(the issuer's JWKS), issuer, audience, expiry and nonce are checked before anyone is let in.
"""
from __future__ import annotations

import enum
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, request
from flask_babel import get_locale
from joserfc.errors import JoseError

EXTENSION = "meetings.oidc"
SCOPE = "openid email profile"
# Seconds to wait for the provider (discovery, keys, token) before the sign-in is refused.
TIMEOUT = 10
# Seconds a provider's clock may differ from ours when the id_token's times are checked.
LEEWAY = 60


class Refusal(enum.StrEnum):
    """Why a sign-in at a provider was refused; the views name each one to the person."""
    UNREACHABLE = "unreachable"
    WRONG_DISCOVERY = "wrong_discovery"
    FORGED_STATE = "forged_state"
    PROVIDER_ERROR = "provider_error"
    CODE_REFUSED = "code_refused"
    TOKEN_INVALID = "token_invalid"
    NO_ID_TOKEN = "no_id_token"
    ACCOUNT_DISABLED = "account_disabled"
    UNKNOWN_IDENTITY = "unknown_identity"
    UNVERIFIED_EMAIL = "unverified_email"
    EMAIL_TAKEN = "email_taken"


class SignInRefused(Exception):
    """A sign-in at a provider that lets nobody in, and why."""

    def __init__(self, reason: Refusal, detail: str | None = None):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


def init_oidc(app: Flask) -> None:
    """One Authlib client per configured provider, kept with this app (tests make many apps)."""
    oauth = OAuth(app)
    for provider in app.config["OIDC_PROVIDERS"]:
        oauth.register(
            provider["name"],
            client_id=provider["client_id"],
            client_secret=provider["client_secret"],
            server_metadata_url=discovery_url(provider["issuer"]),
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": TIMEOUT},
        )
    app.extensions[EXTENSION] = oauth


def discovery_url(issuer: str) -> str:
    """OpenID Connect Discovery 1.0, section 4: the issuer with the well-known path appended."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def providers() -> tuple[dict[str, Any], ...]:
    """The configured providers, in the order of the setting."""
    return tuple(current_app.config["OIDC_PROVIDERS"])


def provider_or_404(name: str) -> dict[str, Any]:
    """The configured provider of that name; 404 for any other."""
    for provider in providers():
        if provider["name"] == name:
            return provider
    abort(404)


def provider_for_issuer(issuer: str) -> dict[str, Any] | None:
    """The configured provider with that issuer, or None (it was taken out of the setting)."""
    return next((provider for provider in providers() if provider["issuer"] == issuer), None)


def label(provider: dict[str, Any]) -> str:
    """The provider's button label in the interface language, else English, else the first given."""
    labels = provider["label"]
    return labels.get(str(get_locale() or "en")) or labels.get("en") or next(iter(labels.values()))


def _client(provider: dict[str, Any]):
    client = current_app.extensions[EXTENSION].create_client(provider["name"])
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("OIDC discovery at %s failed: %s", provider["issuer"], error)
        raise SignInRefused(Refusal.UNREACHABLE) from None
    # A discovery document naming another issuer is not this provider's (Discovery 1.0, 4.3).
    if metadata.get("issuer") != provider["issuer"]:
        current_app.logger.warning("OIDC discovery at %s names issuer %r", provider["issuer"], metadata.get("issuer"))
        raise SignInRefused(Refusal.WRONG_DISCOVERY)
    return client


def redirect_to_provider(provider: dict[str, Any], redirect_uri: str):
    """The redirect to the provider's authorization endpoint; state, nonce and PKCE verifier
    go into the session, to be checked when the provider sends the person back."""
    return _client(provider).authorize_redirect(redirect_uri)


def claims_from_callback(provider: dict[str, Any]) -> dict[str, Any]:
    """The checked claims of the id_token the provider's answer leads to, or SignInRefused.

    The state is taken out of the session before the code is exchanged, so an answer works once.
    """
    client = _client(provider)
    try:
        token = client.authorize_access_token(leeway=LEEWAY)
    except MismatchingStateError:
        raise SignInRefused(Refusal.FORGED_STATE) from None
    except OAuthError as error:
        if request.args.get("error"):
            raise SignInRefused(Refusal.PROVIDER_ERROR, error.error) from None
        # The token endpoint refused the code: used once already, expired, or not this client's.
        current_app.logger.warning("OIDC token request at %s refused: %s", provider["issuer"], error)
        raise SignInRefused(Refusal.CODE_REFUSED) from None
    except requests.RequestException as error:
        current_app.logger.warning("OIDC token request at %s failed: %s", provider["issuer"], error)
        raise SignInRefused(Refusal.UNREACHABLE) from None
    except (JoseError, ValueError) as error:
        current_app.logger.warning("OIDC id_token from %s refused: %r", provider["issuer"], error)
        raise SignInRefused(Refusal.TOKEN_INVALID) from None
    claims = token.get("userinfo")
    if not claims or not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise SignInRefused(Refusal.NO_ID_TOKEN)
    return dict(claims)
