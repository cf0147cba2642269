"""Settings, read from the environment (and an optional .env) when the app is made.

Nothing here reads the environment at import time: ``load_config`` is called by
``create_app`` so tests and tools can build apps with other settings.
"""
from __future__ import annotations

import os
import re
import secrets
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Mapping

TRUE_WORDS = {"1", "true", "yes", "on"}

# name, default, meaning: the README's settings table is generated from the same list.
SETTINGS: list[tuple[str, str, str]] = [
    ("FLASK_ENV_NAME", "development", "`development` or `production`; production requires SECRET_KEY and marks cookies Secure"),
    ("DATABASE_URL", "sqlite:///instance/meetings.sqlite3", "SQLAlchemy database URL; `postgresql://...` uses psycopg 3"),
    ("SECRET_KEY", "generated once into instance/secret_key", "signs sessions and CSRF tokens; required in production"),
    ("BASE_URL", "http://127.0.0.1:5000 (development: http://FLASK_RUN_HOST:FLASK_RUN_PORT)", "public address of the app, used for links in emails and feeds"),
    ("FLASK_RUN_HOST", "127.0.0.1", "address `flask run` serves on (`make run HOST=...` sets it); in development the default BASE_URL follows it"),
    ("FLASK_RUN_PORT", "5000", "port `flask run` serves on (`make run PORT=...` sets it); in development the default BASE_URL follows it"),
    ("TRUSTED_PROXY_HOPS", "0", "how many reverse proxies in front of the app set X-Forwarded-For, -Proto and -Host (werkzeug's ProxyFix); 0 trusts none of these headers"),
    ("MAIL_SERVER", "(empty: mail is kept in the outbox)", "SMTP host"),
    ("MAIL_PORT", "25", "SMTP port"),
    ("MAIL_USERNAME", "(empty)", "SMTP user name"),
    ("MAIL_PASSWORD", "(empty)", "SMTP password"),
    ("MAIL_USE_TLS", "false", "STARTTLS after connecting"),
    ("MAIL_USE_SSL", "false", "SMTP over TLS from the start"),
    ("MAIL_DEFAULT_SENDER", "meetings@localhost", "From address of every email, with or without a name (`Cluster Meetings <meetings@cluster.example>`)"),
    ("ORGANIZER_EMAIL", "the address in MAIL_DEFAULT_SENDER", "mailbox named as ORGANIZER in invitations; calendar replies go there, so it must reach a person or the app: production refuses @localhost and no-reply addresses"),
    ("ORGANIZER_NAME", "the name in ORGANIZER_EMAIL or MAIL_DEFAULT_SENDER", "name shown with ORGANIZER_EMAIL in invitations (e.g. the cluster office)"),
    ("INBOUND_ADDRESS", "(empty: answers given in calendar apps are not read)", "address the app reads calendar replies at (see Calendar replies); invitations name `local+token@domain` of it as ORGANIZER and Reply-To, one token per participant"),
    ("INBOUND_AUTHSERV_IDS", "(empty: none trusted)", "comma-separated server ids (authserv-id) whose Authentication-Results headers are believed; a reply without a usable token is applied only when one of them says DKIM or SPF passed for the sender's domain"),
    ("FEED_PAST_DAYS", "183", "how many days back the public calendar feeds reach"),
    ("REGISTRATION_RATE_LIMIT", "10 per minute;60 per hour", "registrations one client address may post"),
    ("CONTACT_EMAIL", "the address in ORGANIZER_EMAIL", "mailbox the contact form's messages are sent to (with Reply-To the sender)"),
    ("CONTACT_RATE_LIMIT", "10 per minute;60 per hour", "contact form messages one client address may post"),
    ("EMBED_ORIGINS", "(empty: only this site)", "space- or comma-separated origins (`https://www.partner.example`) whose pages may show `/embed/events` in a frame"),
    ("API_RATE_LIMIT", "120 per minute", "requests to the JSON API (/api/v1/) one client address may make"),
    ("REGISTRATION_LINK_RATE_LIMIT", "30 per minute", "requests for a new personal registration link one client address may make"),
    ("MAIL_DELIVERY_INTERVAL", "60", "seconds between deliveries of what is due, by the web process (MAIL_SERVER set, no CELERY_BROKER_URL: from its start on) or by the Celery worker's schedule; `0`: only after commits and by `flask mail send`"),
    ("MAIL_DELIVER_AFTER_COMMIT", "true", "start delivering what a request queued as soon as its transaction commits; `false`: only on the MAIL_DELIVERY_INTERVAL schedule and by `flask mail send`"),
    ("MAIL_BATCH_SIZE", "50", "messages one delivery run sends over one SMTP connection"),
    ("MAIL_TIMEOUT", "30", "seconds to wait for the SMTP server before an attempt counts as failed"),
    ("MAIL_MAX_ATTEMPTS", "10", "attempts at delivering one message (with growing pauses between them) before it is marked failed"),
    ("MAIL_CLAIM_TIMEOUT", "600", "seconds after which messages a delivery run took and stopped renewing (it died) go back to the queue, for the next run to send"),
    ("CELERY_BROKER_URL", "(empty: delivery runs in the web process)", "Redis URL of the task queue for background mail workers"),
    ("CELERY_QUEUE", "meetings-mail", "name of the queue the web app and its mail workers share on the broker"),
    ("RATELIMIT_STORAGE_URI", "memory://", "Flask-Limiter storage; `redis://...` when several workers run"),
    ("DEFAULT_TIMEZONE", "Europe/Amsterdam", "time zone proposed for new venues and meetings"),
    ("INBOUND_IMAP_HOST", "(empty: no mailbox is read)", "IMAP server of the mailbox calendar replies arrive in, read by `flask mail fetch` (see [Calendar replies](#calendar-replies))"),
    ("INBOUND_IMAP_PORT", "993 (143 when INBOUND_IMAP_TLS is `starttls` or `none`)", "IMAP port"),
    ("INBOUND_IMAP_TLS", "ssl", "`ssl` (TLS from the start), `starttls` (TLS after connecting) or `none` (plain, for a server on the same machine only)"),
    ("INBOUND_IMAP_USER", "(empty)", "IMAP user name"),
    ("INBOUND_IMAP_PASSWORD", "(empty)", "IMAP password"),
    ("INBOUND_IMAP_FOLDER", "INBOX", "folder whose new messages are read"),
    ("INBOUND_IMAP_PROCESSED_FOLDER", "Processed", "folder read messages are moved to (made when missing); empty, or a server that cannot move or copy there: they stay, flagged `\\Seen` and `$MeetingsProcessed`"),
    ("INBOUND_FETCH_INTERVAL", "60", "seconds between reads of the IMAP mailbox (INBOUND_IMAP_HOST set; each read also applies again what failed) or, without a mailbox, between retries of what failed, by the web process or, with CELERY_BROKER_URL, the Celery worker's schedule; `0`: only by `flask mail fetch` (e.g. from cron)"),
    ("INBOUND_WEBHOOK_SECRET", "(empty: `POST /inbound/mail` answers 404)", "bearer secret a mail service sends to `POST /inbound/mail` with the raw message; at least 24 characters"),
    ("OIDC_PROVIDERS", "(empty: passwords only)", "JSON list of OpenID Connect providers organisers may sign in with, each `{\"name\", \"issuer\", \"client_id\", \"client_secret\", \"label\"}` (see [Signing in with a partner's account](#signing-in-with-a-partners-account)); checked when the app starts"),
    ("PASSWORD_LOGIN", "true", "`false`: the login page offers only the OIDC_PROVIDERS and refuses passwords (needs at least one provider)"),
    ("INBOUND_MAX_BYTES", "26214400 (25 MB)", "largest incoming message taken whole: the HTTP door answers 413 above it; IMAP and LMTP keep its headers only, recorded as too large"),
]


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def _instance_secret(instance_path: Path) -> str:
    """Return the development secret kept in instance/, creating it once."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


class ConfigError(RuntimeError):
    """A setting is missing or wrong; raised when the app is made."""


# Local parts of mailboxes nobody reads: noreply, no-reply, no_reply, donotreply, do-not-reply, ...
_NO_REPLY = re.compile(r"(no|donot|dont)(reply|respond|answer)")
_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


def _organizer(env: Mapping[str, str], sender: str, production: bool) -> tuple[str, str | None]:
    """The ORGANIZER's address and name: ORGANIZER_EMAIL, else MAIL_DEFAULT_SENDER, either
    of them written as an address or as ``Name <address>``; ORGANIZER_NAME names it if set."""
    setting = "ORGANIZER_EMAIL" if env.get("ORGANIZER_EMAIL") else "MAIL_DEFAULT_SENDER"
    given = env.get("ORGANIZER_EMAIL") or sender
    found = getaddresses([given])
    name, address = found[0] if len(found) == 1 else ("", "")
    local, _, domain = address.rpartition("@")
    if not local or not domain or "@" in local or any(c.isspace() for c in address):
        raise ConfigError(f"{setting} must be one email address, as name@example.org or "
                          f"Name <name@example.org>, not {given!r}")
    if production:
        domain = domain.lower().rstrip(".")
        if domain == "localhost" or domain.endswith((".localhost", ".localdomain")):
            raise ConfigError(f"{setting} {address!r} is a local address: invitations name it as ORGANIZER "
                              "and calendar replies go there; set ORGANIZER_EMAIL to a mailbox that reaches "
                              "the organisers or the app")
        if _NO_REPLY.search(re.sub(r"[^a-z]", "", local.lower())):
            raise ConfigError(f"{setting} {address!r} is a no-reply address: invitations name it as ORGANIZER "
                              "and calendar replies go there; set ORGANIZER_EMAIL to a mailbox that reaches "
                              "the organisers or the app")
    return address, env.get("ORGANIZER_NAME") or name or None


def _inbound_address(env: Mapping[str, str]) -> str | None:
    """INBOUND_ADDRESS as a bare ``local@domain``, lowercased; the token goes after a ``+``, so the
    local part has none of its own."""
    given = (env.get("INBOUND_ADDRESS") or "").strip()
    if not given:
        return None
    local, _, domain = given.lower().rpartition("@")
    if not local or not domain or "@" in local or "+" in local or "." not in domain \
            or not re.fullmatch(r"[a-z0-9._-]+", local) or not re.fullmatch(r"[a-z0-9.-]+", domain):
        raise ConfigError(f"INBOUND_ADDRESS must be one address as rsvp@example.org, without a '+' "
                          f"(the reply token goes there), not {given!r}")
    return f"{local}@{domain}"


def _names(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of names, lowercased, without empties."""
    return tuple(part.strip().lower() for part in (env.get(name) or "").split(",") if part.strip())


