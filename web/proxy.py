"""Believe X-Forwarded-* headers only from the reverse proxies an administrator named.

Werkzeug's ProxyFix trusts the headers of whoever connects. Behind a proxy that is right; when a
client can also reach the app directly it is not, because the client could then choose the address
the rate limiter counts, or claim https. ``TrustedProxyFix`` applies ProxyFix (one hop: for, proto,
host) only when the connecting address is one of the named proxies, and otherwise removes the headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def proxy_addresses(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


class TrustedProxyFix:
    def __init__(self, app: WsgiApp, proxies: frozenset[str]) -> None:
        self.app = app
        self.proxies = proxies
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REMOTE_ADDR") in self.proxies:
            return self.fixed(environ, start_response)
        for key in FORWARDED:
            environ.pop(key, None)
        return self.app(environ, start_response)
