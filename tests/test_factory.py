"""The application factory: a given test config, or the environment and .env."""
from __future__ import annotations

from pathlib import Path

import pytest

import meetings
import config
from meetings import create_app

ENV_KEYS = ("FLASK_ENV_NAME", "SECRET_KEY", "DATABASE_URL", "BASE_URL", "MAIL_DEFAULT_SENDER", "MAIL_SERVER",
            "ORGANIZER_EMAIL", "ORGANIZER_NAME", "FLASK_RUN_HOST", "FLASK_RUN_PORT", "TRUSTED_PROXY_HOPS")


def clean_environment(monkeypatch):
    # setenv first, so that what load_dotenv writes into os.environ is undone after the test.
    for key in ENV_KEYS:
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)


def test_given_config_makes_a_testing_app(tmp_path):
    app = create_app(config.testing_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    assert app.testing
    assert app.config["BASE_URL"] == "http://meetings.test"


def test_without_config_the_environment_is_read(monkeypatch, tmp_path):
    clean_environment(monkeypatch)
    monkeypatch.setattr(meetings, "ROOT", tmp_path)
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgresql://meet@db.example/meetings")
    monkeypatch.setenv("BASE_URL", "https://meetings.example")
    app = create_app()
    assert not app.testing
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://meet@db.example/meetings"
    assert app.config["BASE_URL"] == "https://meetings.example"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_without_config_development_keeps_its_files_in_the_instance_folder(monkeypatch, tmp_path):
    clean_environment(monkeypatch)
    monkeypatch.setattr(meetings, "ROOT", tmp_path)
    app = create_app()
    instance = Path(app.instance_path)
    assert instance == tmp_path / "instance"
    assert app.config["SECRET_KEY"] == (instance / "secret_key").read_text().strip()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'meetings.sqlite3'}"


def test_dotenv_fills_in_what_the_environment_leaves_out(monkeypatch, tmp_path):
    clean_environment(monkeypatch)
    monkeypatch.setattr(meetings, "ROOT", tmp_path)
    (tmp_path / ".env").write_text("SECRET_KEY=from-dotenv\nBASE_URL=https://dotenv.example\n"
                                   "MAIL_DEFAULT_SENDER=cluster@example.org\n")
    monkeypatch.setenv("BASE_URL", "https://environment.example")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-dotenv"
    assert app.config["BASE_URL"] == "https://environment.example"
    assert app.config["MAIL_DEFAULT_SENDER"] == "cluster@example.org"


def test_production_app_marks_cookies_secure(monkeypatch, tmp_path):
    clean_environment(monkeypatch)
    monkeypatch.setattr(meetings, "ROOT", tmp_path)
    monkeypatch.setenv("FLASK_ENV_NAME", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Cluster Meetings <meetings@cluster.example>")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_refuses_to_start_with_a_local_organizer(monkeypatch, tmp_path):
    clean_environment(monkeypatch)
    monkeypatch.setattr(meetings, "ROOT", tmp_path)
    monkeypatch.setenv("FLASK_ENV_NAME", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    with pytest.raises(config.ConfigError, match=r"MAIL_DEFAULT_SENDER 'meetings@localhost' is a local address"):
        create_app()
    monkeypatch.setenv("ORGANIZER_EMAIL", "Cluster Office <no-reply@cluster.example>")
    with pytest.raises(config.ConfigError, match=r"ORGANIZER_EMAIL 'no-reply@cluster.example' is a no-reply address"):
        create_app()
