"""Security headers on every response; the forwarded headers of trusted proxies."""
from __future__ import annotations

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
CSP = "; ".join(_POLICY)


def framing_policy(origins) -> str:
    """The same policy for a page made to sit in a frame: on this site and on ``origins``."""
    ancestors = " ".join(["'self'", *origins])
    return "; ".join(f"frame-ancestors {ancestors}" if part.startswith("frame-ancestors") else part
                     for part in _POLICY)


HSTS = "max-age=31536000"


def init_security(app: Flask) -> None:
    # Production runs behind HTTPS (its cookies are Secure): browsers should not try plain HTTP.
    https_only = bool(app.config["SESSION_COOKIE_SECURE"])

    @app.after_request
    def set_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
            # A page that allows framing (framing_policy) says so in its CSP alone.
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if https_only:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def init_proxy(app: Flask) -> None:
    """Behind ``TRUSTED_PROXY_HOPS`` reverse proxies, take the client's address, the scheme and
    the host from the X-Forwarded-For, -Proto and -Host those proxies set (the last ``hops``
    values, which they wrote; anything before came from the client and is ignored). The rate
    limits then count per visitor, and external URLs and HTTPS checks see what the visitor sees.
    With 0, the default, these headers are ignored: a client could write anything into them."""
    hops = int(app.config["TRUSTED_PROXY_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
