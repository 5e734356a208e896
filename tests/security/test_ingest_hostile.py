"""Ingest under hostile input, end to end through ``run_ingest`` (hashing embedder, real Chroma):

- a bad-input corpus in one library (encrypted, truncated, zip-bomb DOCX, a huge single-line text,
  wrong extensions, a link out of the library, path traversal in manifest keys): each file gets its
  reason, the good documents are served, nothing outside the library is read;
- idempotence: a second run embeds nothing and serves the same documents and chunks;
- kill -9 at random points over several runs (a slow fake embedder in a subprocess, so no model
  loads): the served build never changes, and the next run completes and prunes the leftovers;
- a new build is visible to a running server (waitress, real HTTP on 127.0.0.1) without a restart.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from assistant.build.lifecycle import list_builds, open_served, served_build_id
from tests import docgen
from tests.conftest import REPO
from tests.fakes import HashingEmbedder
from tests.security.support import security_settings

GOOD = (
    "# Learning from reviews\n\nPractitioners should talk about race, racism and identity in "
    "supervision, and record a child's ethnicity, language and faith in every assessment.\n"
)


def hostile_library(root: Path) -> tuple[Path, Path]:
    """(library folder, manifest) with one good document and a file of every bad kind."""
    library, outside = root / "library", root / "outside"
    library.mkdir(parents=True)
    outside.mkdir()
    (library / "good.md").write_text(GOOD, encoding="utf-8")
    docgen.make_pdf(library / "locked.pdf", ["secret"], encrypt_password="pw")
    good_pdf = docgen.make_pdf(root / "whole.pdf", [f"Page {n} on race." for n in range(1, 4)])
    (library / "truncated.pdf").write_bytes(good_pdf.read_bytes()[: good_pdf.stat().st_size // 3])
    docgen.make_zip_bomb_docx(library / "bomb.docx", inflated_mb=20)
    rng = random.Random(7)
    words = (
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7)) for _ in range(12_500)
    )
    line = " ".join(words)  # 100 KB of distinct words on one line, no break anywhere
    (library / "one-line.txt").write_text(line, encoding="utf-8")
    (library / "page.pdf").write_bytes(b"<html><body>an error page, not a PDF</body></html>")
    (library / "notes.docx").write_text("plain text pretending to be Word", encoding="utf-8")
    (library / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    secret = outside / "passwd.txt"
    secret.write_text("OUTSIDE-CANARY root:x:0:0 a system file that must never be read\n")
    os.symlink(secret, library / "linked.txt")
    manifest = library / "manifest.yaml"
    manifest.write_text(
        "good.md:\n  title: A good briefing\n  doc_type: briefing\n"
        "../outside/passwd.txt:\n  title: Traversal attempt\n"
        "/etc/passwd:\n  title: Absolute traversal attempt\n",
        encoding="utf-8",
    )
    return library, manifest


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    from ingest.job import run_ingest

    root = tmp_path_factory.mktemp("hostile-ingest")
    library, manifest = hostile_library(root)
    settings = security_settings(root / "data")
    report = run_ingest(settings, [library], embedder=HashingEmbedder(), manifest=manifest)
    return settings, report, library


def test_every_bad_file_gets_its_reason(ingested: tuple[Any, Any, Path]) -> None:
    _, report, _ = ingested
    reasons = {Path(o.path).name: (o.status, o.reason) for o in report.outcomes}
    assert reasons == {
        "good.md": ("added", ""),
        "one-line.txt": ("added", ""),  # 100 KB on one line is chunked, not refused
        "locked.pdf": ("failed", "encrypted"),
        "truncated.pdf": ("failed", "corrupt"),
        "bomb.docx": ("failed", "zip_bomb"),
        "page.pdf": ("failed", "corrupt"),  # wrong extension: HTML named .pdf
        "notes.docx": ("failed", "corrupt"),  # wrong extension: text named .docx
        "image.png": ("skipped", "unsupported"),
        "linked.txt": ("skipped", "outside_library"),
    }
    for outcome in report.outcomes:  # every row explains itself without a traceback
        assert "Traceback" not in outcome.detail


def test_only_the_library_is_served(ingested: tuple[Any, Any, Path]) -> None:
    settings, _, library = ingested
    index = open_served(settings)
    titles = {d.title for d in index.documents}
    assert "A good briefing" in titles
    assert not {"Traversal attempt", "Absolute traversal attempt"} & titles
    everything = " ".join(c.text for c in index.chunks) + json.dumps(
        [d.to_dict() for d in index.documents]
    )
    assert "OUTSIDE-CANARY" not in everything and "root:x:0:0" not in everything
    assert all(c.tokens <= settings.chunk_tokens + 10 for c in index.chunks)  # the line was split
    assert len([c for c in index.chunks if c.doc_id == "one-line"]) > 50


def test_a_second_run_is_idempotent(ingested: tuple[Any, Any, Path]) -> None:
    from ingest.job import run_ingest

    settings, first, library = ingested
    before = open_served(settings)
    embedder = HashingEmbedder()
    again = run_ingest(settings, [library], embedder=embedder, manifest=library / "manifest.yaml")
    after = open_served(settings)
    assert again.chunks_embedded == 0 and embedder.texts_embedded == 0
    assert [d.to_dict() for d in after.documents] == [d.to_dict() for d in before.documents]
    assert [c.chunk_id for c in after.chunks] == [c.chunk_id for c in before.chunks]
    assert {o.status for o in again.outcomes if Path(o.path).name == "good.md"} == {"unchanged"}


# --- kill -9 at random points -------------------------------------------------------------------


class SlowHashing(HashingEmbedder):
    """Hashing vectors at a pace slow enough to be killed part-way through embedding."""

    name = "test/slow-hashing"

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        time.sleep(0.02 * len(texts))
        return super().embed_documents(texts)


SLOW_INGEST = """
import sys
from pathlib import Path
from assistant.settings import Settings
from ingest.job import run_ingest
from tests.security.test_ingest_hostile import SlowHashing

