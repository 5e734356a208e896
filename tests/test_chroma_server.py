"""Chroma server mode: `chroma run` on 127.0.0.1, the same job writes a build as a new collection."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.build.lifecycle import list_builds, open_served
from assistant.settings import Settings
from ingest.job import run_ingest
from tests.conftest import REPO
from tests.fakes import HashingEmbedder
from tests.test_job import write_library

pytestmark = pytest.mark.server


def chroma_executable() -> str:
    local = REPO / ".venv" / "bin" / "chroma"
    found = str(local) if local.is_file() else shutil.which("chroma")
    if not found:
        pytest.skip("the `chroma` executable is not installed (pip install chromadb provides it)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def chroma_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen(
        [chroma_executable(), "run", "--host", "127.0.0.1", "--port", str(port),
         "--path", str(tmp_path / "chroma-server")],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"chroma run did not start: {(tmp_path / 'chroma.log').read_text()}"
                    )
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def server_collections(url: str) -> set[str]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(
        host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
    )
    return {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}


def test_ingest_into_a_chroma_server(tmp_path: Path, chroma_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma_url, _env_file=None)
    library = write_library(tmp_path / "lib")
    first = run_ingest(settings, [library / "alpha.md"], embedder=HashingEmbedder())
    index = open_served(settings)
    assert index.info.chroma_mode == "server" and not (index.build_dir / "chroma").exists()
    assert index.count() == len(index.chunks) > 0
    probe = index.chunks[1]
    hits = index.dense_search(HashingEmbedder().embed_query(probe.text), 3)
    assert hits[0][0].chunk_id == probe.chunk_id

    second = run_ingest(settings, [library], embedder=HashingEmbedder())
    assert second.chunks_reused == first.chunks and second.documents == 3
    third = run_ingest(settings, [library], embedder=HashingEmbedder(), sync=True)
    assert third.build_id == second.build_id  # nothing changed
    run_ingest(settings, [library / "beta.md"], embedder=HashingEmbedder(), sync=True)
    names = server_collections(chroma_url)
    assert names == {
        f"rla-{b}" for b in list_builds(settings)
    }  # pruned builds' collections dropped
    assert f"rla-{first.build_id}" not in names

    local = Settings(data_dir=tmp_path / "data", _env_file=None)
    with pytest.raises(Exception, match="RLA_CHROMA_URL"):
        open_served(local)  # a server build is never opened as if it were embedded


@pytest.mark.integration
def test_several_workers_serve_a_build_from_a_chroma_server(
    tmp_path: Path, chroma_url: str, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    """End to end: ingest the demo library into `chroma run`, serve it with two gunicorn workers,
    then swap in a new build; every worker answers from the server's collection for that build."""
    from tests.conftest import DEMO_LIBRARY
    from tests.serve_process import ServeProcess, server_env

    settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma_url, _env_file=None)
    first = run_ingest(settings, [DEMO_LIBRARY], embedder=real_embedder, demo=True)
    env = server_env(settings.data_dir, chroma_url=chroma_url, rate_limit="1000/minute")
    server = ServeProcess(env, tmp_path / "serve.log", workers=2).start()
    question = {"question": "What is adultification bias?"}
    try:
        server.warm(question)
        responses = server.ask_many([question] * 4)
        answers = [r.json() for r in responses]
        assert all(a["status"] in ("answered", "partial") and a["citations"] for a in answers)
        assert {a["build_id"] for a in answers} == {first.build_id}

        second = run_ingest(
            settings, [DEMO_LIBRARY, write_library(tmp_path / "extra", ("delta",))],
            embedder=real_embedder,
        )  # fmt: skip
        assert second.swapped and second.build_id != first.build_id
        pids: set[int] = set()
        for _ in range(4):
            responses = server.ask_many([question] * 4)
            assert {r.json()["build_id"] for r in responses} == {second.build_id}
            pids |= set(server.workers_of(r.headers["X-Request-ID"] for r in responses).values())
            if len(pids) == 2:
                break
        assert len(pids) == 2  # both workers answered from the new collection
        assert server_collections(chroma_url) >= {f"rla-{second.build_id}"}
    finally:
        server.stop()