def _count(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    """A whole number of ``minimum`` or more from ``env[name]``."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ConfigError(f"{name} must be a whole number of {minimum} or more, not {raw!r}")
    return int(raw)


def _development_base_url(host: str | None, port: int) -> str:
    """Where ``flask run`` (and so ``make run HOST=... PORT=...``) serves: the links in emails follow it."""
    host = (host or "127.0.0.1").strip()
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"  # listening everywhere: this machine is the one address sure to answer
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}"


def _seconds(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not value >= minimum or value == float("inf"):
        raise ConfigError(f"{name} must be at least {minimum:g} seconds (given: {raw})")
    return value


IMAP_TLS_MODES = ("ssl", "starttls", "none")
# Shorter secrets can be guessed; a generated one (``secrets.token_urlsafe(32)``) is 43 characters.
WEBHOOK_SECRET_MIN = 24


def _choice(name: str, value: str | None, choices: tuple[str, ...], default: str) -> str:
    chosen = (value or default).strip().lower()
    if chosen not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {chosen!r}")
    return chosen


def _webhook_secret(value: str | None) -> str | None:
    if value and len(value) < WEBHOOK_SECRET_MIN:
        raise ConfigError(f"INBOUND_WEBHOOK_SECRET must be at least {WEBHOOK_SECRET_MIN} characters long "
                          "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return value or None


_PROVIDER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
_PROVIDER_KEYS = {"name", "issuer", "client_id", "client_secret", "label"}


def _provider_label(given: Any, where: str) -> dict[str, str]:
    """The provider's name on its button ("Sign in with ..."), as one string, or as ``{"en": ..., "de": ...}`` by language."""
    labels = {"en": given} if isinstance(given, str) else given
    if not isinstance(labels, dict) or not labels or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in labels.items()):
        raise ConfigError(f"{where}: \"label\" must be a text, or an object of texts by language "
                          '({"en": "Partner account", "de": "Partnerkonto"})')
    return {language.strip().lower(): text.strip() for language, text in labels.items()}


