"""The suite-wide network guard (tests/network_guard.py, installed by tests/conftest.py)."""

from __future__ import annotations

import socket
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.network_guard import NetworkRefused, is_loopback


@pytest.mark.parametrize(
    "address", [("93.184.216.34", 80), ("10.0.0.1", 443), ("2001:db8::1", 80, 0, 0)]
)
def test_connections_to_other_hosts_are_refused(address: tuple) -> None:  # type: ignore[type-arg]
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(NetworkRefused):
        sock.connect(address)
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(NetworkRefused):
        sock.connect_ex(address)


def test_a_public_host_name_is_refused_before_any_lookup() -> None:
    with pytest.raises(NetworkRefused):
        socket.getaddrinfo("huggingface.co", 443)
    with pytest.raises(OSError) as caught:
        urllib.request.urlopen("https://huggingface.co/api/models", timeout=2)  # noqa: S310
    assert "offline" in str(caught.value)


def test_loopback_still_works() -> None:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hi")

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.handle_request, daemon=True).start()
    port = server.server_address[1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:  # noqa: S310
        assert reply.read() == b"hi"
    server.server_close()


def test_loopback_classification() -> None:
    assert is_loopback(("127.0.0.1", 1)) and is_loopback(("::1", 1, 0, 0))
    assert is_loopback(("localhost", 1)) and is_loopback("rla.sock") and is_loopback(b"\0abstract")
    assert not is_loopback(("example.org", 80)) and not is_loopback(("192.168.1.1", 80))
