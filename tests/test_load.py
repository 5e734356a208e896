"""Load smoke: the production server, several worker processes, 16 users for 45 s (``make load``).

Marked ``load``, so ``make test`` leaves it out; ``.ci/run`` runs it after the unit suite. A small
threaded client plays 16 users, each with its own session, asking a mix of questions answered
extractively and by the stand-in LLM (tests/llm_server.py), pausing 1-3 s between questions.
It asserts no unexpected errors and p95 under 1.5 s for extractive answers, and prints the figures
docs/deploy.md sizes from. A second, deliberately tiny server proves that overload is refused with
503 at once instead of being queued.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.llm_server import StandInServer
from tests.serve_process import ServeProcess, server_env

pytestmark = [pytest.mark.load, pytest.mark.integration, pytest.mark.server]

USERS = int(os.environ.get("RLA_LOAD_USERS", "16"))
SECONDS = float(os.environ.get("RLA_LOAD_SECONDS", "45"))
WORKERS = int(os.environ.get("RLA_LOAD_WORKERS", "3"))
P95_LIMIT_S = 1.5
LLM_SHARE = 0.25
# A user's pause between an answer and the next question. Real readers take far longer; 1-3 s keeps
# 16 users offering several questions a second, most of what 2 cores answer (docs/deploy.md).
PAUSE_S = (1.0, 3.0)

QUESTIONS = (
    "What is adultification bias?",
    "What did the Child Q review find?",
    "How should practitioners record a child's ethnicity, culture and faith?",
    "What does professional curiosity mean in these reviews?",
    "How can supervision help practitioners talk about race?",
    "What are the lessons for schools?",
    "What did the national review say about Black boys and criminal exploitation?",
    "How did racism affect the help children received?",
)
ANSWER_STATUSES = {"answered", "partial", "no_evidence", "out_of_scope"}


@dataclass(frozen=True)
class Sample:
    kind: str  # extractive | llm
    status: int
    seconds: float
    answer_status: str = ""
    generator: str = ""
    error: str = ""


def _server_env(demo_index, root: Path, standin: StandInServer, **rla: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A copy of the demo build, the stand-in LLM, and no per-client limit (all users are local)."""
    settings, _ = demo_index
    copy = root / "data"
    shutil.copytree(settings.data_dir, copy)
    return server_env(copy, llm_base_url=standin.base_url, llm_api_key="stand-in",
                      rate_limit="100000/minute", **rla)  # fmt: skip


@pytest.fixture(scope="module")
def standin() -> Iterator[StandInServer]:
    server = StandInServer(slow_seconds=3.0).start()
    try:
        yield server
    finally:
        server.stop()


def _user(url: str, stop_at: float, seed: int, out: list[Sample], lock: threading.Lock) -> None:
    rng = random.Random(seed)
    with requests.Session() as http:
        while time.monotonic() < stop_at:
            kind = "llm" if rng.random() < LLM_SHARE else "extractive"
            body = {"question": rng.choice(QUESTIONS), "generator": kind}
            started = time.perf_counter()
            try:
                response = http.post(f"{url}/api/ask", json=body, timeout=30)
                data = response.json() if response.status_code == 200 else {}
                sample = Sample(kind, response.status_code, time.perf_counter() - started,
                                data.get("status", ""), data.get("generator", ""))  # fmt: skip
            except requests.RequestException as exc:
                sample = Sample(kind, 0, time.perf_counter() - started, error=type(exc).__name__)
            with lock:
                out.append(sample)
            time.sleep(rng.uniform(*PAUSE_S))


