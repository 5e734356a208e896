"""A re-ingest takes unchanged files' documents from the served build without parsing them
(ingest.unchanged), and reads a file again whenever anything its document depends on changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import ingest.loaders
from assistant.build.index import MANIFEST
from assistant.build.lifecycle import open_served, served_build_id
from assistant.settings import Settings
from ingest.job import run_ingest
from tests.fakes import HashingEmbedder
from tests.test_job import briefing, write_library


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None)


@pytest.fixture()
def loaded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the files the loaders parse (the real loader still runs)."""
    names: list[str] = []
    real = ingest.loaders.load

    def counting(path: Path, settings: Settings):  # type: ignore[no-untyped-def]
        names.append(Path(path).name)
        return real(path, settings)

    monkeypatch.setattr(ingest.loaders, "load", counting)
    yield names


def test_an_unchanged_library_is_hashed_not_parsed(
    tmp_path: Path, settings: Settings, loaded: list[str]
) -> None:
    library = write_library(tmp_path / "lib")
    first = run_ingest(settings, [library], embedder=HashingEmbedder())
    assert sorted(loaded) == ["alpha.md", "beta.md", "gamma.md"]
    before = open_served(settings)
    loaded.clear()
    embedder = HashingEmbedder()
    again = run_ingest(settings, [library], embedder=embedder)
    assert loaded == []
    assert embedder.texts_embedded == 0 and again.chunks_embedded == 0
    assert {o.status for o in again.outcomes} == {"unchanged"}
    assert not again.swapped and served_build_id(settings) == first.build_id
    assert any("3 file(s) unchanged" in note for note in again.notes)
    after = open_served(settings)
    assert after.chunks == before.chunks and after.documents == before.documents


def test_only_the_changed_file_is_parsed_and_the_rest_are_reused_whole(
    tmp_path: Path, settings: Settings, loaded: list[str]
) -> None:
    library = write_library(tmp_path / "lib")
    run_ingest(settings, [library], embedder=HashingEmbedder())
    (library / "beta.md").write_text(briefing("Briefing beta", "beta", paragraphs=9), "utf-8")
    loaded.clear()
    report = run_ingest(settings, [library], embedder=HashingEmbedder())
    assert loaded == ["beta.md"]
    by_name = {Path(o.path).name: o.status for o in report.outcomes}
    assert by_name == {"alpha.md": "unchanged", "beta.md": "updated", "gamma.md": "unchanged"}
    index = open_served(settings)
    assert index.info.build_id == report.build_id
    beta = next(d for d in index.documents if d.path.endswith("beta.md"))
    assert any("Paragraph 8 on beta" in c.text for c in index.chunks if c.doc_id == beta.doc_id)
    # the next run reads nothing again: the new build recorded every file's key
    loaded.clear()
    run_ingest(settings, [library], embedder=HashingEmbedder())
    assert loaded == []


def test_a_parse_reused_from_the_build_equals_a_fresh_parse(
    tmp_path: Path, settings: Settings, loaded: list[str]
) -> None:
    library = write_library(tmp_path / "lib")
    run_ingest(settings, [library], embedder=HashingEmbedder())
    run_ingest(settings, [library], embedder=HashingEmbedder())  # reused
    reused = open_served(settings)
    fresh_settings = Settings(data_dir=tmp_path / "fresh", _env_file=None)
    run_ingest(fresh_settings, [library], embedder=HashingEmbedder())
    fresh = open_served(fresh_settings)
    assert reused.documents == fresh.documents and reused.chunks == fresh.chunks
    assert [reused.pages(d.doc_id) for d in reused.documents] == [
        fresh.pages(d.doc_id) for d in fresh.documents
    ]


