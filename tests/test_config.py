"""Settings from the environment: secrets, database URLs, cookies, and the README's table."""
from __future__ import annotations

import inspect
import stat
from pathlib import Path

import pytest

import config
from config import ConfigError, load_config

README = Path(__file__).resolve().parent.parent / "README.md"


def test_production_without_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, {"FLASK_ENV_NAME": "production"})
    assert not (tmp_path / "secret_key").exists()


def test_production_uses_the_given_secret_key(tmp_path):
    cfg = load_config(tmp_path, {"FLASK_ENV_NAME": "production", "SECRET_KEY": "s3cret"})
    assert cfg["SECRET_KEY"] == "s3cret"
    assert not (tmp_path / "secret_key").exists()


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path):
    instance = tmp_path / "instance"
    first = load_config(instance, {})["SECRET_KEY"]
    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == first
    assert len(first) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_config(instance, {})["SECRET_KEY"] == first
    assert load_config(tmp_path / "elsewhere", {})["SECRET_KEY"] != first


def test_development_prefers_a_secret_key_from_the_environment(tmp_path):
    assert load_config(tmp_path, {"SECRET_KEY": "from-env"})["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("given,expected", [
    ("postgres://meet:pw@db.example:5432/meetings", "postgresql+psycopg://meet:pw@db.example:5432/meetings"),
    ("postgresql://meet:pw@db.example/meetings", "postgresql+psycopg://meet:pw@db.example/meetings"),
    ("postgresql+psycopg://meet@db.example/meetings", "postgresql+psycopg://meet@db.example/meetings"),
    ("sqlite:////var/lib/meetings.sqlite3", "sqlite:////var/lib/meetings.sqlite3"),
])
def test_database_urls(tmp_path, given, expected):
    assert load_config(tmp_path, {"SECRET_KEY": "x", "DATABASE_URL": given})["SQLALCHEMY_DATABASE_URI"] == expected


def test_default_database_lives_in_the_instance_folder(tmp_path):
    cfg = load_config(tmp_path, {"SECRET_KEY": "x"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'meetings.sqlite3'}"


@pytest.mark.parametrize("env_name,secure", [("development", False), ("production", True)])
def test_cookie_flags(tmp_path, env_name, secure):
    cfg = load_config(tmp_path, {"FLASK_ENV_NAME": env_name, "SECRET_KEY": "x"})
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cfg["SESSION_COOKIE_SECURE"] is secure
    assert cfg["REMEMBER_COOKIE_HTTPONLY"] is True
    assert cfg["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert cfg["REMEMBER_COOKIE_SECURE"] is secure


def test_defaults(tmp_path):
    cfg = load_config(tmp_path, {"SECRET_KEY": "x"})
    assert cfg["ENV_NAME"] == "development"
    assert cfg["BASE_URL"] == "http://127.0.0.1:5000"
    assert cfg["MAIL_SERVER"] is None and cfg["MAIL_PORT"] == 25
    assert cfg["MAIL_USE_TLS"] is False and cfg["MAIL_USE_SSL"] is False
    assert cfg["MAIL_DEFAULT_SENDER"] == cfg["ORGANIZER_EMAIL"] == "meetings@localhost"
    assert cfg["CELERY_BROKER_URL"] is None
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"
    assert cfg["DEFAULT_TIMEZONE"] == "Europe/Amsterdam"
    assert cfg["WTF_CSRF_ENABLED"] is True and cfg["TESTING"] is False


def test_mail_settings(tmp_path):
    cfg = load_config(tmp_path, {
        "SECRET_KEY": "x", "BASE_URL": "https://meetings.example/", "MAIL_SERVER": "smtp.example",
        "MAIL_PORT": "587", "MAIL_USERNAME": "user", "MAIL_PASSWORD": "pw", "MAIL_USE_TLS": "Yes",
        "MAIL_USE_SSL": "0", "MAIL_DEFAULT_SENDER": "cluster@example.org"})
    assert cfg["BASE_URL"] == "https://meetings.example"
    assert (cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"]) == \
        ("smtp.example", 587, "user", "pw")
    assert cfg["MAIL_USE_TLS"] is True and cfg["MAIL_USE_SSL"] is False
    assert cfg["ORGANIZER_EMAIL"] == "cluster@example.org"


def test_testing_config_keeps_csrf_on(tmp_path):
    cfg = config.testing_config(tmp_path, "sqlite://")
    assert cfg["TESTING"] is True and cfg["WTF_CSRF_ENABLED"] is True


@pytest.mark.parametrize("name", [name for name, _, _ in config.SETTINGS])
def test_every_setting_is_read(name):
    assert f'"{name}"' in inspect.getsource(load_config)


@pytest.mark.parametrize("name,default,meaning", config.SETTINGS, ids=[name for name, _, _ in config.SETTINGS])
def test_every_setting_is_in_the_readme_table(name, default, meaning):
    assert f"| `{name}` | {default} | {meaning} |" in README.read_text(encoding="utf-8")
