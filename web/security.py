"""Response headers, cookie settings, CSRF and rate limiting for the app."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from assistant.settings import Settings

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)

HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def configure(app: Flask, settings: Settings) -> None:
    """Secret key, cookie flags and the request size cap."""
    key = settings.secret_key.get_secret_value()
    app.config.update(
        SECRET_KEY=key or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=settings.max_request_kb * 1024,
        SESSION_COOKIE_NAME="rla_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.retention_days or 30),
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead; a long read must not expire a form
        WTF_CSRF_SSL_STRICT=settings.production,
        PREFERRED_URL_SCHEME="https" if settings.production else "http",
    )
    if not key:
        app.logger.warning(
            "RLA_SECRET_KEY is not set: sessions (conversation history) end when the server restarts"
        )


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(("/api/", "/c/", "/conversations")):
        response.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def csrf_protect(app: Flask) -> CSRFProtect:
    return CSRFProtect(app)


def rate_limiter(app: Flask, settings: Settings) -> Limiter:
    """No limits by default, ``settings.rate_limit`` on the ask endpoints.

    Counts live in memory, per process, unless ``RLA_RATE_LIMIT_STORAGE_URI`` names a shared store
    (Redis), which several workers or hosts then share. Should that store fail, each process falls
    back to counting in memory rather than refusing every question.
    """
    shared = settings.rate_limit_storage_uri
    return Limiter(
        get_remote_address,
        app=app,
        storage_uri=shared or "memory://",
        in_memory_fallback_enabled=bool(shared),
        default_limits=[],
        headers_enabled=True,
        strategy="fixed-window",
    )


def limit_endpoints(app: Flask, limiter: Limiter, endpoints: tuple[str, ...], rate: str) -> None:
    """Wrap already-registered views with one shared limit (the ask endpoints share a budget)."""
    shared = limiter.shared_limit(rate, scope="ask")
    for endpoint in endpoints:
        view: Callable[..., Any] = app.view_functions[endpoint]
        app.view_functions[endpoint] = shared(view)
