"""Settings, read from the environment (and an optional .env) when the app is made.

Nothing here reads the environment at import time: ``load_config`` is called by
``create_app`` so tests and tools can build apps with other settings.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

TRUE_WORDS = {"1", "true", "yes", "on"}

# name, default, meaning: the README's settings table is generated from the same list.
SETTINGS: list[tuple[str, str, str]] = [
    ("FLASK_ENV_NAME", "development", "`development` or `production`; production requires SECRET_KEY and marks cookies Secure"),
    ("DATABASE_URL", "sqlite:///instance/meetings.sqlite3", "SQLAlchemy database URL; `postgresql://...` uses psycopg 3"),
    ("SECRET_KEY", "generated once into instance/secret_key", "signs sessions and CSRF tokens; required in production"),
    ("BASE_URL", "http://127.0.0.1:5000", "public address of the app, used for links in emails and feeds"),
    ("MAIL_SERVER", "(empty: mail is kept in the outbox)", "SMTP host"),
    ("MAIL_PORT", "25", "SMTP port"),
    ("MAIL_USERNAME", "(empty)", "SMTP user name"),
    ("MAIL_PASSWORD", "(empty)", "SMTP password"),
    ("MAIL_USE_TLS", "false", "STARTTLS after connecting"),
    ("MAIL_USE_SSL", "false", "SMTP over TLS from the start"),
    ("MAIL_DEFAULT_SENDER", "meetings@localhost", "From address of every email"),
    ("ORGANIZER_EMAIL", "MAIL_DEFAULT_SENDER", "mailbox named as ORGANIZER in invitations; calendar replies go there, so it must reach a person or the app"),
    ("ORGANIZER_NAME", "(empty)", "name shown with ORGANIZER_EMAIL in invitations (e.g. the cluster office)"),
    ("FEED_PAST_DAYS", "183", "how many days back the public calendar feeds reach"),
    ("REGISTRATION_RATE_LIMIT", "10 per minute;60 per hour", "registrations one client address may post"),
    ("REGISTRATION_LINK_RATE_LIMIT", "30 per minute", "requests for a new personal registration link one client address may make"),
    ("MAIL_DELIVERY_INTERVAL", "60", "seconds between deliveries of what is due, by the web process (MAIL_SERVER set, no CELERY_BROKER_URL: from its start on) or by the Celery worker's schedule; `0`: only after commits and by `flask mail send`"),
    ("MAIL_CLAIM_TIMEOUT", "600", "seconds after which messages a delivery run took and stopped renewing (it died) go back to the queue, for the next run to send"),
    ("CELERY_BROKER_URL", "(empty: delivery runs in the web process)", "Redis URL of the task queue for background mail workers"),
    ("CELERY_QUEUE", "meetings-mail", "name of the queue the web app and its mail workers share on the broker"),
    ("RATELIMIT_STORAGE_URI", "memory://", "Flask-Limiter storage; `redis://...` when several workers run"),
    ("DEFAULT_TIMEZONE", "Europe/Amsterdam", "time zone proposed for new venues and meetings"),
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
    return {
        "ENV_NAME": env_name,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "BASE_URL": (env.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": sender,
        "ORGANIZER_EMAIL": env.get("ORGANIZER_EMAIL") or sender,
        "ORGANIZER_NAME": env.get("ORGANIZER_NAME") or None,
        "FEED_PAST_DAYS": int(env.get("FEED_PAST_DAYS") or 183),
        "REGISTRATION_RATE_LIMIT": env.get("REGISTRATION_RATE_LIMIT") or "10 per minute;60 per hour",
        "REGISTRATION_LINK_RATE_LIMIT": env.get("REGISTRATION_LINK_RATE_LIMIT") or "30 per minute",
        "MAIL_DELIVERY_INTERVAL": _seconds(env, "MAIL_DELIVERY_INTERVAL", 60.0, minimum=0.0),
        "MAIL_CLAIM_TIMEOUT": _seconds(env, "MAIL_CLAIM_TIMEOUT", 600.0, minimum=1.0),
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL") or None,
        "CELERY_QUEUE": env.get("CELERY_QUEUE") or "meetings-mail",
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        # Said outright: the limiter is one object, and it keeps what the last app it served set.
        "RATELIMIT_ENABLED": True,
        "DEFAULT_TIMEZONE": env.get("DEFAULT_TIMEZONE") or "Europe/Amsterdam",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "de", "nl"],
        "TESTING": False,
    }


def testing_config(instance_path: Path, database_url: str, **overrides: Any) -> dict[str, Any]:
    """Settings for the test suite: a given database, no mail server, CSRF on, no delivery timer
    (a test starts delivery itself)."""
    env = {"SECRET_KEY": "test-secret-key", "DATABASE_URL": database_url,
           "BASE_URL": "http://meetings.test", "MAIL_DEFAULT_SENDER": "cluster@meetings.test"}
    cfg = load_config(instance_path, env)
    cfg.update({"TESTING": True, "MAIL_DELIVERY_INTERVAL": 0.0}, **overrides)
    return cfg
