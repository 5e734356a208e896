"""`rla serve` as a real child process on 127.0.0.1, for the multi-worker and load tests.

Starts the command exactly as an administrator would (``--port 0``: the server binds a free port and
prints it), waits for the health check, and reads the request log to tell which worker process
answered which request (each response carries ``X-Request-ID``; each log line names its worker).
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.conftest import REPO

SERVING = re.compile(r"Serving the Review Learning Assistant on (http://127\.0\.0\.1:\d+)/")
FORWARDED = "X-Forwarded-For"
REQUEST_LOG = re.compile(r"request id=([0-9a-f]+) worker=(\d+) ")


def server_env(data_dir: Path, **rla: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLA_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    env["RLA_DATA_DIR"] = str(data_dir)
    env.update({f"RLA_{k.upper()}": v for k, v in rla.items()})
    return env


@dataclass
class ServeProcess:
    env: Mapping[str, str]
    log_path: Path
    workers: int = 2
    extra_args: tuple[str, ...] = ()
    url: str = ""
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, timeout: float = 240) -> ServeProcess:
        command = [sys.executable, "-m", "cli.main", "serve", "--port", "0",
                   "--workers", str(self.workers), *self.extra_args]  # fmt: skip
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            command, cwd=REPO, env=dict(self.env), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not self.url:
            found = SERVING.search(self.log_path.read_bytes()[offset:].decode(errors="replace"))
            if found:
                self.url = found.group(1)
            elif self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"rla serve did not start:\n{self.log()[-3000:]}")
            else:
                time.sleep(0.2)
        self.wait_healthy(deadline)
        return self

    def wait_healthy(self, deadline: float) -> None:
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"rla serve never became healthy:\n{self.log()[-3000:]}")
            time.sleep(0.3)

    def ask_many(
        self, bodies: Iterable[Mapping[str, object]], **headers: str
    ) -> list[requests.Response]:
        """POST each body to /api/ask at once, each on its own connection (spread over workers)."""
        from concurrent.futures import ThreadPoolExecutor

        def post(body: Mapping[str, object]) -> requests.Response:
            return requests.post(f"{self.url}/api/ask", json=body, headers=headers, timeout=180)

        items = list(bodies)
        with ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
            return list(pool.map(post, items))

    def warm(self, body: Mapping[str, object], timeout: float = 300) -> None:
        """Ask until every worker has answered once (its model is loaded)."""
        deadline = time.monotonic() + timeout
        seen: set[int] = set()
        for round_ in itertools.count(1):
            if len(seen) >= self.workers:
                return
            # each round speaks as another client, should the server trust 127.0.0.1 as a proxy
            responses = self.ask_many(
                [body] * (2 * self.workers), **{FORWARDED: f"192.0.2.{round_}"}
            )
            assert all(r.status_code == 200 for r in responses), responses[0].text[:300]
            seen |= set(self.workers_of(r.headers["X-Request-ID"] for r in responses).values())
            if time.monotonic() > deadline:
                raise AssertionError(f"only workers {seen} answered within {timeout} s")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def workers_of(self, request_ids: Iterable[str]) -> dict[str, int]:
        """request id -> pid of the worker that logged it."""
        wanted = set(request_ids)
        deadline = time.monotonic() + 5
        while True:  # a log line may land just after its response
            found = {rid: int(pid) for rid, pid in REQUEST_LOG.findall(self.log()) if rid in wanted}
            if len(found) == len(wanted) or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def worker_pids(self) -> list[int]:
        import psutil

        assert self.proc is not None
        return [child.pid for child in psutil.Process(self.proc.pid).children()]

    def cpu_seconds(self) -> float:
        """CPU time used so far by the worker processes (user + system)."""
        import psutil

        assert self.proc is not None
        total = 0.0
        for child in psutil.Process(self.proc.pid).children():
            times = child.cpu_times()
            total += times.user + times.system
        return total

    def worker_rss_mb(self) -> list[int]:
        import psutil

        assert self.proc is not None
        children = psutil.Process(self.proc.pid).children()
        return [round(child.memory_info().rss / 2**20) for child in children]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # gunicorn: graceful stop of every worker
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.url = ""
