"""Ingest's work moved next to the model's (ADR 0026) happens in the new order and gives the
same build: the build opened while the first file is read, units of evidence made part by part
while the model runs the next part. Speed itself is measured by benchmarks/, never here."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from assistant.build.unit_store import units_by_chunk
from assistant.settings import Settings
from assistant.types import Chunk
from ingest import embedding
from ingest.embedding import UnitsByDigest, vectors_for
from ingest.job import NothingIngested, run_ingest
from ingest.stream import prepared_in_background
from tests import docgen
from tests.fakes import TokenHashingEmbedder


def test_meanwhile_runs_after_the_thread_starts_and_before_the_first_result() -> None:
    began, opened = threading.Event(), threading.Event()

    def results():  # type: ignore[no-untyped-def]
        began.set()
        assert opened.wait(5), "the caller waited for the first result before its own work"
        yield "first"
        yield "second"

    def meanwhile() -> None:
        assert began.wait(5), "the caller's work ran before the preparing thread started"
        opened.set()

    assert list(prepared_in_background(results(), meanwhile=meanwhile)) == ["first", "second"]


def test_an_error_meanwhile_stops_the_preparing_thread() -> None:
    produced: list[int] = []

    def results():  # type: ignore[no-untyped-def]
        for n in range(100):
            produced.append(n)
            yield n

    def fails() -> None:
        raise RuntimeError("the build could not be opened")

    with pytest.raises(RuntimeError, match="could not be opened"):
        list(prepared_in_background(results(), depth=2, meanwhile=fails))
    assert len(produced) <= 4  # stopped, not read to the end
    assert not any(t.name == "rla-prepare" for t in threading.enumerate())


def test_a_first_ingest_where_every_file_fails_leaves_no_build(tmp_path: Path) -> None:
    """The build is opened before any file is read when there is no served build; when nothing
    can be ingested it is removed again."""
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    bad = tmp_path / "bad"
    bad.mkdir()
    docgen.make_scanned_pdf(bad / "scan.pdf")
    with pytest.raises(NothingIngested):
        run_ingest(settings, [bad], embedder=TokenHashingEmbedder())
    left = list(settings.builds_dir.iterdir()) if settings.builds_dir.exists() else []
    assert left == []


def _chunks(count: int) -> list[Chunk]:
    """A document's chunks, some continuing on the same page (units read on into the next),
    and two repeated texts (same digest: the first chunk's units count)."""
    out = []
    for n in range(count):
        text = f"Finding {n % 40}: the panel found that agencies did not share information."
        if n % 7 == 0:
            text = f"Actions for partners {n % 40} were as follows:\n\n- meet monthly"
        out.append(
            Chunk(
                chunk_id=f"d#{n}",
                doc_id="d",
                n=n,
                text=text,
                page_start=n // 3,
                page_end=n // 3,
                page_label_start=str(n // 3),
                page_label_end=str(n // 3),
                section=("Findings",),
                digest=f"digest-{n % 40}-{n % 7 == 0}",
            )
        )
    return out


def test_units_by_digest_are_the_first_chunks_units_made_only_when_asked() -> None:
    chunks = _chunks(60)
    by_id = units_by_chunk(chunks)
    expected = {c.digest: by_id[c.chunk_id] for c in reversed(chunks)}
    lazy = UnitsByDigest(chunks)
    assert len(lazy) == len(expected) and set(lazy) == set(expected)
    assert lazy[chunks[5].digest] == expected[chunks[5].digest]
    assert len(lazy._made) == 1  # nothing else was made
    assert dict(lazy.items()) == expected


def test_the_model_starts_before_units_are_made_and_the_vectors_are_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chunks = _chunks(300)
    events: list[str] = []
    embedder = TokenHashingEmbedder()
    embedder.runs_ahead = True  # type: ignore[attr-defined]
    embed_tokens = embedder.embed_tokens
    made_units = embedding.chunk_units

    def run(texts):  # type: ignore[no-untyped-def]
        events.append("run")
        return embed_tokens(texts)

    def units(found, i):  # type: ignore[no-untyped-def]
        events.append("units")
        return made_units(found, i)

    monkeypatch.setattr(embedder, "embed_tokens", run)
    monkeypatch.setattr(embedding, "chunk_units", units)
    got = vectors_for(
        chunks, embedder=embedder, previous=None, batch_size=64, unit_vectors="pooled"
    )
    parts = -(-len({c.digest for c in chunks}) // 64)  # each distinct text is run once
    assert parts >= 2 and events.count("run") == parts
    assert events[0] == "run"  # the model started before any unit was made
    # the same as making every unit first, then running the model (the order before)
    monkeypatch.setattr(embedding, "chunk_units", made_units)
    by_id = units_by_chunk(chunks)
    assert got.units is not None
    for chunk in chunks:
        found, _ = got.units.for_chunk(chunk.chunk_id)
        first = next(c for c in chunks if c.digest == chunk.digest)
        assert [u.text for u in found] == [u.text for u in by_id[first.chunk_id]]
    plain = TokenHashingEmbedder()
    for i, chunk in enumerate(chunks):
        want = plain.embed_tokens([embedding.embed_text(chunk)]).vectors[0]
        assert np.allclose(got.matrix[i], want, atol=1e-6)
