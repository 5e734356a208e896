"""Fixtures shared by the security suites."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm_server import StandInServer


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    """The stand-in OpenAI-compatible server on 127.0.0.1 (modes chosen by model name)."""
    srv = StandInServer().start()
    yield srv
    srv.stop()