run_ingest(Settings(data_dir=Path(sys.argv[1]), embedding_batch_size=4, _env_file=None),
           [Path(sys.argv[2])], embedder=SlowHashing())
"""


def _served_bytes(settings: Any) -> dict[str, bytes]:
    build_id = served_build_id(settings)
    assert build_id
    build = settings.builds_dir / build_id
    return {
        "CURRENT": settings.current_pointer.read_bytes(),
        **{name: (build / name).read_bytes() for name in ("manifest.json", "chunks.jsonl")},
    }


def _run(data_dir: Path, library: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_INGEST, str(data_dir), str(library)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_kill_9_at_random_points_never_changes_what_is_served(tmp_path: Path) -> None:
    from ingest.job import run_ingest
    from tests.test_job import briefing

    library = tmp_path / "library"
    library.mkdir()
    for i in range(8):
        (library / f"doc{i:02}.md").write_text(briefing(f"Doc {i}", f"topic {i}", 12), "utf-8")
    settings = security_settings(tmp_path / "data")
    run_ingest(settings, [library / "doc00.md"], embedder=HashingEmbedder())
    before = _served_bytes(settings)
    started = time.monotonic()
    probe = _run(settings.data_dir, library)  # a full run, to learn how long one takes…
    assert probe.wait(timeout=300) == 0, (
        probe.stderr.read().decode()[-2000:] if probe.stderr else ""
    )
    duration = time.monotonic() - started
    run_ingest(settings, [library / "doc00.md"], embedder=HashingEmbedder(), sync=True)
    before = _served_bytes(settings)  # …then serve one document again
    rng = random.Random(11)
    killed = 0
    for _ in range(5):
        proc = _run(settings.data_dir, library)
        time.sleep(rng.uniform(0.05, duration * 0.9))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            if proc.wait(timeout=30) == -signal.SIGKILL:
                killed += 1
            else:  # it finished between the poll and the kill (a busy machine): a real swap
                run_ingest(settings, [library / "doc00.md"], embedder=HashingEmbedder(), sync=True)
                before = _served_bytes(settings)
        else:
            run_ingest(settings, [library / "doc00.md"], embedder=HashingEmbedder(), sync=True)
            before = _served_bytes(settings)
        assert _served_bytes(settings) == before
        assert len(open_served(settings).documents) == 1
    assert killed >= 3, killed
    run_ingest(settings, [library], embedder=SlowHashing())  # recovers in-process
    index = open_served(settings)
    assert len(index.documents) == 8 and index.count() == len(index.chunks)
    assert sorted(p.name for p in settings.builds_dir.iterdir()) == list_builds(settings)


# --- a new build reaches a running server -------------------------------------------------------


def test_a_new_build_is_served_without_a_restart(tmp_path: Path) -> None:
    import waitress

    from assistant.pipeline import build_assistant
    from ingest.job import run_ingest
    from web import create_app

    library = tmp_path / "library"
    library.mkdir()
    (library / "first.md").write_text(GOOD, encoding="utf-8")
    settings = security_settings(tmp_path / "data")
    embedder = HashingEmbedder()
    run_ingest(settings, [library], embedder=embedder)
    app = create_app(settings, assistant=build_assistant(settings, embedder=embedder))
    server = waitress.create_server(
        app, host="127.0.0.1", port=0, threads=2, asyncore_use_poll=True
    )
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"

    def get(path: str) -> Any:
        with urllib.request.urlopen(base + path, timeout=10) as reply:  # noqa: S310
            return json.loads(reply.read())

    try:
        first = get("/healthz")["build_id"]
        assert [d["doc_id"] for d in get("/api/documents")["documents"]] == ["first"]
        (library / "second.md").write_text(GOOD.replace("Learning", "More learning"), "utf-8")
        report = run_ingest(settings, [library], embedder=embedder)
        assert report.build_id != first
        assert get("/healthz")["build_id"] == report.build_id
        assert sorted(d["doc_id"] for d in get("/api/documents")["documents"]) == [
            "first",
            "second",
        ]
    finally:
        server.close()
