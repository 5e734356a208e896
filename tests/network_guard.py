"""A guard for the whole test suite: sockets in this process may connect only to loopback.

The suite is offline by design (models and tokenizers ship in packages; the LLM and Chroma servers
the tests use run on 127.0.0.1). Anything that tries to reach another host (a model hub, telemetry,
a CDN, a DNS lookup of a public name) fails loudly with ``NetworkRefused`` instead of hanging or
quietly depending on the network. Child processes (Chromium, ``chroma run``) are not covered:
they are started with their own offline flags.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", ""})


class NetworkRefused(OSError):
    """A test tried to open a connection to a host other than this machine."""


def is_loopback(address: Any) -> bool:
    """Whether a socket address (tuple for IP families, str/bytes for Unix sockets) stays local."""
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths, abstract sockets
    host = str(address[0]).split("%", 1)[0].lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name that is not obviously local: refuse rather than resolve


def _guarded(original: Callable[..., Any]) -> Callable[..., Any]:
    def connect(sock: socket.socket, address: Any, *args: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address):
            raise NetworkRefused(f"test suite is offline: refused connection to {address!r}")
        return original(sock, address, *args)

    connect.__wrapped__ = original  # type: ignore[attr-defined]
    return connect


def _guarded_lookup(original: Callable[..., Any]) -> Callable[..., Any]:
    own = {socket.gethostname().lower()}

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name.lower() not in own and not is_loopback((name, 0)) and not _is_ip(name):
            raise NetworkRefused(f"test suite is offline: refused to look up {name!r}")
        return original(host, *args, **kwargs)

    return getaddrinfo


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True  # the connect guard decides whether an address may be reached


def install() -> Callable[[], None]:
    """Patch ``socket.socket.connect``/``connect_ex`` and ``socket.getaddrinfo``; returns a
    function that undoes it."""
    saved = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex")}
    for name, original in saved.items():
        setattr(socket.socket, name, _guarded(original))
    lookup = socket.getaddrinfo
    socket.getaddrinfo = _guarded_lookup(lookup)

    def uninstall() -> None:
        for name, original in saved.items():
            setattr(socket.socket, name, original)
        socket.getaddrinfo = lookup

    return uninstall
