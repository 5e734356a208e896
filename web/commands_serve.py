"""`rla serve`: the chat page behind a production WSGI server.

One process (the default) runs waitress with threads; ``--workers N`` runs N gunicorn worker
processes on one socket (ADR 0015). The socket is bound before anything prints "Serving", so a busy
port is a one-line error. The database schema is migrated and old conversations purged once, in the
parent, before any worker starts. Session cookies are signed with RLA_SECRET_KEY, else with a key
kept in the data directory, so every worker — and the next restart — reads the same cookies.
"""

from __future__ import annotations

import argparse
import logging
import os

from assistant.build.lifecycle import served_build_id
from assistant.errors import ConfigurationError, NoBuildError
from assistant.settings import Settings
from web.serving import Listen, bind, bound_port, run_gunicorn, run_waitress
from web.session_key import key_path, with_session_key

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (default 1: waitress; more: gunicorn, Unix only)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per process (default: RLA_MAX_ASKS_IN_FLIGHT + 2, so an overloaded "
        "process can still answer 503 and serve pages)",
    )
    parser.add_argument(
        "--backlog", type=int, default=64, help="connections the kernel queues (default 64)"
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        metavar="N",
        help="with --workers: replace each worker after about N requests (default 0: never)",
    )
    parser.add_argument(
        "--trusted-proxy",
        default="",
        metavar="ADDR",
        help="address(es) of a reverse proxy whose X-Forwarded-For/-Proto/-Host headers are "
        "trusted (client addresses for rate limiting, https for secure cookies); default: none; "
        "sets RLA_TRUSTED_PROXY",
    )


def listen_options(args: argparse.Namespace, settings: Settings) -> Listen:
    workers = getattr(args, "workers", 1)
    if workers < 1:
        raise ConfigurationError("--workers must be 1 or more")
    threads = args.threads or (
        settings.max_asks_in_flight + 2 if settings.max_asks_in_flight else 4
    )
    return Listen(
        host=args.host,
        port=args.port,
        threads=threads,
        workers=workers,
        backlog=getattr(args, "backlog", 64),
        max_requests=getattr(args, "max_requests", 0),
    )


def serving_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    proxy = getattr(args, "trusted_proxy", "")
    if proxy:
        settings = settings.model_copy(update={"trusted_proxy": proxy})
    return with_session_key(settings)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if served_build_id(settings) is None:
        raise NoBuildError(
            f"no library has been ingested into {settings.data_dir.resolve()}. "
            "Run `rla ingest PATH` (or `rla ingest library/demo --demo` for the demo library) first."
        )
    listen = listen_options(args, settings)
    if listen.workers > 1 and os.name == "nt":
        raise ConfigurationError("--workers needs a Unix host (gunicorn); use --threads here")
    generated_key = not settings.secret_key.get_secret_value()
    settings = serving_settings(args, settings)
    _apply_retention(settings)  # also migrates the database schema, once, before any worker
    sock = bind(listen)
    logging.getLogger("web").setLevel(logging.INFO)
    try:
        if listen.workers == 1:
            app = _make_app(settings, _load_assistant(settings))
            _say_serving(listen, bound_port(sock), settings if generated_key else None)
            run_waitress(app, sock, listen)
        else:
            _say_serving(listen, bound_port(sock), settings if generated_key else None)
            _limit_torch_threads(listen.workers)
            run_gunicorn(lambda: _make_app(settings, None), sock, listen)
    finally:
        sock.close()
    return 0


def _make_app(settings: Settings, assistant: object):  # type: ignore[no-untyped-def]
    from web import create_app

    return create_app(settings, assistant=assistant)  # type: ignore[arg-type]


def _say_serving(listen: Listen, port: int, key_kept_for: Settings | None) -> None:
    if key_kept_for is not None:
        print(f"Sessions are signed with the key kept in {key_path(key_kept_for)}.")
    workers = f" with {listen.workers} worker processes" if listen.workers > 1 else ""
    print(
        f"Serving the Review Learning Assistant on http://{listen.host}:{port}/{workers} "
        "(Ctrl+C to stop)",
        flush=True,
    )


def _limit_torch_threads(workers: int) -> None:
    """N workers on C cores: give each worker's torch C/N threads unless told otherwise."""
    share = max(1, (os.cpu_count() or 1) // workers)
    os.environ.setdefault("OMP_NUM_THREADS", str(share))


def _apply_retention(settings: Settings) -> None:
    """Conversations past retention go at start-up too (schedule `rla purge` for long runs)."""
    from web.storage import Store

    store = Store.from_url(settings.resolved_database_url)  # migrates the schema
    if settings.retention_days <= 0:
        return
    from datetime import UTC, datetime, timedelta

    cutoff = datetime.now(UTC) - timedelta(days=settings.retention_days)
    report = store.purge_older_than(cutoff)
    if report.conversations or report.feedback:
        print(
            f"Retention: deleted {report.conversations} conversation(s) and "
            f"{report.feedback} feedback record(s) older than {settings.retention_days} days."
        )


def _load_assistant(settings: Settings):  # type: ignore[no-untyped-def]
    from assistant.pipeline import build_assistant

    print("Loading the embedding model and the served build…", flush=True)
    return build_assistant(settings)