def oidc_providers(raw: str | None) -> tuple[dict[str, Any], ...]:
    """OIDC_PROVIDERS: a JSON list of providers, each with a name (used in its addresses), an
    issuer (https; http only on this machine), a client id and secret, and a button label."""
    import json
    from urllib.parse import urlsplit

    if not (raw or "").strip():
        return ()
    try:
        given = json.loads(raw)
    except ValueError as error:
        raise ConfigError(f"OIDC_PROVIDERS is not valid JSON ({error})") from None
    if not isinstance(given, list):
        raise ConfigError("OIDC_PROVIDERS must be a JSON list of providers: "
                          '[{"name": "partner", "issuer": "https://...", "client_id": "...", '
                          '"client_secret": "...", "label": "..."}]')
    providers: list[dict[str, Any]] = []
    for number, item in enumerate(given, start=1):
        where = f"OIDC_PROVIDERS, provider {number}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} must be a JSON object")
        missing = sorted(_PROVIDER_KEYS - item.keys())
        unknown = sorted(item.keys() - _PROVIDER_KEYS)
        if missing or unknown:
            raise ConfigError(f"{where}: " + "; ".join(
                part for part in (missing and f"missing {', '.join(missing)}",
                                  unknown and f"unknown {', '.join(unknown)}") if part))
        name = item["name"]
        if not isinstance(name, str) or not _PROVIDER_NAME.fullmatch(name):
            raise ConfigError(f"{where}: \"name\" must be 1 to 40 lowercase letters, digits or "
                              f"hyphens, not {name!r}")
        where = f"OIDC_PROVIDERS, provider {name!r}"
        if any(p["name"] == name for p in providers):
            raise ConfigError(f"{where} is named twice")
        issuer = item["issuer"]
        parts = urlsplit(issuer) if isinstance(issuer, str) else None
        secure = parts is not None and (parts.scheme == "https" or (
            parts.scheme == "http" and (parts.hostname or "") in {h.strip("[]") for h in _LOOPBACK_HOSTS}))
        if parts is None or not parts.hostname or not secure or parts.query or parts.fragment:
            raise ConfigError(f"{where}: \"issuer\" must be an https address without query or "
                              f"fragment (http only for localhost), not {issuer!r}")
        for key in ("client_id", "client_secret"):
            if not isinstance(item[key], str) or not item[key].strip():
                raise ConfigError(f"{where}: \"{key}\" must be a non-empty text")
        providers.append({"name": name, "issuer": issuer, "client_id": item["client_id"].strip(),
                          "client_secret": item["client_secret"], "label": _provider_label(item["label"], where)})
    return tuple(providers)


ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?")


