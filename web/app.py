"""The Flask application factory: ``create_app(settings=None, *, assistant=None)``.

Cheap to call: it opens (and creates) the conversation database, but the Assistant — and with it the
embedding model — is built on first use. Request logs carry a request id, method, endpoint, status,
sizes and timings; never a query string or a body (they can hold question text).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    send_from_directory,
)
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.exceptions import HTTPException

from assistant.errors import BuildError, ConfigurationError, RlaError
from assistant.protocols import AssistantLike
from assistant.settings import Settings
from web import security
from web.capacity import AskGate, Busy, gate_endpoints
from web.logs import describe
from web.page_images import PageImages
from web.presenters import (
    FEEDBACK_REASONS,
    doc_type_label,
    filters_summary,
    page_range,
    theme_label,
)
from web.proxy import TrustedProxyFix, proxy_addresses
from web.render import safe_url
from web.services import AssistantSource, Services, services
from web.storage import Store

log = logging.getLogger("web.requests")

ASK_ENDPOINTS = (  # one shared budget
    "chat.ask",
    "api.ask",
    "api.ask_stream",
    "api.search",
    "packs.draft",
    "comparisons.compare_post",
)

ERROR_TITLES = {
    400: "There is a problem with your request",
    403: "You do not have access to this",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "Your request was too large",
    415: "Send JSON to this address",
    429: "Too many questions in a short time",
    500: "Sorry, there is a problem with the service",
    503: "The library is not available yet",
}


def create_app(
    settings: Settings | None = None,
    *,
    assistant: AssistantLike | None = None,
    assistant_factory: Callable[[], AssistantLike] | None = None,
) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__)
    security.configure(app, settings)
    store = Store.from_url(settings.resolved_database_url)
    source = AssistantSource(settings, assistant=assistant, factory=assistant_factory)
    images = PageImages(settings.data_dir / "cache" / "pages")
    app.extensions["rla"] = Services(
        settings=settings, assistants=source, store=store, page_images=images
    )

    csrf = security.csrf_protect(app)
    _register_blueprints(app, csrf)
    limiter = security.rate_limiter(app, settings)
    security.limit_endpoints(app, limiter, ASK_ENDPOINTS, settings.rate_limit)
    gate_endpoints(app, AskGate(settings.max_asks_in_flight), ASK_ENDPOINTS)
    proxies = proxy_addresses(settings.trusted_proxy)
    if proxies:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, proxies)  # type: ignore[method-assign]
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/favicon.ico", "favicon", favicon)

    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Busy, _busy)
    app.register_error_handler(BuildError, _service_unavailable)
    app.register_error_handler(ConfigurationError, _service_unavailable)
    app.register_error_handler(Exception, _unexpected_error)
    _use_govuk_macros(app)
    app.jinja_env.globals.update(
        doc_type_label=doc_type_label,
        theme_label=theme_label,
        page_range=page_range,
        safe_url=safe_url,
        filters_summary=filters_summary,
    )
    app.context_processor(_template_context)
    return app


def _use_govuk_macros(app: Flask) -> None:
    """Templates can import GOV.UK Frontend's macros as ``govuk_frontend_jinja/components/...``."""
    own = [app.jinja_loader] if app.jinja_loader else []
    govuk = PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    app.jinja_loader = ChoiceLoader([*own, govuk])


def _register_blueprints(app: Flask, csrf: Any) -> None:
    from web.api import bp as api_bp
    from web.chat import bp as chat_bp
    from web.comparisons import bp as comparisons_bp
    from web.feedback import bp as feedback_bp
    from web.library import bp as library_bp
    from web.packs import bp as packs_bp

    for bp in (chat_bp, library_bp, feedback_bp, api_bp, packs_bp, comparisons_bp):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)  # JSON only (checked per view); the stream view checks CSRF itself


def _template_context() -> dict[str, Any]:
    return {
        "request_id": g.get("request_id", ""),
        "reasons": FEEDBACK_REASONS,
        "comment_max": services().settings.feedback_comment_max_chars,
    }


# --- request lifecycle --------------------------------------------------------------------------


def _start_request() -> None:
    g.request_id = secrets.token_hex(6)
    g.started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    response = security.add_headers(response)
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if request.endpoint != "static":
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info(
            "request id=%s worker=%d method=%s endpoint=%s status=%s in_bytes=%s ms=%.0f",
            g.get("request_id", ""),
            os.getpid(),
            request.method,
            request.endpoint,
            response.status_code,
            request.content_length or 0,
            elapsed,
        )
    return response


# --- errors -------------------------------------------------------------------------------------


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def error_response(status: int, message: str, *, detail: str = "") -> Response:
    if wants_json():
        response = jsonify({"error": message, "status": status})
        response.status_code = status
        return response
    title = ERROR_TITLES.get(status, "There is a problem")
    html = render_template("error.html", status=status, title=title, message=message, detail=detail)
    return Response(html, status=status, mimetype="text/html")


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    messages = {
        404: "If you typed the web address, check it is correct.",
        413: "Your request was larger than this service accepts. Shorten it and try again.",
        429: "You have asked a lot of questions in a short time. Wait a minute, then try again.",
    }
    message = messages.get(status) or (exc.description or "")
    if status == 400 and "CSRF" in (exc.description or ""):
        message = "The form had expired or was sent from another site. Go back and try again."
    response = error_response(status, message)
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


def _busy(exc: Busy) -> Response:
    log.warning("busy id=%s: every answering place is taken", g.get("request_id", ""))
    response = error_response(
        503, "The service is answering as many questions as it can. Try again in a few seconds."
    )
    response.headers["Retry-After"] = "5"
    return response


def _service_unavailable(exc: RlaError) -> Response:
    log.warning("service unavailable id=%s: %s", g.get("request_id", ""), type(exc).__name__)
    return error_response(
        503,
        "No library has been loaded yet. An administrator needs to run `rla ingest` "
        "(or `make run` for the demo library), then reload this page.",
        detail=str(exc),
    )


def _unexpected_error(exc: Exception) -> Response:
    log.error("unhandled error id=%s error=%s", g.get("request_id", ""), describe(exc))
    return error_response(500, "Try again later. If it keeps happening, tell your administrator.")


def favicon() -> Response:
    """The icon browsers ask for at the site root (the pages also link the SVG version)."""
    return send_from_directory(
        current_app.static_folder or "static",
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=86400,
    )


# --- health -------------------------------------------------------------------------------------


def healthz() -> tuple[Response, int]:
    source = services().assistants
    try:
        info = source.served_info()
    except (RlaError, OSError, ValueError) as exc:
        return jsonify({"status": "error", "error": type(exc).__name__}), 503
    if info is None:
        return jsonify({"status": "no_build", "build_id": None, "documents": 0}), 503
    return jsonify(
        {
            "status": "ok",
            "build_id": info.build_id,
            "documents": info.document_count,
            "chunks": info.chunk_count,
            "is_demo": info.is_demo,
            "model_loaded": source.loaded,
        }
    ), 200
