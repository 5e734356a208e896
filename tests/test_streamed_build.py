"""A streamed ingest (documents prepared in a second thread, embedded a group at a time and appended
to the build) holds the same build as everything prepared, embedded and indexed at once: the
same documents, chunks, pages, units of evidence, vectors (within float rounding) and keyword
results. Plus the pieces it is made of: appended .npy files and the keyword index from word ids."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.build.appending import NpyAppender
from assistant.build.index import Index, keyword_text
from assistant.build.keyword_writer import KeywordStream
from assistant.build.lifecycle import list_builds, open_served, served_build_id
from assistant.build.unit_store import UnitStore
from assistant.embedding.embedder import build_embedder
from assistant.errors import BuildError
from assistant.files import file_digest
from assistant.keyword import KeywordIndex
from assistant.settings import Settings
from assistant.types import Chunk, Document, Page
from ingest.embedding import vectors_for
from ingest.job import run_ingest
from ingest.prepare import Preparer, find_files
from ingest.stream import prepared_in_background
from ingest.unchanged import preparation_key
from tests.conftest import DEMO_LIBRARY
from tests.fakes import HashingEmbedder

TOLERANCE = 1e-4  # per vector component, for the real model (measured: identical on openvino-int8)
QUERIES = [
    "racism and racial bias in safeguarding",
    "adultification of black children",
    "information sharing consent",
    "designated safeguarding lead training",
    "child criminal exploitation county lines",
    "interpreters language barriers",
    "neglect",
    "families' culture and religion",
    "zzzz no such word",
]


# --- the pieces -----------------------------------------------------------------------------------


def test_an_appended_npy_file_is_an_ordinary_npy_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    parts = [rng.standard_normal((n, 5)).astype(np.float32) for n in (3, 0, 11, 1)]
    appender = NpyAppender(tmp_path / "v.npy", np.float32, 5)
    for part in parts:
        appender.append(part)
    np.testing.assert_array_equal(appender.row(13), parts[2][10])  # read back while writing
    with pytest.raises(IndexError):
        appender.row(15)
    appender.close()
    whole = np.concatenate(parts)
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), whole)
    assert np.load(tmp_path / "v.npy", mmap_mode="r").shape == (15, 5)
    starts = NpyAppender(tmp_path / "s.npy", np.int64)
    starts.append(np.arange(4))
    starts.append(np.asarray([9]))
    starts.close()
    assert np.load(tmp_path / "s.npy").tolist() == [0, 1, 2, 3, 9]
    with pytest.raises(ValueError, match="shape"):
        NpyAppender(tmp_path / "w.npy", np.float32, 5).append(np.zeros((2, 4)))


def test_keyword_index_from_word_ids_scores_as_one_built_from_texts(tmp_path: Path) -> None:
    texts = [
        "Racism and racist language were not challenged by professionals.",
        "",  # no words at all: still a row
        "The the the and of",  # stop words only
        "Adultification: Black children seen as older; racism ignored.",
        "Information sharing between schools and social care about racism.",
    ] * 3
    stream = KeywordStream()
    for text in texts:
        stream.add(text)
    stream.save(tmp_path / "streamed")
    streamed = KeywordIndex.load(tmp_path / "streamed", len(texts), stream.tokenizer)
    whole = KeywordIndex.build(texts)
    for query in ["racism", "black children older", "information sharing schools", "the", "x"]:
        expected = whole.top(query, 20)
        found = streamed.top(query, 20)
        assert [row for row, _ in found] == [row for row, _ in expected]
        np.testing.assert_allclose([s for _, s in found], [s for _, s in expected], rtol=1e-6)
    assert streamed.top("racism", 20)  # not trivially empty
    params = json.loads((tmp_path / "streamed" / "params.index.json").read_text("utf-8"))
    assert params["num_docs"] == len(texts)


# --- a whole ingest, streamed, against everything at once ---------------------------------------


@dataclass
class AtOnce:
    """Everything prepared, embedded and indexed in one go (how ingest worked before streaming)."""

    documents: list[Document]
    chunks: list[Chunk]
    pages: list[Page]
    vectors: np.ndarray
    units: UnitStore
    keyword: KeywordIndex


def at_once(settings: Settings, library: Path, embedder: Any, demo: bool) -> AtOnce:
    preparer = Preparer(settings, limit=embedder, demo=demo)
    sources, missing = find_files([library])
    assert not missing
    prepared = [preparer.prepare(s, file_digest(s.path)) for s in sources]
    documents = [p.document for p in prepared]
    chunks = [c for p in prepared for c in p.chunks]
    pages = [page for p in prepared for page in p.pages]
    batch = settings.embedding_batch_size * 4
    vectors = vectors_for(
        chunks,
        embedder=embedder,
        previous=None,
        batch_size=batch,
        unit_vectors=settings.unit_vectors,  # the same kind as the ingest it is compared with
    )
    by_id = {d.doc_id: d for d in documents}
    keyword = KeywordIndex.build([keyword_text(c, by_id[c.doc_id]) for c in chunks])
    units = vectors.units if vectors.units is not None else UnitStore.from_chunks(chunks, embedder)
    return AtOnce(documents, chunks, pages, vectors.matrix, units, keyword)


def assert_same_build(index: Index, expected: AtOnce, vector_tolerance: float) -> None:
    assert index.documents == expected.documents
    assert index.chunks == expected.chunks
    assert [p for d in index.documents for p in index.pages(d.doc_id)] == expected.pages
    np.testing.assert_allclose(index.vectors(), expected.vectors, atol=vector_tolerance)
    units = index.units
    assert units is not None and len(units) == len(expected.units) > len(expected.chunks)
    for chunk in expected.chunks:
        found, vectors = units.for_chunk(chunk.chunk_id)
        wanted, wanted_vectors = expected.units.for_chunk(chunk.chunk_id)
        assert found == wanted
        np.testing.assert_allclose(
            np.asarray(vectors, np.float32),
            np.asarray(wanted_vectors, np.float32),
            atol=vector_tolerance + 1e-3,  # float16 on disk
        )
    hits = 0
    for query in QUERIES + [c.section[-1] for c in expected.chunks[::40] if c.section]:
        found_rows = index.keyword.top(query, 10)
        wanted_rows = expected.keyword.top(query, 10)
        assert [r for r, _ in found_rows] == [r for r, _ in wanted_rows], query
        np.testing.assert_allclose(
            [s for _, s in found_rows], [s for _, s in wanted_rows], rtol=1e-6
        )
        hits += bool(found_rows)
    assert hits >= len(QUERIES) - 1


def streamed(
    settings: Settings, library: Path, embedder: Any, demo: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Index]:
    # Small groups: documents split across groups, and texts repeated across groups are found
    # again in what this run already wrote.
    monkeypatch.setattr("ingest.writing.GROUP_CHUNKS", 24)
    report = run_ingest(settings, [library], embedder=embedder, demo=demo)
    return report, open_served(settings)


@pytest.mark.integration
def test_streamed_demo_library_equals_the_build_made_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    embedder = build_embedder(settings, throughput=True)  # the default route, as `rla ingest`
    expected = at_once(settings, DEMO_LIBRARY, embedder, demo=True)
    report, index = streamed(settings, DEMO_LIBRARY, embedder, True, monkeypatch)
    # Groups batch the texts differently from one call: float rounding only.
    assert_same_build(index, expected, vector_tolerance=TOLERANCE)
    distinct_units = len({u.text for u in expected.units.rows})
    assert report.chunks_embedded == len({c.digest for c in expected.chunks})
    # encoded vectors are made once per distinct text; pooled ones once per unit, in its chunk
    made = distinct_units if expected.units.kind == "encoded" else len(expected.units)
    assert report.units_embedded == expected.units.embedded == made


@pytest.mark.shared
def test_streamed_real_corpus_equals_the_build_made_at_once(
    tmp_path: Path, real_pdfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    expected = at_once(settings, real_pdfs, HashingEmbedder(), demo=False)
    embedder = HashingEmbedder()
    report, index = streamed(settings, real_pdfs, embedder, False, monkeypatch)
    assert_same_build(index, expected, vector_tolerance=1e-6)
    assert report.units_embedded == expected.units.embedded
    assert embedder.texts_embedded == report.chunks_embedded + report.units_embedded


def test_a_failure_mid_ingest_removes_the_partial_build_and_keeps_the_served_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    first = run_ingest(
        settings,
        [DEMO_LIBRARY / "adultification-bias-evidence-and-practice.md"],
        embedder=HashingEmbedder(),
    )
    pointer = settings.current_pointer.read_bytes()

    class FailsLater(HashingEmbedder):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            if self.calls >= 3:  # after some documents were written into the new build
                raise BuildError("the disk filled up")
            return super().embed_documents(texts)

    monkeypatch.setattr("ingest.writing.GROUP_CHUNKS", 8)
    with pytest.raises(BuildError, match="disk filled up"):
        run_ingest(settings, [DEMO_LIBRARY], embedder=FailsLater())
    assert settings.current_pointer.read_bytes() == pointer
    assert served_build_id(settings) == first.build_id
    assert sorted(p.name for p in settings.builds_dir.iterdir()) == list_builds(settings)
    assert list_builds(settings) == [first.build_id]


def test_preparing_in_a_second_thread_keeps_each_files_preparation_key(tmp_path: Path) -> None:
    """The key names the embedder's token limit, not the wrapper that takes turns with it, so a
    file prepared with another model's tokenizer is read again."""
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    path = DEMO_LIBRARY / "adultification-bias-evidence-and-practice.md"
    embedder = HashingEmbedder()
    report = run_ingest(settings, [path], embedder=embedder)
    manifest = json.loads((settings.builds_dir / report.build_id / "manifest.json").read_text())
    (record,) = manifest["documents"].values()
    source = find_files([path])[0][0]
    expected = preparation_key(Preparer(settings, limit=embedder), source, file_digest(path))
    assert record["prepared_with"] == expected


def test_preparing_ahead_keeps_order_stays_bounded_and_stops_with_the_caller() -> None:
    made: list[int] = []

    def results() -> Iterator[Any]:
        for i in range(50):
            made.append(i)
            yield i
            if i == 40:
                raise RuntimeError("a bug while preparing")

    seen = []
    background = prepared_in_background(results(), depth=2)
    for item in background:
        seen.append(item)
        if item == 5:
            time.sleep(0.3)  # the thread runs ahead, but only ``depth`` items (+1 in hand)
            assert len(made) <= 5 + 1 + 2 + 1
            break
    background.close()  # the caller leaves early: the thread stops
    assert seen == list(range(6))
    assert not [t for t in threading.enumerate() if t.name == "rla-prepare"]
    with pytest.raises(RuntimeError, match="a bug while preparing"):
        list(prepared_in_background(results()))