def _origins(value: str | None) -> tuple[str, ...]:
    """EMBED_ORIGINS as a tuple of ``scheme://host[:port]``; anything else is refused (it
    would go into a Content-Security-Policy header)."""
    origins = tuple(part.rstrip("/").lower() for part in re.split(r"[\s,]+", value or "") if part)
    for origin in origins:
        if not ORIGIN.fullmatch(origin):
            raise ConfigError(f"EMBED_ORIGINS: {origin!r} is not an origin such as https://www.partner.example")
    return origins


def _contact_email(env: Mapping[str, str], organizer_email: str) -> str:
    """CONTACT_EMAIL as one plain address, else the organiser's mailbox."""
    given = (env.get("CONTACT_EMAIL") or "").strip()
    if not given:
        return organizer_email
    addresses = getaddresses([given])
    if len(addresses) != 1 or "@" not in addresses[0][1]:
        raise ConfigError(f"CONTACT_EMAIL {given!r} is not one email address")
    return addresses[0][1]


def load_config(instance_path: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the settings dictionary from ``environ`` (default: os.environ)."""
    env = dict(os.environ if environ is None else environ)
    env_name = env.get("FLASK_ENV_NAME", "development")
    production = env_name == "production"
    secret = env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set in production")
        secret = _instance_secret(instance_path)
    db_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'meetings.sqlite3'}"
    if db_url.startswith("postgres://"):
        db_url = "postgresql://" + db_url[len("postgres://"):]
    if db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://"):]
    sender = env.get("MAIL_DEFAULT_SENDER") or "meetings@localhost"
    organizer_email, organizer_name = _organizer(env, sender, production)
    base_url = env.get("BASE_URL") or "http://127.0.0.1:5000"
    if not env.get("BASE_URL") and not production:
        base_url = _development_base_url(env.get("FLASK_RUN_HOST"), _count(env, "FLASK_RUN_PORT", 5000))
    imap_tls = _choice("INBOUND_IMAP_TLS", env.get("INBOUND_IMAP_TLS"), IMAP_TLS_MODES, "ssl")
    processed = env.get("INBOUND_IMAP_PROCESSED_FOLDER")
    providers = oidc_providers(env.get("OIDC_PROVIDERS"))
    password_login = _bool(env.get("PASSWORD_LOGIN"), default=True)
    if not password_login and not providers:
        raise ConfigError("PASSWORD_LOGIN is false but OIDC_PROVIDERS names no provider: nobody could log in")
    return {
        "ENV_NAME": env_name,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "BASE_URL": base_url.rstrip("/"),
        "TRUSTED_PROXY_HOPS": _count(env, "TRUSTED_PROXY_HOPS", 0),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _count(env, "MAIL_PORT", 25, minimum=1),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": sender,
        "ORGANIZER_EMAIL": organizer_email,
        "ORGANIZER_NAME": organizer_name,
        "INBOUND_ADDRESS": _inbound_address(env),
        "INBOUND_AUTHSERV_IDS": _names(env, "INBOUND_AUTHSERV_IDS"),
        "FEED_PAST_DAYS": _count(env, "FEED_PAST_DAYS", 183),
        "REGISTRATION_RATE_LIMIT": env.get("REGISTRATION_RATE_LIMIT") or "10 per minute;60 per hour",
        "CONTACT_EMAIL": _contact_email(env, organizer_email),
        "CONTACT_RATE_LIMIT": env.get("CONTACT_RATE_LIMIT") or "10 per minute;60 per hour",
        "EMBED_ORIGINS": _origins(env.get("EMBED_ORIGINS")),
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT") or "120 per minute",
        "REGISTRATION_LINK_RATE_LIMIT": env.get("REGISTRATION_LINK_RATE_LIMIT") or "30 per minute",
        "MAIL_DELIVERY_INTERVAL": _seconds(env, "MAIL_DELIVERY_INTERVAL", 60.0, minimum=0.0),
        "MAIL_DELIVER_AFTER_COMMIT": _bool(env.get("MAIL_DELIVER_AFTER_COMMIT"), default=True),
        "MAIL_BATCH_SIZE": _count(env, "MAIL_BATCH_SIZE", 50, minimum=1),
        "MAIL_TIMEOUT": _seconds(env, "MAIL_TIMEOUT", 30.0, minimum=1.0),
        "MAIL_MAX_ATTEMPTS": _count(env, "MAIL_MAX_ATTEMPTS", 10, minimum=1),
        "MAIL_CLAIM_TIMEOUT": _seconds(env, "MAIL_CLAIM_TIMEOUT", 600.0, minimum=1.0),
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL") or None,
        "CELERY_QUEUE": env.get("CELERY_QUEUE") or "meetings-mail",
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        # Said outright: the limiter is one object, and it keeps what the last app it served set.
        "RATELIMIT_ENABLED": True,
        "DEFAULT_TIMEZONE": env.get("DEFAULT_TIMEZONE") or "Europe/Amsterdam",
        "INBOUND_IMAP_HOST": (env.get("INBOUND_IMAP_HOST") or "").strip() or None,
        "INBOUND_IMAP_PORT": _count(env, "INBOUND_IMAP_PORT", 993 if imap_tls == "ssl" else 143, minimum=1),
        "INBOUND_IMAP_TLS": imap_tls,
        "INBOUND_IMAP_USER": env.get("INBOUND_IMAP_USER") or None,
        "INBOUND_IMAP_PASSWORD": env.get("INBOUND_IMAP_PASSWORD") or None,
        "INBOUND_IMAP_FOLDER": env.get("INBOUND_IMAP_FOLDER") or "INBOX",
        # Set but empty means "do not move": the messages stay where they are, flagged.
        "INBOUND_IMAP_PROCESSED_FOLDER": "Processed" if processed is None else (processed.strip() or None),
        "INBOUND_FETCH_INTERVAL": _seconds(env, "INBOUND_FETCH_INTERVAL", 60.0, minimum=0.0),
        "INBOUND_WEBHOOK_SECRET": _webhook_secret(env.get("INBOUND_WEBHOOK_SECRET")),
        "INBOUND_MAX_BYTES": _count(env, "INBOUND_MAX_BYTES", 25 * 1024 * 1024, minimum=1024),
        "OIDC_PROVIDERS": providers,
        "PASSWORD_LOGIN": password_login,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_NAME": "remember_token",
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_FIELD_NAME": "csrf_token",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        # A form field may be as long as the whole post (Flask's own limit is 500 kB a field):
        # a long value is then refused at its field, with a message, not as a 413 page.
        "MAX_FORM_MEMORY_SIZE": 5 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "de", "nl"],
        "TESTING": False,
        # Tests see an unexpected error raised; a test of the 500 page itself sets this.
        "RENDER_500_IN_TESTS": False,
    }


def testing_config(instance_path: Path, database_url: str, **overrides: Any) -> dict[str, Any]:
    """Settings for the test suite: a given database, no mail server, CSRF on, no delivery or
    fetching timer (a test starts them itself)."""
    env = {"SECRET_KEY": "test-secret-key", "DATABASE_URL": database_url,
           "BASE_URL": "http://meetings.test", "MAIL_DEFAULT_SENDER": "cluster@meetings.test"}
    cfg = load_config(instance_path, env)
    cfg.update({"TESTING": True, "MAIL_DELIVERY_INTERVAL": 0.0, "INBOUND_FETCH_INTERVAL": 0.0}, **overrides)
    return cfg
