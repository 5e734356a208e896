"""Shared fixtures: paths to ../shared, the real packaged embedder, and a real demo-library build."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import postgres_server, postgres_url, redis_url  # noqa: F401  (fixtures)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEMO_LIBRARY = REPO / "library" / "demo"


@pytest.fixture(scope="session", autouse=True)
def _no_network() -> Iterator[None]:
    """The whole suite runs offline: sockets may connect to loopback only (tests/network_guard)."""
    from tests.network_guard import install

    uninstall = install()
    yield
    uninstall()


@pytest.fixture(autouse=True)
def _no_rla_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read a developer's RLA_* environment or .env file by accident."""
    for key in list(os.environ):
        if key.startswith("RLA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(REPO / "tests")  # no .env here


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(
            f"../shared not found beside the checkout ({SHARED}): real corpus and gold set absent"
        )
    return SHARED


@pytest.fixture(scope="session")
def real_pdfs(shared_dir: Path) -> Path:
    path = shared_dir / "corpus" / "real"
    if not any(path.glob("*.pdf")):
        pytest.skip(f"no real PDFs in {path}")
    return path


@pytest.fixture(scope="session")
def gold_path(shared_dir: Path) -> Path:
    path = shared_dir / "evals" / "gold-v1.jsonl"
    if not path.is_file():
        pytest.skip(f"gold set missing: {path}")
    return path


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    from assistant.embedding.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """(settings, Index): the shipped demo library, ingested once per session with the real model."""
    from assistant.build.lifecycle import open_served
    from assistant.settings import Settings
    from ingest.job import run_ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp("demo-data"), _env_file=None)
    report = run_ingest(settings, [DEMO_LIBRARY], embedder=real_embedder, demo=True)
    assert report.build_id, "demo library ingest produced no build"
    yield settings, open_served(settings)


@pytest.fixture()
def fake_embedder():  # type: ignore[no-untyped-def]
    from tests.fakes import HashingEmbedder

    return HashingEmbedder()


# --- web: a small real build (fake documents, real Chroma) and an app over it, per test module ---


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.web_fakes import web_settings, write_small_build

    data = tmp_path_factory.mktemp("web-build")
    write_small_build(web_settings(data, data / "unused.sqlite3"))
    return data


@pytest.fixture()
def app(build_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.web_fakes import make_app

    return make_app(build_dir, tmp_path / "db.sqlite3")


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()
