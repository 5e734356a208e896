"""kill -9 of `rla ingest` at several points leaves the served build exactly as it was, and the
next run completes and serves (the killed runs' leftovers are pruned)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.build.lifecycle import list_builds, open_served, served_build_id
from assistant.settings import Settings
from ingest.job import run_ingest
from tests.conftest import REPO
from tests.fakes import HashingEmbedder
from tests.test_job import briefing

pytestmark = pytest.mark.integration  # the subprocess loads the real embedding model


def snapshot(settings: Settings) -> dict[str, bytes]:
    """The bytes that define what is served: the pointer and the served build's manifest."""
    build_id = served_build_id(settings)
    assert build_id
    return {
        "CURRENT": settings.current_pointer.read_bytes(),
        "manifest": (settings.builds_dir / build_id / "manifest.json").read_bytes(),
        "chunks": (settings.builds_dir / build_id / "chunks.jsonl").read_bytes(),
    }


def after_seconds(seconds: float) -> Callable[[subprocess.Popen[bytes], Settings], bool]:
    started = time.monotonic()

    def ready(_proc: subprocess.Popen[bytes], _settings: Settings) -> bool:
        return time.monotonic() - started >= seconds

    return ready


def when_log_says(words: str, log: Path) -> Callable[..., bool]:
    def ready(_proc: subprocess.Popen[bytes], _settings: Settings) -> bool:
        return words in log.read_text(encoding="utf-8", errors="replace")

    return ready


def when_new_build_dir(baseline: set[str]) -> Callable[[subprocess.Popen[bytes], Settings], bool]:
    def ready(_proc: subprocess.Popen[bytes], settings: Settings) -> bool:
        return bool({p.name for p in settings.builds_dir.iterdir()} - baseline)

    return ready


def start_logged(library: Path, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RLA_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    with log.open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", "-v", "ingest", str(library), "--no-progress"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def kill_when(
    proc: subprocess.Popen[bytes], settings: Settings, ready: Callable[..., bool]
) -> bool:
    """SIGKILL ``proc`` once ``ready`` says so; False if it finished first."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready(proc, settings):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            return True
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("the ingest neither finished nor reached the kill point")


DOCS = 40


def test_kill_9_at_any_point_leaves_the_served_build_untouched(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    # Large enough that the timed kill points land before the swap even with the fast embedding
    # route (8 short files were ingested and swapped in under 1.5 s on a quiet machine).
    for i in range(DOCS):
        (library / f"doc{i:02}.md").write_text(briefing(f"Doc {i}", f"topic {i}", 60), "utf-8")
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    # The served build was made with another embedder, so the killed runs must embed everything.
    run_ingest(settings, [library / "doc00.md"], embedder=HashingEmbedder())
    before = snapshot(settings)
    baseline = set(list_builds(settings))
    log = tmp_path / "ingest.log"

    points = {
        "0.5 s": lambda: after_seconds(0.5),
        "1.5 s": lambda: after_seconds(1.5),
        "embedding": lambda: when_log_says("embedding:", log),
        "writing": lambda: when_new_build_dir(baseline),
    }
    killed = []
    for name, make_ready in points.items():
        proc = start_logged(library, settings.data_dir, log)
        ready = make_ready()
        if name == "embedding":
            inner = ready

            def ready(p, s, inner=inner):  # type: ignore[no-untyped-def]
                if inner(p, s):
                    time.sleep(0.3)
                    return True
                return False

        if kill_when(proc, settings, ready):
            killed.append(name)
        assert snapshot(settings) == before, f"served build changed after kill at {name}"
        assert len(open_served(settings).documents) == 1
    print("killed at", killed)
    assert {"0.5 s", "1.5 s", "embedding"} <= set(killed), killed

    proc = start_logged(library, settings.data_dir, log)
    assert proc.wait(timeout=600) == 0, log.read_text(encoding="utf-8", errors="replace")[-2000:]
    index = open_served(settings)
    assert len(index.documents) == DOCS and index.count() == len(index.chunks)
    assert index.info.embedding_model != HashingEmbedder.name
    on_disk = sorted(p.name for p in settings.builds_dir.iterdir())
    assert on_disk == list_builds(settings), "a killed run's incomplete build was not pruned"
    assert len(on_disk) <= settings.keep_builds
