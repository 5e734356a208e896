"""Cold start and memory of `rla serve` and `rla ask`, per embedding route (printed, not a test).

    .venv/bin/python benchmarks/serve.py [--corpus DIR] [--routes R ...] [--runs 5]

For each route the corpus (default ../shared/corpus/real/, else the demo library) is ingested
once into its own data directory; then, ``--runs`` times each, alternating routes:

- `rla serve` on a free port: seconds from start until /healthz answers, RSS then, and RSS after
  five distinct questions over HTTP (steady state);
- `rla ask QUESTION` from the command line, cold: wall seconds, peak RSS, bytes on stderr, and
  whether torch was imported.

Printed: median (min-max) per figure, with machine information.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
RLA = [sys.executable, "-m", "cli.main"]
CORPUS = REPO.parent / "shared" / "corpus" / "real"
QUESTIONS = [
    "What should schools do when they are worried about a child's safety?",
    "How should practitioners share information about a child at risk?",
    "What does the national framework say about family help?",
    "When can information be shared without consent?",
    "What is the role of the designated safeguarding lead?",
    "How can adultification bias affect safeguarding decisions?",
]
PEEK_TORCH = (
    "import sys; "
    "from cli.main import main; code = main(['ask', {q!r}]); "
    "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH'); sys.exit(code)"
)


def env(data: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("RLA_")}
    return {**keep, "RLA_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_once(data: Path) -> dict[str, float]:
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [*RLA, "serve", "--port", str(port)],
        env=env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit("rla serve exited before it was ready")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.02)
        ready = time.monotonic() - started
        rss_ready = psutil.Process(proc.pid).memory_info().rss / 1e6
        for question in QUESTIONS[:5]:
            body = json.dumps({"question": question}).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/ask",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            with contextlib.suppress(OSError):  # a refusal (rate limit) still leaves RSS to read
                urllib.request.urlopen(request, timeout=60).read()
        rss_steady = psutil.Process(proc.pid).memory_info().rss / 1e6
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"ready_s": ready, "rss_ready_mb": rss_ready, "rss_steady_mb": rss_steady}


def ask_once(data: Path, question: str) -> dict[str, float]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", PEEK_TORCH.format(q=question)],
        env=env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0.0
    handle = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            peak = max(peak, handle.memory_info().rss / 1e6)
        except psutil.Error:
            break
        time.sleep(0.01)
    out, err = proc.communicate()
    wall = time.monotonic() - started
    return {
        "ask_s": wall,
        "ask_peak_mb": peak,
        "stderr_bytes": float(len(err)),
        "torch": float("TORCH" in out.split()),
        "exit": float(proc.returncode),
    }


def ingest(corpus: Path, data: Path, route: str) -> float:
    started = time.monotonic()
    extra = ["--demo"] if corpus.resolve() == (REPO / "library" / "demo").resolve() else []
    subprocess.run(
        [*RLA, "ingest", str(corpus), *extra],
        env={**env(data), "RLA_EMBEDDING_ROUTE": route},
        check=True,
        capture_output=True,
    )
    return time.monotonic() - started


def spread(values: list[float], fmt: str) -> str:
    return (
        f"{fmt.format(statistics.median(values))} "
        f"({fmt.format(min(values))}-{fmt.format(max(values))})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--routes", nargs="+", default=["openvino-int8", "torch-fp32"])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    corpus = args.corpus if args.corpus.is_dir() else REPO / "library" / "demo"
    load = os.getloadavg()
    print(f"serve benchmark: {corpus}, {args.runs} runs a route")
    print(
        f"machine: {os.cpu_count()} cpus ({platform.machine()}), python "
        f"{platform.python_version()}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="rla-bench-serve-") as tmp:
        dirs = {route: Path(tmp) / route for route in args.routes}
        for route, data in dirs.items():
            print(f"  ingested with {route} in {ingest(corpus, data, route):.0f}s")
        results: dict[str, list[dict[str, float]]] = {r: [] for r in args.routes}
        for n in range(args.runs):
            for route, data in dirs.items():
                row = serve_once(data)
                row.update(ask_once(data, QUESTIONS[n % len(QUESTIONS)]))
                results[route].append(row)
    print(
        f"{'route':<14} {'serve ready s':<18} {'RSS ready MB':<16} {'RSS steady MB':<16} "
        f"{'ask cold s':<18} {'ask peak MB':<16} {'stderr B':>8} {'torch':>6}"
    )
    for route, rows in results.items():

        def col(key: str, fmt: str, rows: list[dict[str, float]] = rows) -> str:
            return spread([r[key] for r in rows], fmt)

        torch = "yes" if any(r["torch"] for r in rows) else "no"
        print(
            f"{route:<14} {col('ready_s', '{:.2f}'):<18} {col('rss_ready_mb', '{:.0f}'):<16} "
            f"{col('rss_steady_mb', '{:.0f}'):<16} {col('ask_s', '{:.2f}'):<18} "
            f"{col('ask_peak_mb', '{:.0f}'):<16} {max(r['stderr_bytes'] for r in rows):>8.0f} "
            f"{torch:>6}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