def test_chunk_settings_the_manifest_or_new_code_make_files_be_read_again(
    tmp_path: Path, settings: Settings, loaded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    library = write_library(tmp_path / "lib", ("alpha", "beta"))
    run_ingest(settings, [library], embedder=HashingEmbedder())

    loaded.clear()
    smaller = settings.model_copy(update={"chunk_tokens": settings.chunk_tokens // 2})
    run_ingest(smaller, [library], embedder=HashingEmbedder())
    assert sorted(loaded) == ["alpha.md", "beta.md"]

    loaded.clear()
    manifest = library / "manifest.yaml"
    manifest.write_text("alpha.md:\n  area: Northshire\n", encoding="utf-8")
    run_ingest(smaller, [library], embedder=HashingEmbedder(), manifest=manifest)
    assert loaded == ["alpha.md"]
    assert {d.area for d in open_served(smaller).documents} == {"Northshire", ""}

    loaded.clear()
    monkeypatch.setattr("ingest.unchanged.code_digest", lambda: "another version of the code")
    run_ingest(smaller, [library], embedder=HashingEmbedder(), manifest=manifest)
    assert sorted(loaded) == ["alpha.md", "beta.md"]


def test_the_manifest_records_each_documents_preparation(
    tmp_path: Path, settings: Settings
) -> None:
    library = write_library(tmp_path / "lib", ("alpha",))
    report = run_ingest(settings, [library], embedder=HashingEmbedder())
    manifest = json.loads((settings.builds_dir / report.build_id / MANIFEST).read_text("utf-8"))
    (record,) = manifest["documents"].values()
    assert len(record["prepared_with"]) == 64 and record["warnings"] == []
    assert record["path"].endswith("alpha.md")


def test_new_code_writes_a_new_build_even_when_the_chunks_are_the_same(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # units of evidence and keyword tokens are derived from chunks by code: a code change that
    # leaves every chunk as it was must still give a build made by the new code
    library = write_library(tmp_path / "lib", ("alpha", "beta"))
    first = run_ingest(settings, [library], embedder=HashingEmbedder())
    monkeypatch.setattr("ingest.unchanged.code_digest", lambda: "another version of the code")
    embedder = HashingEmbedder()
    again = run_ingest(settings, [library], embedder=embedder)
    assert {o.status for o in again.outcomes} == {"unchanged"}  # the content is the same
    assert again.swapped and served_build_id(settings) == again.build_id != first.build_id
    assert again.chunks_embedded == 0  # vectors are still reused by chunk digest
    # and a third run under the same new code changes nothing
    third = run_ingest(settings, [library], embedder=HashingEmbedder())
    assert not third.swapped and served_build_id(settings) == again.build_id


def _open_files() -> int:
    import os

    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count open files")
def test_ingesting_again_and_again_does_not_keep_files_open(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each build's Chroma client is closed once written, validated or dropped: a long-lived
    # ingest service (or test session) used to keep a dozen descriptors per build open
    library = write_library(tmp_path / "lib", ("alpha", "beta"))
    run_ingest(settings, [library], embedder=HashingEmbedder())
    before = _open_files()
    for i in range(4):
        monkeypatch.setattr("ingest.unchanged.code_digest", lambda i=i: f"code version {i}")
        assert run_ingest(settings, [library], embedder=HashingEmbedder()).swapped
    assert _open_files() - before < 8, "files left open by each new build"


def test_vectors_from_another_export_of_the_model_are_not_reused(
    tmp_path: Path, settings: Settings
) -> None:
    # a fixed quantisation (ADR 0023) changes the vectors of the same route: a build made with the
    # old export must not lend them to the next ingest
    library = write_library(tmp_path / "lib", ("alpha", "beta"))
    old = HashingEmbedder()
    old.artefact = "openvino-int8; builder 2"  # type: ignore[attr-defined]
    first = run_ingest(settings, [library], embedder=old)
    assert open_served(settings).info.embedding_artefact == "openvino-int8; builder 2"
    new = HashingEmbedder()
    new.artefact = "openvino-int8; builder 3"  # type: ignore[attr-defined]
    again = run_ingest(settings, [library], embedder=new)
    assert again.swapped and again.chunks_embedded == first.chunks_embedded > 0
    assert open_served(settings).info.embedding_artefact == "openvino-int8; builder 3"
    same = HashingEmbedder()
    same.artefact = "openvino-int8; builder 3"  # type: ignore[attr-defined]
    assert run_ingest(settings, [library], embedder=same).chunks_embedded == 0
