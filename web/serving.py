"""The two production servers behind `rla serve`, each handed a socket that is already listening.

Binding first means a busy port is reported before anything says "Serving". One process
(``--workers 1``, the default) runs waitress: pure Python, threads, works everywhere. Several
processes run gunicorn (Unix): a master that keeps N workers alive, each with its own threads,
Assistant and embedding model, all on the one listening socket (ADR 0015).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from assistant.errors import ConfigurationError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    threads: int
    workers: int = 1
    backlog: int = 64
    max_requests: int = 0  # gunicorn: recycle a worker after this many requests (0: never)


def bind(listen: Listen) -> socket.socket:
    """A listening TCP socket, or one ConfigurationError line naming the address and the reason."""
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((listen.host, listen.port))
        sock.listen(listen.backlog)
    except OSError as exc:  # address in use, permission denied, unknown host
        sock.close()
        raise ConfigurationError(
            f"cannot listen on {listen.host}:{listen.port}: {exc.strerror or exc}"
        ) from exc
    return sock


def bound_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def run_waitress(app: Flask, sock: socket.socket, listen: Listen) -> None:
    import waitress

    waitress.serve(
        app,
        sockets=[sock],
        threads=listen.threads,
        ident="rla",
        channel_timeout=120,
        backlog=listen.backlog,
        asyncore_use_poll=True,  # select() fails once a descriptor number passes 1024
    )


def run_gunicorn(make_app: Callable[[], Flask], sock: socket.socket, listen: Listen) -> None:
    """Run the gunicorn master on ``sock``; each worker builds its own app with ``make_app``."""
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(sock.detach(), listen)  # gunicorn owns (and closes) the fd now

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # newer options are skipped on older gunicorns
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            app = make_app()
            warm(app)
            return app

    Server().run()


def gunicorn_options(fd: int, listen: Listen) -> dict[str, Any]:
    return {
        "bind": [f"fd://{fd}"],
        "workers": listen.workers,
        "worker_class": "gthread",
        "threads": listen.threads,
        "backlog": listen.backlog,
        "timeout": 120,  # a worker silent this long is killed and replaced
        "graceful_timeout": 30,
        "keepalive": 5,
        "max_requests": listen.max_requests,
        "max_requests_jitter": listen.max_requests // 10,
        "preload_app": False,  # each worker loads torch itself: forking a loaded torch is unsafe
        "accesslog": None,  # the app logs requests itself, without query strings
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "rla",
        "control_socket_disable": True,  # gunicorn 24+: no shared ~/.gunicorn control socket
    }


def warm(app: Flask) -> None:
    """Load the Assistant (and the model) in the background, so the first question is not slow."""
    from web.services import services

    def load() -> None:
        try:
            services(app).assistants.get().warm()
        except Exception as exc:  # no build yet, or a broken one: requests will say so
            log.warning("warm-up in worker %d failed: %s", os.getpid(), type(exc).__name__)

    threading.Thread(target=load, name="rla-warm", daemon=True).start()
