"""A real OpenID Connect provider on loopback (PyPI's oidc-provider-mock) for the sign-in tests.

It runs in a thread like the SMTP server of the mail tests. In front of it sits a small WSGI
layer that records what the app sends and, when a test asks, answers as a misbehaving or
hostile provider would: an id_token of another issuer or for another client, another nonce,
keys that do not sign its tokens, a discovery document of another issuer.
"""
from __future__ import annotations

import base64
import io
import json
import socket
import threading
import warnings
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from werkzeug.serving import make_server

import authlib.deprecate  # noqa: F401  (it sets its warnings to "always" when first imported)

with warnings.catch_warnings():
    # The package imports Authlib's older modules, which announce their successors.
    warnings.simplefilter("ignore")
    import oidc_provider_mock

CLIENT_ID = "meetings-app"
CLIENT_SECRET = "meetings-secret"


class MockProvider:
    """oidc-provider-mock served on 127.0.0.1 at a free port; ``start()`` and ``stop()``."""

    def __init__(self, **options):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.provider = oidc_provider_mock.app(**options)
        self.requests: list[dict] = []
        self.reset()
        self._server = None
        self._thread = None

    def reset(self) -> None:
        """Behave again; forget the recorded requests."""
        self.requests.clear()
        self.token_issuer_host: str | None = None   # the id_token's iss names this host
        self.discovery_host: str | None = None      # the discovery document names this host
        self.audience: str | None = None            # the code (and so the id_token) is for this client
        self.nonce: str | None = None               # the authorization request carries this nonce
        self.foreign_keys: bool = False             # /jwks serves a key that signed nothing

    # --- running -------------------------------------------------------------

    def start(self) -> "MockProvider":
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def other_host(self) -> str:
        """The same server under another name (the provider refuses plain HTTP off loopback):
        tokens or documents it signs under that name are of another issuer."""
        return f"localhost:{self._server.server_port}"

    def set_user(self, sub: str, **claims) -> None:
        """The person ``sub`` with these claims (email, email_verified, name, ...)."""
        response = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, location: str, sub: str | None = None, deny: bool = False) -> str:
        """Sign in as ``sub`` on the provider's page at ``location`` (or press Deny); the address
        it sends the browser back to."""
        page = requests.get(location, timeout=10, allow_redirects=False)
        assert page.status_code == 200, page.text[:1000]
        data = {"action": "deny"} if deny else {"sub": sub}
        answer = requests.post(location, data=data, timeout=10, allow_redirects=False)
        assert answer.status_code == 302, answer.text[:1000]
        return answer.headers["Location"]

    def recorded(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    # --- the layer in front ------------------------------------------------------

    def _wsgi(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        form = dict(parse_qsl(body.decode())) if environ.get("CONTENT_TYPE", "").startswith(
            "application/x-www-form-urlencoded") else {}
        self.requests.append({"method": environ["REQUEST_METHOD"], "path": path, "query": query, "form": form,
                              "authorization": environ.get("HTTP_AUTHORIZATION")})
        if path == "/oauth2/authorize" and (self.audience or self.nonce):
            if self.audience:
                query["client_id"] = self.audience
            if self.nonce:
                query["nonce"] = self.nonce
            environ["QUERY_STRING"] = urlencode(query)
        if path == "/oauth2/token":
            if self.token_issuer_host:
                environ["HTTP_HOST"] = self.token_issuer_host
            if self.audience:
                secret = base64.b64decode(environ["HTTP_AUTHORIZATION"].split()[1]).decode().partition(":")[2]
                environ["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(
                    f"{self.audience}:{secret}".encode()).decode()
        if path == "/.well-known/openid-configuration" and self.discovery_host:
            environ["HTTP_HOST"] = self.discovery_host
        if path == "/jwks" and self.foreign_keys:
            return self._foreign_jwks(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.provider(environ, start_response)

    def _foreign_jwks(self, environ, start_response):
        """The provider's key ids with other keys: the token's signature cannot be verified."""
        from joserfc.jwk import RSAKey

        captured = {}

        def keep(status, headers, exc_info=None):
            captured["status"] = status
            return lambda data: None

        real = json.loads(b"".join(self.provider(environ, keep)))
        keys = [RSAKey.generate_key(2048, parameters={"kid": key["kid"], "alg": key.get("alg", "RS256"),
                                                      "use": "sig"}).as_dict(private=False)
                for key in real["keys"]]
        payload = json.dumps({"keys": keys}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]


def closed_port() -> int:
    """A loopback port that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def providers_setting(partner: MockProvider, stale: MockProvider, offline_port: int) -> str:
    """OIDC_PROVIDERS as an administrator would write it, for the three test providers."""
    return json.dumps([
        {"name": "partner", "issuer": partner.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
         "label": {"en": "Partner ID", "de": "Partner-ID", "nl": "Partner-ID"}},
        {"name": "stale", "issuer": stale.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
         "label": "Stale ID"},
        {"name": "offline", "issuer": f"http://127.0.0.1:{offline_port}", "client_id": CLIENT_ID,
         "client_secret": CLIENT_SECRET, "label": "Offline ID"},
    ])


# id_tokens of the "stale" provider expired ten minutes before they were made.
STALE_OPTIONS = {"access_token_max_age": timedelta(minutes=-10)}


# --- OpenID Connect providers on loopback -------------------------------------------

@pytest.fixture(scope="session")
def _oidc_servers():
    partner, stale = MockProvider().start(), MockProvider(**STALE_OPTIONS).start()
    yield partner, stale
    partner.stop()
    stale.stop()


@pytest.fixture
def oidc_provider(_oidc_servers):
    """The "partner" provider, behaving and with nothing recorded at the start of each test."""
    partner, stale = _oidc_servers
    partner.reset()
    stale.reset()
    yield partner
    partner.reset()


@pytest.fixture
def stale_provider(_oidc_servers):
    """The "stale" provider: its id_tokens have expired when they arrive."""
    return _oidc_servers[1]


@pytest.fixture
def oidc_settings(_oidc_servers):
    """OIDC_PROVIDERS for partner, stale, and an offline provider, as create_app reads them."""
    from config import oidc_providers
    return {"OIDC_PROVIDERS": oidc_providers(providers_setting(*_oidc_servers, closed_port()))}
