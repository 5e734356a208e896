"""`rla serve`: the chat page behind waitress, a production WSGI server (pure Python, threads).

The embedding model is loaded once, before the first request, and shared by every thread.
"""

from __future__ import annotations

import argparse
import logging

from assistant.errors import ConfigurationError, NoBuildError
from assistant.index import served_build_id
from assistant.settings import Settings

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    parser.add_argument("--threads", type=int, default=4, help="worker threads (default 4)")
    parser.add_argument(
        "--trusted-proxy",
        default="",
        metavar="ADDR",
        help="address of a reverse proxy whose X-Forwarded-For/-Proto headers are trusted "
        "(client addresses for rate limiting, https for secure cookies); default: none",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    if served_build_id(settings) is None:
        raise NoBuildError(
            f"no library has been ingested into {settings.data_dir.resolve()}. "
            "Run `rla ingest PATH` (or `rla ingest library/demo --demo` for the demo library) first."
        )
    import waitress

    from web import create_app

    _apply_retention(settings)
    assistant = _load_assistant(settings)
    app = create_app(settings, assistant=assistant)
    logging.getLogger("web").setLevel(logging.INFO)
    print(
        f"Serving the Review Learning Assistant on http://{args.host}:{args.port}/ (Ctrl+C to stop)"
    )
    try:
        waitress.serve(app, **_server_options(args))
    except OSError as exc:  # address in use, permission denied, unknown host
        raise ConfigurationError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from exc
    return 0


def _server_options(args: argparse.Namespace) -> dict[str, object]:
    options: dict[str, object] = {
        "host": args.host,
        "port": args.port,
        "threads": args.threads,
        "ident": "rla",
        "clear_untrusted_proxy_headers": True,
        "channel_timeout": 120,
    }
    proxy = getattr(args, "trusted_proxy", "")
    if proxy:
        options.update(
            trusted_proxy=proxy,
            trusted_proxy_count=1,
            trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
        )
    return options


def _apply_retention(settings: Settings) -> None:
    """Conversations past retention go at start-up too (schedule `rla purge` for long runs)."""
    if settings.retention_days <= 0:
        return
    from datetime import UTC, datetime, timedelta

    from web.storage import Store

    cutoff = datetime.now(UTC) - timedelta(days=settings.retention_days)
    report = Store.from_url(settings.resolved_database_url).purge_older_than(cutoff)
    if report.conversations or report.feedback:
        print(
            f"Retention: deleted {report.conversations} conversation(s) and "
            f"{report.feedback} feedback record(s) older than {settings.retention_days} days."
        )


def _load_assistant(settings: Settings):  # type: ignore[no-untyped-def]
    from assistant.pipeline import build_assistant

    print("Loading the embedding model and the served build…", flush=True)
    return build_assistant(settings)
