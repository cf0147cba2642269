"""Walking through a sign-in at a provider with the test client, as a browser would."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

BASE = "http://meetings.test"


def start(client, provider_name: str = "partner", next_path: str | None = None):
    """The app's answer to pressing the provider's button on the login page."""
    query = {"next": next_path} if next_path else {}
    return client.get(f"/login/oidc/{provider_name}", query_string=query)


def to_provider_and_back(client, provider, sub: str, provider_name: str = "partner", next_path: str | None = None,
                         deny: bool = False) -> str:
    """Press the button, sign in at the provider as ``sub``: the address it sends the browser back to."""
    started = start(client, provider_name, next_path)
    assert started.status_code == 302, started.get_data(as_text=True)[:2000]
    location = started.headers["Location"]
    assert location.startswith(provider.issuer + "/oauth2/authorize?"), location
    back = provider.authorize(location, sub, deny=deny)
    assert back.startswith(f"{BASE}/login/oidc/{provider_name}/callback?"), back
    # The test client's cookies belong to its own host name; the path is what counts.
    return back[len(BASE):]


def sign_in(client, provider, sub: str, **kwargs):
    """The whole flow; the app's answer to the provider's redirect back."""
    return client.get(to_provider_and_back(client, provider, sub, **kwargs))


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes) -> str:
    from urllib.parse import urlencode

    query = {**query_of(url), **changes}
    return f"{urlsplit(url).path}?{urlencode(query)}"