def _p(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


SERVER_MS = re.compile(r"endpoint=api\.ask status=200 .* ms=(\d+)")


def _server_side(log: str) -> dict[str, float]:
    """Time inside the app (from the request log), to tell answering from waiting to be served."""
    times = [float(ms) / 1000 for ms in SERVER_MS.findall(log)]
    return {"p50_s": round(_p(times, 50), 3), "p95_s": round(_p(times, 95), 3)}


def _figures(samples: list[Sample], seconds: float) -> dict[str, object]:
    out: dict[str, object] = {"users": USERS, "workers": WORKERS, "seconds": seconds,
                              "requests": len(samples), "per_second": round(len(samples) / seconds, 1)}  # fmt: skip
    for kind in ("extractive", "llm"):
        times = [s.seconds for s in samples if s.kind == kind and s.status == 200]
        out[kind] = {"answers": len(times), "p50_s": round(_p(times, 50), 3),
                     "p95_s": round(_p(times, 95), 3), "max_s": round(max(times, default=0), 3)}  # fmt: skip
    return out


def test_sixteen_users_for_45_seconds(demo_index, tmp_path: Path, standin: StandInServer) -> None:  # type: ignore[no-untyped-def]
    env = _server_env(demo_index, tmp_path, standin, llm_model="normal",
                      max_asks_in_flight=str(USERS))  # fmt: skip
    server = ServeProcess(env, tmp_path / "serve.log", workers=WORKERS).start()
    try:
        server.warm({"question": QUESTIONS[0]})
        samples: list[Sample] = []
        lock = threading.Lock()
        cpu_before = server.cpu_seconds()
        started = time.monotonic()
        users = [
            threading.Thread(target=_user, args=(server.url, started + SECONDS, n, samples, lock))
            for n in range(USERS)
        ]
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=SECONDS + 60)
        elapsed = time.monotonic() - started
        cpu = server.cpu_seconds() - cpu_before
        rss_mb = server.worker_rss_mb()
    finally:
        server.stop()
    figures = _figures(samples, elapsed)
    figures["in_app_all_answers"] = _server_side(server.log())
    figures["cpu_s_per_answer"] = round(cpu / max(1, len(samples)), 3)  # for sizing
    figures["host_cpus"] = os.cpu_count()
    figures["worker_rss_mb"] = rss_mb
    print("\nload figures:", json.dumps(figures))
    unexpected = [s for s in samples if s.status != 200 or s.answer_status not in ANSWER_STATUSES]
    assert not unexpected, unexpected[:5]
    llm_answers = [s for s in samples if s.kind == "llm"]
    assert llm_answers and any(s.generator == "llm" for s in llm_answers)
    assert figures["extractive"]["p95_s"] < P95_LIMIT_S, figures  # type: ignore[index]


def test_overload_is_refused_at_once_not_queued(
    demo_index, tmp_path: Path, standin: StandInServer
) -> None:  # type: ignore[no-untyped-def]
    """One process, two places, each held ~3 s by a slow model: twelve at once → ten quick 503s."""
    env = _server_env(demo_index, tmp_path, standin, llm_model="slow", llm_timeout_s="10",
                      llm_max_retries="0", generator="llm", max_asks_in_flight="2")  # fmt: skip
    server = ServeProcess(env, tmp_path / "serve.log", workers=1).start()
    try:
        server.warm({"question": QUESTIONS[0], "generator": "extractive"})
        timed: list[tuple[int, float]] = []
        lock = threading.Lock()

        def ask() -> None:
            started = time.perf_counter()
            response = requests.post(
                f"{server.url}/api/ask", json={"question": QUESTIONS[1]}, timeout=60
            )
            with lock:
                timed.append((response.status_code, time.perf_counter() - started))

        threads = [threading.Thread(target=ask) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        health = requests.get(f"{server.url}/healthz", timeout=5)
    finally:
        server.stop()
    print("\noverload:", sorted(timed))
    refused = [t for code, t in timed if code == 503]
    answered = [t for code, t in timed if code == 200]
    assert len(timed) == 12 and len(answered) >= 2 and len(refused) >= 6, timed
    assert max(refused) < 1.0  # turned away at once, while the admitted ones take ~3 s
    assert min(answered) > 2.0
    assert health.status_code == 200
