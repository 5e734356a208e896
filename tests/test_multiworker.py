"""`rla serve --workers 2`: real gunicorn worker processes over a real demo build.

One server serves the module (each worker loads the real model once). It trusts 127.0.0.1 as its
proxy, so each test can speak as its own client through ``X-Forwarded-For`` and keep its own rate
budget. What is proved: asks are answered by more than one worker process; a build swapped in by
`rla ingest` is served by every worker without a restart; with Redis configured, the workers share
one rate limit; and a conversation survives both a killed worker and a restart of the whole server.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from assistant.build.lifecycle import served_build_id
from assistant.settings import Settings
from tests.conftest import DEMO_LIBRARY
from tests.serve_process import ServeProcess, server_env
from tests.test_job import write_library

pytestmark = [pytest.mark.integration, pytest.mark.server]

QUESTION = {"question": "What is adultification bias?"}
LIMIT = 6
_clients = itertools.count(1)


def client_address() -> dict[str, str]:
    """A fresh client address (the server trusts X-Forwarded-For from 127.0.0.1)."""
    return {"X-Forwarded-For": f"198.51.100.{next(_clients)}"}


@pytest.fixture(scope="module")
def shared_redis(request: pytest.FixtureRequest) -> str | None:
    try:
        return str(request.getfixturevalue("redis_url"))
    except pytest.skip.Exception:
        return None


@pytest.fixture(scope="module")
def data_dir(demo_index, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    settings, _ = demo_index
    copy = tmp_path_factory.mktemp("multiworker") / "data"
    shutil.copytree(settings.data_dir, copy)
    return copy


@pytest.fixture(scope="module")
def server(
    data_dir: Path, shared_redis: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServeProcess]:
    # no cap on asks in flight here (test_web_capacity and the load smoke test it): a burst of ten
    # could otherwise land seven on one worker and meet a 503 instead of the rate limit
    rla = {"trusted_proxy": "127.0.0.1", "rate_limit": f"{LIMIT}/minute", "max_asks_in_flight": "0"}
    if shared_redis:
        import redis

        storage = shared_redis.rsplit("/", 1)[0] + "/2"
        redis.Redis.from_url(storage).flushdb()  # no counts left from an earlier run
        rla["rate_limit_storage_uri"] = storage
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    proc = ServeProcess(server_env(data_dir, **rla), log, workers=2).start()
    try:
        proc.warm(QUESTION)
        yield proc
    finally:
        proc.stop()


def _answered_by(server: ServeProcess, responses: list[requests.Response]) -> set[int]:
    return set(server.workers_of(r.headers["X-Request-ID"] for r in responses).values())


def test_asks_are_answered_by_several_worker_processes(server: ServeProcess) -> None:
    assert len(server.worker_pids()) == 2
    responses = server.ask_many([QUESTION] * 8, **client_address())
    assert [r.status_code for r in responses].count(200) >= LIMIT
    answered = [r.json() for r in responses if r.status_code == 200]
    assert all(a["status"] in ("answered", "partial") and a["citations"] for a in answered)
    assert len(_answered_by(server, responses)) == 2
    assert QUESTION["question"] not in server.log()  # question text is never logged


def test_a_swapped_build_is_served_by_every_worker(
    server: ServeProcess, data_dir: Path, real_embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from ingest.job import run_ingest

    settings = Settings(data_dir=data_dir, _env_file=None)
    before = served_build_id(settings)
    extra = write_library(tmp_path / "extra", ("delta",))
    report = run_ingest(settings, [DEMO_LIBRARY, extra], embedder=real_embedder)
    assert report.swapped and report.build_id != before
    seen: dict[int, set[str]] = {}
    for _ in range(4):
        responses = server.ask_many([QUESTION] * 4, **client_address())
        for response in responses:
            assert response.status_code == 200
            pid = server.workers_of([response.headers["X-Request-ID"]])[
                response.headers["X-Request-ID"]
            ]
            seen.setdefault(pid, set()).add(response.json()["build_id"])
        if len(seen) == 2:
            break
    assert len(seen) == 2, "both workers should have answered"
    assert all(builds == {report.build_id} for builds in seen.values()), seen


def test_workers_share_one_rate_limit_through_redis(
    server: ServeProcess, shared_redis: str | None
) -> None:
    if shared_redis is None:
        pytest.skip("no redis-server binary: the shared-limit check needs Redis")
    me = client_address()
    responses = server.ask_many([QUESTION] * (LIMIT + 4), **me)
    codes = [r.status_code for r in responses]
    assert codes.count(200) == LIMIT and codes.count(429) == 4, codes
    assert len(_answered_by(server, responses)) == 2  # both workers counted against one budget
    assert all(r.headers.get("Retry-After") for r in responses if r.status_code == 429)


CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def _start_conversation(server: ServeProcess, http: requests.Session) -> str:
    token = CSRF.search(http.get(f"{server.url}/about", timeout=30).text)
    assert token
    response = http.post(
        f"{server.url}/api/ask/stream",
        json={"question": "What did the Child Q review say about adultification?"},
        headers={"X-CSRFToken": token.group(1), **client_address()},
        timeout=120,
    )
    assert response.status_code == 200 and "event: answer" in response.text
    found = re.search(r'"conversation_id": "([0-9a-f]+)"', response.text)
    assert found
    return found.group(1)


def test_a_conversation_survives_a_killed_worker_and_a_server_restart(
    server: ServeProcess,
) -> None:
    http = requests.Session()
    conversation = _start_conversation(server, http)
    page = f"{server.url}/c/{conversation}"
    assert "Child Q review" in http.get(page, timeout=30).text

    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)  # the master starts a replacement
    deadline = time.monotonic() + 120
    while victim in server.worker_pids() or len(server.worker_pids()) < 2:
        assert time.monotonic() < deadline, "gunicorn did not replace the killed worker"
        time.sleep(0.5)
    for _ in range(6):  # whichever worker answers, the cookie and the rows are good
        assert "Child Q review" in http.get(page, timeout=60).text

    server.stop()
    server.start()
    listed = http.get(f"{server.url}/conversations", timeout=60).text
    assert "What did the Child Q review say about adultification?" in listed
    assert "Child Q review" in http.get(f"{server.url}/c/{conversation}", timeout=60).text
