"""The vector collection is filled in batches of ``CHROMA_BATCH`` rows (ADR 0027: fewer, larger
``add`` calls): every chunk lands in it once, with its own vector and metadata, whether the rows
fill whole batches or leave a partial last one. Real Chroma, real files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.build import writer
from assistant.build.index import close_client, open_collection
from assistant.build.lifecycle import validate_build
from assistant.settings import Settings
from tests.answering_support import DocSpec, write_pages_build
from tests.fakes import HashingEmbedder


def _specs(pages: int) -> list[DocSpec]:
    return [
        DocSpec(
            doc_id=f"doc-{d}",
            title=f"Document {d}",
            pages=[
                f"Page {p} of document {d} says finding {p * 7 + d} about practice."
                for p in range(pages)
            ],
        )
        for d in range(3)
    ]


@pytest.mark.parametrize("batch", [writer.CHROMA_BATCH, 64])
def test_every_chunk_is_in_the_collection_with_its_vector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(writer, "CHROMA_BATCH", batch)  # the default BuildWriter.open reads
    settings = Settings(data_dir=tmp_path, _env_file=None)
    pages = writer.CHROMA_BATCH // 3 + 50  # more rows than one batch, a partial last one
    index = write_pages_build(settings, _specs(pages), HashingEmbedder(), words_per_chunk=5)
    chunks = index.chunks
    assert len(chunks) == 3 * pages
    assert len(chunks) > writer.CHROMA_BATCH and len(chunks) % writer.CHROMA_BATCH
    validate_build(settings, index.info.build_id)
    stored = np.load(settings.builds_dir / index.info.build_id / "vectors.npy")
    client, collection = open_collection(
        settings, settings.builds_dir / index.info.build_id, index.info
    )
    try:
        got = collection.get(include=["embeddings", "metadatas"])
    finally:
        close_client(client)
    rows = {cid: i for i, cid in enumerate(got["ids"])}
    assert sorted(rows) == sorted(c.chunk_id for c in chunks)
    for i, chunk in enumerate(chunks):
        at = rows[chunk.chunk_id]
        assert np.allclose(got["embeddings"][at], stored[i])
        assert got["metadatas"][at]["doc_id"] == chunk.doc_id
