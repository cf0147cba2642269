"""OIDC_PROVIDERS and PASSWORD_LOGIN are checked when the app is made, with a clear message."""
from __future__ import annotations

import json

import pytest

from config import ConfigError, load_config, oidc_providers

GOOD = {"name": "partner", "issuer": "https://login.partner.example/realms/cluster", "client_id": "meetings",
        "client_secret": "s3cret", "label": "Partner account"}


def with_(**changes):
    return json.dumps([{**GOOD, **changes}])


def test_no_setting_means_no_providers_and_passwords(tmp_path):
    cfg = load_config(tmp_path, {"SECRET_KEY": "x"})
    assert cfg["OIDC_PROVIDERS"] == () and cfg["PASSWORD_LOGIN"] is True


def test_a_good_setting_is_read(tmp_path):
    cfg = load_config(tmp_path, {"SECRET_KEY": "x", "OIDC_PROVIDERS": json.dumps([GOOD]), "PASSWORD_LOGIN": "false"})
    (provider,) = cfg["OIDC_PROVIDERS"]
    assert provider["issuer"] == GOOD["issuer"] and provider["label"] == {"en": "Partner account"}
    assert cfg["PASSWORD_LOGIN"] is False


def test_labels_by_language_and_loopback_http_are_taken():
    (provider,) = oidc_providers(with_(issuer="http://127.0.0.1:8080/realms/x", label={"en": "A", "de": "B"}))
    assert provider["label"] == {"en": "A", "de": "B"}


@pytest.mark.parametrize("raw,message", [
    ("{not json", "OIDC_PROVIDERS is not valid JSON"),
    (json.dumps(GOOD), "OIDC_PROVIDERS must be a JSON list"),
    (json.dumps(["partner"]), "provider 1 must be a JSON object"),
    (json.dumps([{"name": "partner"}]), "provider 1: missing client_id, client_secret, issuer, label"),
    (with_(scope="openid"), "unknown scope"),
    (with_(name="Partner One"), '"name" must be 1 to 40 lowercase letters'),
    (json.dumps([GOOD, GOOD]), "provider 'partner' is named twice"),
    (with_(issuer="http://login.partner.example"), '"issuer" must be an https address'),
    (with_(issuer="https://login.partner.example/?tenant=1"), '"issuer" must be an https address'),
    (with_(issuer="not an address"), '"issuer" must be an https address'),
    (with_(client_id=""), '"client_id" must be a non-empty text'),
    (with_(client_secret=None), '"client_secret" must be a non-empty text'),
    (with_(label=""), '"label" must be a text'),
    (with_(label={"en": 3}), '"label" must be a text'),
])
def test_a_bad_setting_is_refused_with_a_clear_message(raw, message):
    with pytest.raises(ConfigError, match=None) as refused:
        oidc_providers(raw)
    assert message in str(refused.value)


def test_password_login_off_needs_a_provider(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path, {"SECRET_KEY": "x", "PASSWORD_LOGIN": "false"})
    assert "nobody could log in" in str(refused.value)
