"""A cap on the questions one server process answers at once: overload gets 503 at once.

Answering is CPU-bound. Past a point, every extra question in flight only makes all of them slower,
and a client waiting in a queue cannot tell a slow answer from a dead server. So each process admits
at most ``limit`` asks; one more is turned away straight away with 503 and ``Retry-After``, while
the page, the health check and the library (which do not take the gate) keep answering. A streamed
answer holds its place until the stream ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, make_response


class Busy(Exception):
    """Every place is taken."""


class AskGate:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def enter(self) -> None:
        with self._lock:
            if self.limit and self._in_flight >= self.limit:
                raise Busy
            self._in_flight += 1

    def leave(self) -> None:
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)


def gate_endpoints(app: Flask, gate: AskGate, endpoints: tuple[str, ...]) -> None:
    """Wrap already-registered views so each holds a place while it answers (or streams)."""
    for endpoint in endpoints:
        app.view_functions[endpoint] = _gated(gate, app.view_functions[endpoint])


def _gated(gate: AskGate, view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gate.enter()
        try:
            result = make_response(view(*args, **kwargs))
        except BaseException:
            gate.leave()
            raise
        result.call_on_close(gate.leave)
        return result

    return wrapper
